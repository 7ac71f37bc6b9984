-- Same rules as every org-scoped table (see 0002): RLS forced, the owner role passes, the app role is confined.
ALTER TABLE "enrollment_tokens" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "devices" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "attendance_events" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "enrollment_tokens_owner_access" ON "enrollment_tokens" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "devices_owner_access" ON "devices" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "attendance_events_owner_access" ON "attendance_events" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
-- device_token_uses has no app-role policy on purpose: only the device-auth middleware (owner role) uses it.
CREATE POLICY "device_token_uses_owner_access" ON "device_token_uses" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
-- Punches are append-only for the app role (DEV-06): corrections are new events.
REVOKE UPDATE, DELETE, TRUNCATE ON "attendance_events" FROM clockface_app;
--> statement-breakpoint
-- Serves the kiosk roster delta (queries/roster.ts): every insert or update of an employee records the
-- id of its transaction. A later-committing transaction always has an id at or above the snapshot
-- xmin the previous delta handed out, so no change is skipped however commits interleave.
CREATE FUNCTION "employees_set_roster_xid"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.roster_xid := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "employees_roster_xid" BEFORE INSERT OR UPDATE ON "employees"
  FOR EACH ROW EXECUTE FUNCTION "employees_set_roster_xid"();
--> statement-breakpoint
UPDATE "employees" SET "roster_xid" = pg_current_xact_id()::text::bigint;
