-- Same rules as every org-scoped table (see 0002): RLS forced, the owner role passes, the app role is confined.
--> statement-breakpoint
ALTER TABLE "shift_templates" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shift_patterns" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "shift_assignments" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "time_policies" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "teams" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "team_members" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "clients" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "project_categories" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "projects" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "project_members" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "tasks" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "time_adjustments" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "modification_requests" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "timesheets" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "work_days" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "time_entries" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "time_exceptions" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "projection_queue" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "attendance_states" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "leave_types" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "leave_requests" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "leave_ledger" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "face_consents" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "face_templates" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "face_photos" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "shift_templates_owner_access" ON "shift_templates" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "shift_patterns_owner_access" ON "shift_patterns" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "shift_assignments_owner_access" ON "shift_assignments" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "time_policies_owner_access" ON "time_policies" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "teams_owner_access" ON "teams" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "team_members_owner_access" ON "team_members" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "clients_owner_access" ON "clients" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "project_categories_owner_access" ON "project_categories" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "projects_owner_access" ON "projects" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "project_members_owner_access" ON "project_members" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "tasks_owner_access" ON "tasks" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "time_adjustments_owner_access" ON "time_adjustments" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "modification_requests_owner_access" ON "modification_requests" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "timesheets_owner_access" ON "timesheets" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "work_days_owner_access" ON "work_days" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "time_entries_owner_access" ON "time_entries" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "time_exceptions_owner_access" ON "time_exceptions" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "projection_queue_owner_access" ON "projection_queue" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "attendance_states_owner_access" ON "attendance_states" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "leave_types_owner_access" ON "leave_types" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "leave_requests_owner_access" ON "leave_requests" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "leave_ledger_owner_access" ON "leave_ledger" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "face_consents_owner_access" ON "face_consents" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "face_templates_owner_access" ON "face_templates" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "face_photos_owner_access" ON "face_photos" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
-- Corrections and the leave ledger are append-only for the app role, like the punches: a correction of
-- a correction is another row, and a balance is always the sum of its lines.
REVOKE UPDATE, DELETE, TRUNCATE ON "time_adjustments" FROM clockface_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON "leave_ledger" FROM clockface_app;
--> statement-breakpoint
-- Face templates page the kiosk roster delta on the id of the transaction that last changed them, exactly
-- like employees (0006): the same trigger function records it.
CREATE TRIGGER "face_templates_roster_xid" BEFORE INSERT OR UPDATE ON "face_templates"
  FOR EACH ROW EXECUTE FUNCTION "employees_set_roster_xid"();
