-- Same rules as every org-scoped table (see 0002): RLS forced, the owner role passes, the app role is confined.
ALTER TABLE "employees" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "employees_owner_access" ON "employees" AS PERMISSIVE FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
