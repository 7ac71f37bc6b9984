-- The punch ingest (POST /api/sync/events) records the device token's jti inside its own
-- org-scoped transaction, as the app role, instead of in a separate commit before it: one commit
-- (and fsync) per batch instead of two. Replay protection stays exact: the primary key still refuses
-- a second use, a concurrent request with the same jti waits for this transaction and fails if it
-- commits, and every path where the ingest transaction does not commit (an error, a refused batch)
-- records the jti on its own afterwards as the owner role (apps/hub with-device-auth.ts).
-- The app role may only insert ids of a device it can see, i.e. of the org in scope (devices is
-- confined by its own RLS policy); it still cannot read, change or delete any id.
CREATE POLICY "device_token_uses_app_insert" ON "device_token_uses" AS PERMISSIVE FOR INSERT TO clockface_app
  WITH CHECK (EXISTS (SELECT 1 FROM "devices" WHERE "devices"."id" = "device_token_uses"."device_id"));
