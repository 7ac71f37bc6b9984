-- FORCE: row-level security applies to the table owner too, so a missed SET ROLE still cannot read
-- across tenants when the hub connects as a non-superuser owner (security checklist TEN-04).
ALTER TABLE "organizations" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "custom_roles" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "memberships" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "invitations" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "departments" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "sites" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- The owner role (migrations, signup, platform admin, background jobs) works across orgs on purpose:
-- these policies let it through while the app role stays confined to its org.
CREATE POLICY "organizations_owner_access" ON "organizations" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "custom_roles_owner_access" ON "custom_roles" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "memberships_owner_access" ON "memberships" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "invitations_owner_access" ON "invitations" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "departments_owner_access" ON "departments" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "sites_owner_access" ON "sites" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY "audit_log_owner_access" ON "audit_log" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
--> statement-breakpoint
-- The audit log is append-only for the app role: corrections are new entries.
REVOKE UPDATE, DELETE, TRUNCATE ON "audit_log" FROM clockface_app;
