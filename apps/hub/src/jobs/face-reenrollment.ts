/**
 * @module The face re-enrollment job: after an org switches its face model, templates of the new
 * model are made from the enrollment photos the org kept (faces.service.ts reenrollFromKeptPhotos).
 * Queued by PATCH /face-settings; one job per org at a time (pg-boss singleton key = org id).
 * A sweep (at hub start and hourly) queues every org that keeps photos, so a new model id from an
 * upgrade of packages/face (or a run that failed for good) is picked up without anyone asking.
 */
import { listOrgIdsWithKeptFacePhotos } from '@clockface/db-hub/queries';
import type { HubDeps } from '../deps';
import { reenrollFromKeptPhotos } from '../services/faces.service';

/** Employees per run; a run that leaves some pending queues the next one. */
export const REENROLL_EMPLOYEES_PER_RUN = 200;

export async function handleReenrollFaces(
  deps: Pick<HubDeps, 'db' | 'clock' | 'faces' | 'log' | 'jobs'>,
  data: { orgId: string },
): Promise<'SUCCESS' | 'SKIPPED'> {
  const started = Date.now();
  const run = await reenrollFromKeptPhotos(deps, data.orgId, { maxEmployees: REENROLL_EMPLOYEES_PER_RUN });
  if (run.reenrolled === 0 && run.needsPhotos === 0 && run.remaining === 0) return 'SKIPPED';
  deps.log.info({ orgId: data.orgId, ...run, ms: Date.now() - started }, 'face re-enrollment run');
  // More to do (a large org), or the model changed again mid-run: continue in a fresh job.
  if (run.remaining > 0 || run.isStale) await deps.jobs?.requestFaceReenrollment(data.orgId);
  return 'SUCCESS';
}

/** Queues the re-enrollment of every active org that keeps photos; each run skips at once when nothing is pending. */
export async function handleSweepFaceReenrollment(deps: Pick<HubDeps, 'db' | 'jobs'>): Promise<number> {
  const orgIds = await listOrgIdsWithKeptFacePhotos(deps.db);
  for (const orgId of orgIds) await deps.jobs?.requestFaceReenrollment(orgId);
  return orgIds.length;
}
