-- Punches feed the projection queue through the projection drain instead of the insert: with the
-- queue upsert in the attendance_events trigger, every ingest transaction locked one queue row per
-- employee until it committed, so concurrent kiosk batches for the same people queued behind each
-- other (bench:sync, 8 kiosks). Now each row records the transaction that inserted it, and the drain
-- folds every punch of the transactions that finished since its watermark into projection_queue
-- (local dates ±1 day, as the trigger did), then moves the watermark. Every insert path still feeds
-- the projection: the column is filled by its default, whoever inserts. "Who is in now" stays in the
-- trigger: it must be current the moment a punch is stored.
ALTER TABLE "attendance_events" ADD COLUMN "ingest_xid" xid8;
--> statement-breakpoint
ALTER TABLE "attendance_events" ALTER COLUMN "ingest_xid" SET DEFAULT pg_current_xact_id();
--> statement-breakpoint
CREATE INDEX "attendance_events_ingest_xid_idx" ON "attendance_events" USING btree ("ingest_xid");
--> statement-breakpoint
-- One row: every punch inserted by a transaction below `folded_below` is in projection_queue (or was
-- projected since). Only the drain (owner role) moves it; tenant requests cannot touch it.
CREATE TABLE "projection_fold_watermark" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"folded_below" xid8 NOT NULL,
	CONSTRAINT "projection_fold_watermark_single_row" CHECK ("projection_fold_watermark"."id")
);
--> statement-breakpoint
REVOKE ALL ON "projection_fold_watermark" FROM clockface_app;
--> statement-breakpoint
-- Punches stored before this migration were queued by the old trigger; any transaction still open
-- now has an xid at or above this snapshot's xmin, so its punches are folded.
INSERT INTO "projection_fold_watermark" ("folded_below") VALUES (pg_snapshot_xmin(pg_current_snapshot()));
--> statement-breakpoint
CREATE OR REPLACE FUNCTION attendance_events_feed_projection() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- The newest event of the batch per employee moves the state only when it is newer than the
  -- state's own event (instant, then id: the projection's canonical order), so a punch delivered
  -- late by a kiosk that was offline cannot flip someone who has since clocked in again.
  INSERT INTO attendance_states AS s
         (org_id, employee_id, state, since, last_event_id, site_id, device_id, project_id, task_id, updated_at)
  SELECT DISTINCT ON (n.org_id, n.employee_id)
         n.org_id, n.employee_id,
         CASE n.type WHEN 'clock_out' THEN 'out' WHEN 'break_start' THEN 'on_break' ELSE 'in' END,
         n.occurred_at, n.id, n.site_id, n.device_id, n.project_id, n.task_id, now()
    FROM new_events n
   ORDER BY n.org_id, n.employee_id, n.occurred_at DESC, n.id DESC
  ON CONFLICT (org_id, employee_id) DO UPDATE
     SET state = excluded.state,
         since = excluded.since,
         last_event_id = excluded.last_event_id,
         site_id = excluded.site_id,
         device_id = excluded.device_id,
         -- Break punches carry no project: the timer keeps the one its clock-in started.
         project_id = CASE WHEN excluded.state = 'out' THEN NULL
                           ELSE coalesce(excluded.project_id, CASE WHEN s.state <> 'out' THEN s.project_id END) END,
         task_id = CASE WHEN excluded.state = 'out' THEN NULL
                        ELSE coalesce(excluded.task_id, CASE WHEN s.state <> 'out' THEN s.task_id END) END,
         updated_at = excluded.updated_at
   WHERE (excluded.since, excluded.last_event_id) > (s.since, s.last_event_id);
  RETURN NULL;
END
$$;
