-- The fold watermark becomes a snapshot instead of an xid bound (see migration 0012). With the bound
-- `ingest_xid < pg_snapshot_xmin(now)`, one long transaction anywhere on the server, in any
-- database (transaction ids are server-wide), held back every punch committed after it had started:
-- "who is in" was current but work days waited, and tests running beside other databases saw
-- nothing projected. Now the drain remembers the snapshot it folded up to and folds exactly the
-- punches visible in its new snapshot that were not visible in the remembered one: a transaction
-- still running is invisible to both and is folded by the run that first sees it committed.
ALTER TABLE "projection_fold_watermark" ADD COLUMN "folded_snapshot" pg_snapshot;
--> statement-breakpoint
-- "X:X:" is the snapshot in which exactly the transactions below X are visible: the old bound.
UPDATE "projection_fold_watermark"
   SET "folded_snapshot" = ("folded_below"::text || ':' || "folded_below"::text || ':')::pg_snapshot;
--> statement-breakpoint
ALTER TABLE "projection_fold_watermark" ALTER COLUMN "folded_snapshot" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "projection_fold_watermark" DROP COLUMN "folded_below";
