/**
 * Face enrollment through the real API with the real face pipeline (packages/face, its committed
 * fixtures: frames of two different people): consent first, per-photo verdicts, templates
 * encrypted at rest, the look-alike guard, deletion and withdrawal as roster tombstones.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAX_ROSTER_ITEMS, parseRosterDelta } from '@clockface/contracts/sync';
import { uuidv7 } from '@clockface/core';
import { withOrgScope } from '@clockface/db-hub';
import { schema } from '@clockface/db-hub';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';
import { createEnrollmentToken, registerKiosk, type TestKiosk } from '../helpers/test-kiosk';
import { templateToBytes } from '../../src/security/template-crypto';

const FIXTURES = new URL('../../../../packages/face/fixtures/', import.meta.url);
const photo = (name: string) => readFileSync(fileURLToPath(new URL(name, FIXTURES))).toString('base64');
const PERSON_A = ['person-a-1.jpg', 'person-a-5.jpg', 'person-a-9.jpg'].map(photo);
const PERSON_B = ['person-b-2.jpg', 'person-b-8.jpg', 'person-b-14.jpg'].map(photo);
const CONSENT_TEXT = 'I agree that Clockface keeps a face template of me to record my working time.';

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
let kiosk: TestKiosk;
let siteId: string;

const asOwner = (method: string, path: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${path}`, { token: owner.accessToken, body });

async function createEmployee(code: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await asOwner('POST', '/employees', { code, name: `Employee ${code}`, ...extra });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

async function consent(employeeId: string) {
  const response = await asOwner('POST', `/employees/${employeeId}/face-consent`, {
    textVersion: '2026-11-v1',
    text: CONSENT_TEXT,
    method: 'in_person',
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function pullRoster(cursor?: string, from: TestKiosk = kiosk) {
  const path = cursor ? `/api/sync/roster?cursor=${encodeURIComponent(cursor)}` : '/api/sync/roster';
  const response = await from.request('GET', path);
  expect(response.status).toBe(200);
  const { delta, rejected } = parseRosterDelta(response.body);
  expect(rejected).toEqual([]);
  return delta;
}

async function pullAll(cursor?: string, from: TestKiosk = kiosk) {
  let delta = await pullRoster(cursor, from);
  const pages = [delta];
  while (delta.hasMore) {
    delta = await pullRoster(delta.cursor, from);
    pages.push(delta);
  }
  return {
    cursor: delta.cursor,
    templates: pages.flatMap((page) => page.templates),
    tombstones: pages.flatMap((page) => page.tombstones),
    employees: pages.flatMap((page) => page.employees),
    settings: pages.at(-1)!.settings,
    pages: pages.length,
  };
}

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub);
  const enrollment = await createEnrollmentToken(hub, owner);
  siteId = enrollment.siteId;
  kiosk = await registerKiosk(hub, enrollment.token);
}, 60_000);
afterAll(async () => {
  await hub?.close();
});

describe('consent', () => {
  it('records who, when, which text (its SHA-256) and how; the history keeps withdrawn records', async () => {
    const employeeId = await createEmployee('C-1');
    const recorded = await consent(employeeId);
    expect(recorded).toMatchObject({
      employeeId,
      textVersion: '2026-11-v1',
      textSha256: createHash('sha256').update(CONSENT_TEXT).digest('hex'),
      method: 'in_person',
      recordedByUserId: owner.userId,
      withdrawnAt: null,
    });
    const withdrawn = await asOwner('DELETE', `/employees/${employeeId}/face-consent`);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ consent: { id: recorded.id }, deletedTemplates: 0 });
    expect(withdrawn.body.consent.withdrawnAt).not.toBeNull();

    const history = await asOwner('GET', `/employees/${employeeId}/face-consent`);
    expect(history.status).toBe(200);
    expect(history.body.active).toBeNull();
    expect(history.body.items).toHaveLength(1);

    // Nothing left to withdraw: a conflict that changes nothing.
    const again = await asOwner('DELETE', `/employees/${employeeId}/face-consent`);
    expect(again.status).toBe(409);
  });

  it('refuses a consent dated in the future or without the text, changing nothing', async () => {
    const employeeId = await createEmployee('C-2');
    const before = await countAllRows(hub.runtime.deps.db);
    const future = await asOwner('POST', `/employees/${employeeId}/face-consent`, {
      textVersion: 'v1',
      text: CONSENT_TEXT,
      method: 'electronic',
      grantedAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(future.status).toBe(422);
    const noText = await asOwner('POST', `/employees/${employeeId}/face-consent`, {
      textVersion: 'v1',
      method: 'electronic',
    });
    expect(noText.status).toBe(422);
    expect(noText.headers.get('content-type')).toContain('application/problem+json');
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });
});

describe('enrollment', () => {
  let employeeA: string;
  let employeeB: string;

  it('needs a consent in force: 409 problem, nothing stored', async () => {
    employeeA = await createEmployee('A-1', { homeSiteId: siteId });
    const before = await countAllRows(hub.runtime.deps.db);
    const response = await asOwner('POST', `/employees/${employeeA}/face-templates`, {
      photos: [{ data: PERSON_A[0] }],
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('CONFLICT');
    expect(response.body.detail).toMatch(/consent/);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  });

  it('enrolls from photos: a verdict per photo, templates from the accepted ones, vectors never listed', async () => {
    await consent(employeeA);
    const response = await asOwner('POST', `/employees/${employeeA}/face-templates`, {
      photos: [
        ...PERSON_A.map((data) => ({ data })),
        { data: Buffer.from('not an image at all').toString('base64') },
      ],
    });
    expect(response.status).toBe(201);
    expect(response.body.photos.map((p: { verdict: string }) => p.verdict)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'unreadable',
    ]);
    expect(response.body.photos[3].message).not.toBe('');
    expect(response.body.templates).toHaveLength(3);
    expect(response.body.modelId).toMatch(/^fr_feature-/);
    expect(response.body.lookAlikes).toEqual([]);

    const listed = await asOwner('GET', `/employees/${employeeA}/face-templates`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(3);
    for (const item of listed.body.items) {
      expect(Object.keys(item).sort()).toEqual(
        ['createdAt', 'dimensions', 'employeeId', 'id', 'modelId', 'quality'].sort(),
      );
      expect(item.dimensions).toBe(512);
    }
  }, 60_000);

  it('stores templates encrypted, bound to their row: a ciphertext moved to another row does not decrypt', async () => {
    const rows = await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      tx.select().from(schema.faceTemplates).where(eq(schema.faceTemplates.employeeId, employeeA)),
    );
    expect(rows).toHaveLength(3);
    const cipher = hub.runtime.deps.faces.cipher;
    for (const row of rows) {
      const aad = { kind: 'template' as const, orgId: owner.orgId, employeeId: employeeA, recordId: row.id };
      const plaintext = cipher.decrypt(row.encryptedEmbedding!, aad);
      expect(plaintext.length).toBe(512 * 4);
      // Not stored in the clear: the plaintext bytes do not appear in the ciphertext.
      expect(row.encryptedEmbedding!.includes(plaintext.subarray(0, 64))).toBe(false);
      // L2-normalised float32.
      const vector = new Float32Array(plaintext.buffer, plaintext.byteOffset, 512);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 3);
    }
    const [first, second] = rows;
    expect(() =>
      cipher.decrypt(first!.encryptedEmbedding!, {
        kind: 'template',
        orgId: owner.orgId,
        employeeId: employeeA,
        recordId: second!.id,
      }),
    ).toThrow(/does not decrypt/);
  });

  it('look-alike guard: reports the people a new enrollment could be taken for, not strangers', async () => {
    // A and B (two young men with glasses) score about 0.3–0.4: below the match threshold (0.4) but
    // inside the safe margin, so the org is told to require a PIN for the pair.
    employeeB = await createEmployee('B-1', { homeSiteId: siteId });
    await consent(employeeB);
    const b = await asOwner('POST', `/employees/${employeeB}/face-templates`, {
      photos: PERSON_B.map((data) => ({ data })),
    });
    expect(b.status).toBe(201);
    expect(b.body.templates.length).toBeGreaterThanOrEqual(2);
    expect(b.body.lookAlikes).toEqual([{ employeeId: employeeA, score: expect.any(Number) }]);
    expect(b.body.lookAlikes[0].score).toBeLessThan(0.4);

    // Someone who looks like neither: no pair reported.
    const stranger = await createEmployee('S-1');
    await consent(stranger);
    const s = await asOwner('POST', `/employees/${stranger}/face-templates`, {
      photos: [{ data: photo('antispoof-real.jpg') }],
    });
    expect(s.status).toBe(201);
    expect(s.body.lookAlikes).toEqual([]);
    expect((await asOwner('DELETE', `/employees/${stranger}`)).status).toBe(204);

    const twin = await createEmployee('TWIN-1');
    await consent(twin);
    const lookAlike = await asOwner('POST', `/employees/${twin}/face-templates`, {
      photos: [{ data: PERSON_A[1] }],
    });
    expect(lookAlike.status).toBe(201);
    // The same face under another employee: A first, far above the threshold.
    expect(lookAlike.body.lookAlikes[0]).toEqual({ employeeId: employeeA, score: expect.any(Number) });
    expect(lookAlike.body.lookAlikes[0].score).toBeGreaterThan(0.5);
    // Deleting the employee deletes their templates (the twin would otherwise sit on the kiosk beside A).
    expect((await asOwner('DELETE', `/employees/${twin}`)).status).toBe(204);
    const twinRows = await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      tx.select().from(schema.faceTemplates).where(eq(schema.faceTemplates.employeeId, twin)),
    );
    expect(twinRows).toHaveLength(1);
    expect(twinRows.every((row) => row.deletedAt !== null && row.encryptedEmbedding === null)).toBe(true);
  }, 60_000);

  it('no usable photo → 422 with a reason per photo, nothing stored', async () => {
    const before = await countAllRows(hub.runtime.deps.db);
    const response = await asOwner('POST', `/employees/${employeeB}/face-templates`, {
      photos: [{ data: Buffer.from('garbage').toString('base64') }],
    });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([
      { path: 'photos.0', message: expect.stringMatching(/^unreadable: /) },
    ]);
    expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
  }, 30_000);

  it('takes bodies above the general limit on this route only, and refuses more than 5 photos', async () => {
    const big = Buffer.alloc(1_500_000, 7).toString('base64');
    const enroll = await asOwner('POST', `/employees/${employeeB}/face-templates`, {
      photos: [{ data: big }],
    });
    expect(enroll.status).toBe(422); // read and judged (unreadable), not refused for size
    expect(enroll.body.errors[0].message).toMatch(/^unreadable/);
    const elsewhere = await asOwner('POST', `/employees/${employeeB}/face-consent`, {
      textVersion: 'v1',
      text: big,
      method: 'in_person',
    });
    expect(elsewhere.status).toBe(413);
    const six = await asOwner('POST', `/employees/${employeeB}/face-templates`, {
      photos: Array.from({ length: 6 }, () => ({ data: PERSON_B[0] })),
    });
    expect(six.status).toBe(422);
  }, 30_000);

  it('keeps enrollment photos only when the org opted in, encrypted', async () => {
    const employeeId = await createEmployee('KEEP-1');
    await consent(employeeId);
    const count = () =>
      withOrgScope(
        hub.runtime.deps.db,
        owner.orgId,
        async (tx) =>
          (await tx.select().from(schema.facePhotos).where(eq(schema.facePhotos.employeeId, employeeId)))
            .length,
      );
    await asOwner('POST', `/employees/${employeeId}/face-templates`, { photos: [{ data: PERSON_B[0] }] });
    expect(await count()).toBe(0);
    await hub.runtime.deps.db.execute(
      sql`update organizations set keep_enrollment_photos = true where id = ${owner.orgId}`,
    );
    try {
      const kept = await asOwner('POST', `/employees/${employeeId}/face-templates`, {
        photos: [{ data: PERSON_B[1] }],
      });
      expect(kept.status).toBe(201);
      const photos = await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
        tx.select().from(schema.facePhotos).where(eq(schema.facePhotos.employeeId, employeeId)),
      );
      expect(photos).toHaveLength(1);
      expect(photos[0]!.templateId).toBe(kept.body.templates[0].id);
      expect(photos[0]!.mimeType).toBe('image/jpeg');
      const original = Buffer.from(PERSON_B[1]!, 'base64');
      expect(photos[0]!.encryptedContent.includes(original.subarray(0, 256))).toBe(false);
      const opened = hub.runtime.deps.faces.cipher.decrypt(photos[0]!.encryptedContent, {
        kind: 'photo',
        orgId: owner.orgId,
        employeeId,
        recordId: photos[0]!.id,
      });
      expect(opened.equals(original)).toBe(true);
      // Deleting the templates deletes the kept photos with them.
      expect((await asOwner('DELETE', `/employees/${employeeId}/face-templates`)).body).toEqual({
        deletedTemplates: 2,
      });
      expect(await count()).toBe(0);
    } finally {
      await hub.runtime.deps.db.execute(
        sql`update organizations set keep_enrollment_photos = false where id = ${owner.orgId}`,
      );
    }
  }, 60_000);

  describe('roster delta to the kiosk', () => {
    let cursor: string;

    it("sends the in-scope employees' templates (decrypted) and the org's model settings", async () => {
      const roster = await pullAll();
      cursor = roster.cursor;
      const byEmployee = (id: string) => roster.templates.filter((template) => template.employeeId === id);
      expect(byEmployee(employeeA)).toHaveLength(3);
      expect(byEmployee(employeeB).length).toBeGreaterThanOrEqual(2);
      // The deleted twin and the KEEP-1 employee's deleted templates are not on a first sync.
      expect(new Set(roster.templates.map((t) => t.employeeId))).toEqual(new Set([employeeA, employeeB]));
      const first = byEmployee(employeeA)[0]!;
      const hubRow = await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
        tx.select().from(schema.faceTemplates).where(eq(schema.faceTemplates.id, first.id)),
      );
      const plaintext = hub.runtime.deps.faces.cipher.decrypt(hubRow[0]!.encryptedEmbedding!, {
        kind: 'template',
        orgId: owner.orgId,
        employeeId: employeeA,
        recordId: first.id,
      });
      expect(Buffer.from(first.embedding, 'base64').equals(plaintext)).toBe(true);
      expect(roster.settings?.recognition).toMatchObject({
        modelId: first.modelId,
        matchThreshold: 0.4,
        margin: 0.08,
      });
      expect(roster.settings?.padMode).toBe('warn');
    }, 30_000);

    it('deleting one template, withdrawing consent and terminating each reach the kiosk as tombstones', async () => {
      const listed = await asOwner('GET', `/employees/${employeeA}/face-templates`);
      const [one, ...rest] = listed.body.items.map((item: { id: string }) => item.id) as string[];
      const deleted = await asOwner('DELETE', `/employees/${employeeA}/face-templates/${one}`);
      expect(deleted.body).toEqual({ deletedTemplates: 1 });
      expect((await asOwner('DELETE', `/employees/${employeeA}/face-templates/${one}`)).status).toBe(404);
      let roster = await pullAll(cursor);
      expect(roster.tombstones).toContainEqual({ kind: 'template', id: one });
      expect(roster.templates).toEqual([]);
      cursor = roster.cursor;

      const withdrawn = await asOwner('DELETE', `/employees/${employeeA}/face-consent`);
      expect(withdrawn.body.deletedTemplates).toBe(2);
      roster = await pullAll(cursor);
      expect(roster.tombstones).toEqual(expect.arrayContaining(rest.map((id) => ({ kind: 'template', id }))));
      cursor = roster.cursor;
      expect((await asOwner('GET', `/employees/${employeeA}/face-templates`)).body.items).toEqual([]);

      const bTemplates = (await asOwner('GET', `/employees/${employeeB}/face-templates`)).body.items as {
        id: string;
      }[];
      const terminated = await asOwner('POST', `/employees/${employeeB}/terminate`, {
        terminationDate: '2026-01-31',
      });
      expect(terminated.status).toBe(200);
      roster = await pullAll(cursor);
      expect(roster.tombstones).toEqual(
        expect.arrayContaining([
          { kind: 'employee', id: employeeB },
          ...bTemplates.map((template) => ({ kind: 'template', id: template.id })),
        ]),
      );
      // The ciphertext is gone from the hub; the row stays only as the tombstone.
      const rows = await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
        tx.select().from(schema.faceTemplates).where(eq(schema.faceTemplates.employeeId, employeeB)),
      );
      expect(rows.every((row) => row.encryptedEmbedding === null && row.deletedAt !== null)).toBe(true);
      const audit = await asOwner('GET', '/audit-log?limit=100');
      const actions = (audit.body.items as { action: string }[]).map((entry) => entry.action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'face_consent.recorded',
          'face_templates.enrolled',
          'face_consent.withdrawn',
        ]),
      );
    }, 30_000);
  });

  describe('roster paging and scope', () => {
    it("moving an employee to a kiosk's site sends their templates there, with the employee row", async () => {
      const otherSite = await asOwner('POST', '/sites', { name: 'Other site', timeZone: 'Europe/Berlin' });
      const enrollment = await createEnrollmentToken(hub, owner, { siteId: otherSite.body.id });
      const otherKiosk = await registerKiosk(hub, enrollment.token);
      const mover = await createEmployee('MOVE-1', { homeSiteId: siteId });
      await consent(mover);
      const enrolled = await asOwner('POST', `/employees/${mover}/face-templates`, {
        photos: [{ data: PERSON_A[0] }],
      });
      expect(enrolled.status).toBe(201);
      const first = await pullAll(undefined, otherKiosk);
      expect(first.templates.filter((t) => t.employeeId === mover)).toEqual([]);

      expect((await asOwner('PATCH', `/employees/${mover}`, { homeSiteId: otherSite.body.id })).status).toBe(
        200,
      );
      const moved = await pullAll(first.cursor, otherKiosk);
      expect(moved.employees.map((employee) => employee.id)).toContain(mover);
      expect(moved.templates.map((template) => template.id)).toEqual([enrolled.body.templates[0].id]);
    }, 60_000);

    it('pages templates at 1000 items, never skips one, and every template comes with its employee', async () => {
      const baseline = await pullAll();
      const owners = await Promise.all(
        [1, 2, 3].map((n) => createEmployee(`BULK-${n}`, { homeSiteId: siteId })),
      );
      const consents = await Promise.all(owners.map((employeeId) => consent(employeeId)));
      const cipher = hub.runtime.deps.faces.cipher;
      const count = MAX_ROSTER_ITEMS + 5;
      const rows = Array.from({ length: count }, (_, index) => {
        const id = uuidv7();
        const employeeId = owners[index % owners.length]!;
        const vector = new Float32Array(512).fill(1 / Math.sqrt(512));
        return {
          id,
          orgId: owner.orgId,
          employeeId,
          consentId: consents[index % owners.length]!.id,
          modelId: 'fr_feature-87aacdfe-flip',
          dimensions: 512,
          encryptedEmbedding: cipher.encrypt(templateToBytes(vector), {
            kind: 'template',
            orgId: owner.orgId,
            employeeId,
            recordId: id,
          }),
        };
      });
      await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
        tx.insert(schema.faceTemplates).values(rows),
      );

      const page1 = await pullRoster(baseline.cursor);
      expect(page1.hasMore).toBe(true);
      expect(page1.settings).toBeUndefined();
      expect(page1.templates.length + page1.tombstones.length).toBeLessThanOrEqual(MAX_ROSTER_ITEMS);
      // The kiosk's store needs the owner before the template: each page carries both.
      const listed = new Set(page1.employees.map((employee) => employee.id));
      expect(page1.templates.every((template) => listed.has(template.employeeId))).toBe(true);
      const rest = await pullAll(page1.cursor);
      const received = [...page1.templates, ...rest.templates].map((template) => template.id);
      expect(new Set(received)).toEqual(new Set(rows.map((row) => row.id)));
      expect(rest.settings).toBeDefined();
    }, 60_000);
  });
});
