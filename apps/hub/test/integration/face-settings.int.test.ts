/**
 * The org's face settings through the real API, with the real face pipeline on both embedders
 * (packages/face fixtures) and the real pg-boss worker: a model change reaches the kiosk's
 * settings, the re-enrollment job re-makes templates from kept photos and lists who needs new
 * photos; turning photo keeping off purges them; multipart enrollment gives the JSON form's verdicts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseRosterDelta, type TRosterDelta } from '@clockface/contracts/sync';
import { schema, withOrgScope } from '@clockface/db-hub';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';
import { createEnrollmentToken, registerKiosk, type TestKiosk } from '../helpers/test-kiosk';
import { handleReenrollFaces, handleSweepFaceReenrollment } from '../../src/jobs/face-reenrollment';

const FIXTURES = new URL('../../../../packages/face/fixtures/', import.meta.url);
const bytes = (name: string) => readFileSync(fileURLToPath(new URL(name, FIXTURES)));
const base64 = (name: string) => bytes(name).toString('base64');

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
let kiosk: TestKiosk;
let siteId: string;

const asOwner = (method: string, path: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${path}`, { token: owner.accessToken, body });

/** A multipart request as a browser form would send it (boundary set by FormData). */
async function postForm(path: string, form: FormData) {
  const response = await hub.runtime.app.request(`/api/orgs/${owner.orgId}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.accessToken}` },
    body: form,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

function photosForm(files: { name: string; data: Uint8Array; type?: string }[]) {
  const form = new FormData();
  for (const file of files)
    form.append('photos', new Blob([file.data], { type: file.type ?? 'image/jpeg' }), file.name);
  return form;
}

async function enrolledEmployee(code: string, photos: string[]): Promise<string> {
  const created = await asOwner('POST', '/employees', { code, name: `Employee ${code}`, homeSiteId: siteId });
  expect(created.status).toBe(201);
  const employeeId = created.body.id as string;
  const consent = await asOwner('POST', `/employees/${employeeId}/face-consent`, {
    textVersion: 'v1',
    text: 'I agree to a face template for time recording.',
    method: 'in_person',
  });
  expect(consent.status).toBe(201);
  if (photos.length > 0) {
    const enrolled = await asOwner('POST', `/employees/${employeeId}/face-templates`, {
      photos: photos.map((name) => ({ data: base64(name) })),
    });
    expect(enrolled.status).toBe(201);
  }
  return employeeId;
}

const keptPhotos = (employeeId?: string) =>
  withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
    tx
      .select()
      .from(schema.facePhotos)
      .where(
        employeeId ? eq(schema.facePhotos.employeeId, employeeId) : eq(schema.facePhotos.orgId, owner.orgId),
      ),
  );

/** Every page of the kiosk's roster delta from a cursor (or the first sync). */
async function pullRosterFrom(cursor?: string) {
  const templates: TRosterDelta['templates'] = [];
  const tombstones: TRosterDelta['tombstones'] = [];
  for (;;) {
    const path = cursor ? `/api/sync/roster?cursor=${encodeURIComponent(cursor)}` : '/api/sync/roster';
    const { delta, rejected } = parseRosterDelta((await kiosk.request('GET', path)).body);
    // Every template must reach the kiosk (faceres templates are 1024-d: 5,464 base64 characters).
    expect(rejected).toEqual([]);
    templates.push(...delta.templates);
    tombstones.push(...delta.tombstones);
    cursor = delta.cursor;
    if (!delta.hasMore) return { cursor, templates, tombstones };
  }
}

async function waitFor<T>(read: () => Promise<T>, isDone: (value: T) => boolean, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  hub = await createTestHub({ withJobs: true, env: { RUN_JOBS: 'true' } });
  owner = await signUpOwner(hub);
  const enrollment = await createEnrollmentToken(hub, owner);
  siteId = enrollment.siteId;
  kiosk = await registerKiosk(hub, enrollment.token);
}, 60_000);
afterAll(async () => {
  await hub?.close();
});

describe('face settings', () => {
  it('starts with fr_feature, warn and no kept photos', async () => {
    const response = await asOwner('GET', '/face-settings');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      faceModel: 'fr_feature',
      modelId: expect.stringMatching(/^fr_feature-/),
      attackCheckMode: 'warn',
      keepEnrollmentPhotos: false,
      reenrollment: { current: 0, pending: 0, needsPhotos: 0, employeesNeedingPhotos: [] },
    });
  });

  it('refuses an empty, unknown or out-of-range change with a problem, changing nothing', async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    for (const body of [
      {},
      { faceModel: 'arcface' },
      { attackCheckMode: 'strict' },
      { keepEnrollmentPhotos: 'yes' },
      { faceModel: 'faceres', threshold: 0.1 },
    ]) {
      const response = await asOwner('PATCH', '/face-settings', body);
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
    expect((await asOwner('GET', '/face-settings')).body.faceModel).toBe('fr_feature');
  });

  it('the attack check mode reaches the kiosk settings', async () => {
    const changed = await asOwner('PATCH', '/face-settings', { attackCheckMode: 'block' });
    expect(changed.status).toBe(200);
    expect(changed.body.attackCheckMode).toBe('block');
    const settings = await kiosk.request('GET', '/api/sync/settings');
    expect(settings.body.padMode).toBe('block');
    expect((await asOwner('PATCH', '/face-settings', { attackCheckMode: 'warn' })).status).toBe(200);
    expect((await kiosk.request('GET', '/api/sync/settings')).body.padMode).toBe('warn');
  });

  describe('model change', () => {
    let kept: string;
    let notKept: string;
    let oldTemplateIds: string[];
    let rosterCursor: string;

    it('enrollments keep their photos only while the org keeps them', async () => {
      notKept = await enrolledEmployee('NK-1', ['person-b-2.jpg']);
      expect(await keptPhotos(notKept)).toHaveLength(0);
      const on = await asOwner('PATCH', '/face-settings', { keepEnrollmentPhotos: true });
      expect(on.body.keepEnrollmentPhotos).toBe(true);
      // Turning keeping on does not bring back photos of earlier enrollments.
      expect(await keptPhotos(notKept)).toHaveLength(0);
      kept = await enrolledEmployee('K-1', ['person-a-1.jpg', 'person-a-5.jpg']);
      expect(await keptPhotos(kept)).toHaveLength(2);
      const templates = await asOwner('GET', `/employees/${kept}/face-templates`);
      oldTemplateIds = templates.body.items.map((item: { id: string }) => item.id);
      expect(oldTemplateIds).toHaveLength(2);
      const settings = await asOwner('GET', '/face-settings');
      expect(settings.body.reenrollment).toMatchObject({ current: 2, pending: 0, needsPhotos: 0 });
      rosterCursor = (await pullRosterFrom()).cursor;
    }, 60_000);

    it('switching to faceres: kiosks get the new model, the job re-enrolls from kept photos and lists who needs new ones', async () => {
      const changed = await asOwner('PATCH', '/face-settings', { faceModel: 'faceres' });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ faceModel: 'faceres', modelId: 'human-faceres-3.3.6' });
      // Nobody has a faceres template yet: K-1 waits for the job, NK-1 has nothing to re-enroll from.
      expect(changed.body.reenrollment.current).toBe(0);
      expect(changed.body.reenrollment.needsPhotos).toBe(1);
      expect(changed.body.reenrollment.employeesNeedingPhotos).toEqual([
        { employeeId: notKept, code: 'NK-1', name: 'Employee NK-1' },
      ]);

      const settings = await kiosk.request('GET', '/api/sync/settings');
      expect(settings.body.recognition).toMatchObject({
        modelId: 'human-faceres-3.3.6',
        matchThreshold: 0.68,
        margin: 0.05,
      });

      // The pg-boss worker of this hub runs the job.
      const done = await waitFor(
        () => asOwner('GET', '/face-settings'),
        (response) => response.body.reenrollment.pending === 0 && response.body.reenrollment.current === 1,
      );
      expect(done.body.reenrollment).toEqual({
        current: 1,
        pending: 0,
        needsPhotos: 1,
        employeesNeedingPhotos: [{ employeeId: notKept, code: 'NK-1', name: 'Employee NK-1' }],
      });
      const templates = await asOwner('GET', `/employees/${kept}/face-templates`);
      expect(templates.body.items).toHaveLength(2);
      for (const item of templates.body.items) {
        expect(item).toMatchObject({ modelId: 'human-faceres-3.3.6', dimensions: 1024 });
        expect(oldTemplateIds).not.toContain(item.id);
      }
      // The kept photos now back the new templates.
      const photos = await keptPhotos(kept);
      expect(photos.map((photo) => photo.templateId).sort()).toEqual(
        templates.body.items.map((item: { id: string }) => item.id).sort(),
      );
      // The kiosk drops the old-model templates and gets the new ones in its next roster delta.
      const { templates: sent, tombstones } = await pullRosterFrom(rosterCursor);
      expect(tombstones).toEqual(
        expect.arrayContaining(oldTemplateIds.map((id) => ({ kind: 'template', id }))),
      );
      expect(sent.filter((t) => t.employeeId === kept).map((t) => t.modelId)).toEqual([
        'human-faceres-3.3.6',
        'human-faceres-3.3.6',
      ]);
      // NK-1 keeps the old template (it would match again if the org switched back) until enrolled anew.
      const old = await asOwner('GET', `/employees/${notKept}/face-templates`);
      expect(old.body.items.map((item: { modelId: string }) => item.modelId)).toEqual([
        expect.stringMatching(/^fr_feature-/),
      ]);

      const audit = await asOwner('GET', '/audit-log?limit=100');
      const entries = audit.body.items as { action: string; actorType: string; entityId: string }[];
      expect(entries.find((entry) => entry.action === 'face_settings.updated')).toBeDefined();
      expect(entries.find((entry) => entry.action === 'face_templates.reenrolled')).toMatchObject({
        actorType: 'system',
        entityId: kept,
      });
      // A second run finds nothing to do.
      expect(await handleReenrollFaces(hub.runtime.deps, { orgId: owner.orgId })).toBe('SKIPPED');
    }, 120_000);

    it('a new enrollment with the new model takes the employee off the list and retires the old template', async () => {
      const enrolled = await asOwner('POST', `/employees/${notKept}/face-templates`, {
        photos: [{ data: base64('person-b-8.jpg') }],
      });
      expect(enrolled.status).toBe(201);
      expect(enrolled.body.modelId).toBe('human-faceres-3.3.6');
      const items = (await asOwner('GET', `/employees/${notKept}/face-templates`)).body.items;
      expect(items.map((item: { modelId: string }) => item.modelId)).toEqual(['human-faceres-3.3.6']);
      const settings = await asOwner('GET', '/face-settings');
      expect(settings.body.reenrollment).toMatchObject({ current: 2, pending: 0, needsPhotos: 0 });
    }, 60_000);

    it('switching back re-enrolls from the kept photos again (fr_feature), in the job', async () => {
      const changed = await asOwner('PATCH', '/face-settings', { faceModel: 'fr_feature' });
      expect(changed.body.reenrollment).toMatchObject({ current: 0, pending: 2 });
      const done = await waitFor(
        () => asOwner('GET', '/face-settings'),
        (response) => response.body.reenrollment.pending === 0,
      );
      expect(done.body.reenrollment).toMatchObject({ current: 2, pending: 0, needsPhotos: 0 });
    }, 120_000);

    it('turning photo keeping off deletes every kept photo (audited); templates stay', async () => {
      expect((await keptPhotos()).length).toBeGreaterThan(0);
      const off = await asOwner('PATCH', '/face-settings', { keepEnrollmentPhotos: false });
      expect(off.status).toBe(200);
      expect(off.body.keepEnrollmentPhotos).toBe(false);
      expect(await keptPhotos()).toHaveLength(0);
      expect((await asOwner('GET', `/employees/${kept}/face-templates`)).body.items).toHaveLength(2);
      const audit = await asOwner('GET', '/audit-log?limit=100');
      expect(
        (audit.body.items as { action: string; after: unknown }[]).find(
          (entry) => entry.action === 'face_photos.purged',
        ),
      ).toMatchObject({ after: { deletedPhotos: 3 } });
      // Now a model change has nothing to re-enroll from: both need new photos.
      const changed = await asOwner('PATCH', '/face-settings', { faceModel: 'faceres' });
      expect(changed.body.reenrollment).toMatchObject({ current: 0, pending: 0, needsPhotos: 2 });
      expect((await asOwner('PATCH', '/face-settings', { faceModel: 'fr_feature' })).status).toBe(200);
    }, 60_000);
  });
});

describe('multipart enrollment', () => {
  let employeeId: string;

  beforeAll(async () => {
    employeeId = await enrolledEmployee('MP-1', []);
  }, 30_000);

  it('takes 1–5 image files and gives the same verdicts as the JSON form', async () => {
    const form = photosForm([
      { name: 'a1.jpg', data: bytes('person-a-1.jpg') },
      { name: 'a9.jpg', data: bytes('person-a-9.jpg') },
      { name: 'junk.jpg', data: Buffer.from('not an image at all') },
    ]);
    const response = await postForm(`/employees/${employeeId}/face-templates`, form);
    expect(response.status).toBe(201);
    expect(response.body.photos.map((photo: { verdict: string }) => photo.verdict)).toEqual([
      'accepted',
      'accepted',
      'unreadable',
    ]);
    expect(response.body.templates).toHaveLength(2);

    const single = await postForm(
      `/employees/${employeeId}/face-templates`,
      photosForm([{ name: 'a5.jpg', data: bytes('person-a-5.jpg') }]),
    );
    expect(single.status).toBe(201);
    expect(single.body.templates).toHaveLength(1);
  }, 60_000);

  it('refuses too many files, an oversized file, no file and an oversized body, storing nothing', async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    const photo = bytes('person-b-2.jpg');
    const six = await postForm(
      `/employees/${employeeId}/face-templates`,
      photosForm(Array.from({ length: 6 }, (_, index) => ({ name: `${index}.jpg`, data: photo }))),
    );
    expect(six.status).toBe(422);
    expect(six.body.errors).toEqual([{ path: 'photos', message: expect.stringMatching(/at most 5/) }]);

    const big = await postForm(
      `/employees/${employeeId}/face-templates`,
      photosForm([
        { name: 'ok.jpg', data: photo },
        { name: 'big.jpg', data: Buffer.alloc(8 * 1024 * 1024 + 1, 1) },
      ]),
    );
    expect(big.status).toBe(422);
    expect(big.body.errors).toEqual([
      { path: 'photos.1', message: expect.stringMatching(/at most 8388608/) },
    ]);

    const none = new FormData();
    none.append('note', 'no photos here');
    const empty = await postForm(`/employees/${employeeId}/face-templates`, none);
    expect(empty.status).toBe(422);
    expect(empty.headers.get('content-type')).toContain('application/problem+json');

    const huge = await postForm(
      `/employees/${employeeId}/face-templates`,
      photosForm(
        Array.from({ length: 6 }, (_, index) => ({ name: `${index}.jpg`, data: Buffer.alloc(7_500_000, 2) })),
      ),
    );
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  }, 60_000);

  it('no other route takes a form (415), and the OpenAPI document lists both body forms', async () => {
    const form = new FormData();
    form.append('textVersion', 'v1');
    const consent = await postForm(`/employees/${employeeId}/face-consent`, form);
    expect(consent.status).toBe(415);
    const doc = await hub.request('GET', '/api/openapi.json');
    const body = doc.body.paths['/api/orgs/{orgId}/employees/{employeeId}/face-templates'].post.requestBody;
    expect(Object.keys(body.content).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(doc.body.paths['/api/orgs/{orgId}/face-settings'].patch).toBeDefined();
  });
});

describe('a kept photo the new model cannot use', () => {
  it('marks the photo, lists the employee as needing new photos and does not retry it', async () => {
    expect((await asOwner('PATCH', '/face-settings', { keepEnrollmentPhotos: true })).status).toBe(200);
    const employeeId = await enrolledEmployee('R-1', ['person-b-14.jpg']);
    const [photo] = await keptPhotos(employeeId);
    // The stored photo is damaged (e.g. a bad upload kept before the pipeline checked it so closely):
    // re-encrypted garbage, bound to its row like any kept photo.
    const cipher = hub.runtime.deps.faces.cipher;
    const damaged = cipher.encrypt(Buffer.from('not an image any more'), {
      kind: 'photo',
      orgId: owner.orgId,
      employeeId,
      recordId: photo!.id,
    });
    await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      tx
        .update(schema.facePhotos)
        .set({ encryptedContent: damaged })
        .where(eq(schema.facePhotos.id, photo!.id)),
    );

    const changed = await asOwner('PATCH', '/face-settings', { faceModel: 'faceres' });
    expect(changed.status).toBe(200);
    const done = await waitFor(
      () => asOwner('GET', '/face-settings'),
      (response) => response.body.reenrollment.pending === 0,
    );
    expect(done.body.reenrollment.employeesNeedingPhotos).toContainEqual({
      employeeId,
      code: 'R-1',
      name: 'Employee R-1',
    });
    const [marked] = await keptPhotos(employeeId);
    expect(marked!.rejectedModelId).toBe('human-faceres-3.3.6');
    // The fr_feature template stays (nothing replaced it).
    const items = (await asOwner('GET', `/employees/${employeeId}/face-templates`)).body.items;
    expect(items.map((item: { modelId: string }) => item.modelId)).toEqual([
      expect.stringMatching(/^fr_feature-/),
    ]);
    const audit = await asOwner('GET', '/audit-log?limit=100');
    expect(
      (audit.body.items as { action: string; entityId: string }[]).find(
        (entry) => entry.action === 'face_templates.reenrollment_failed',
      ),
    ).toMatchObject({ entityId: employeeId });
    // Nothing left to try for this model.
    expect(await handleReenrollFaces(hub.runtime.deps, { orgId: owner.orgId })).toBe('SKIPPED');
  }, 120_000);
});

describe('a new model id from an upgrade of the face pipeline', () => {
  it('the sweep re-enrolls orgs that keep photos without anyone changing a setting', async () => {
    const employeeId = await enrolledEmployee('U-1', ['person-a-9.jpg']);
    const current = (await asOwner('GET', '/face-settings')).body.modelId as string;
    // Templates made by an earlier version of the pipeline carry an older id.
    await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      tx
        .update(schema.faceTemplates)
        .set({ modelId: `${current}-previous` })
        .where(eq(schema.faceTemplates.employeeId, employeeId)),
    );
    const before = await asOwner('GET', '/face-settings');
    expect(before.body.reenrollment.pending).toBe(1);

    expect(await handleSweepFaceReenrollment(hub.runtime.deps)).toBeGreaterThanOrEqual(1);
    await waitFor(
      () => asOwner('GET', '/face-settings'),
      (response) => response.body.reenrollment.pending === 0,
    );
    const items = (await asOwner('GET', `/employees/${employeeId}/face-templates`)).body.items;
    expect(items.map((item: { modelId: string }) => item.modelId)).toEqual([current]);
  }, 120_000);
});
