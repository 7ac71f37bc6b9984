-- The role every request transaction switches to (SET LOCAL ROLE, see packages/db-hub/src/tenancy.ts)
-- so that row-level security applies even when the hub connects as the table owner or a superuser.
-- NOLOGIN: nobody connects as it directly; roles are cluster-wide, hence the existence check.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'clockface_app') THEN
    CREATE ROLE clockface_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END
$$;
--> statement-breakpoint
-- The migrating role must be a member to SET ROLE to it (a superuser already may).
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT clockface_app TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO clockface_app;
--> statement-breakpoint
-- Tables created by later migrations are readable and writable by the app role; append-only tables
-- take UPDATE and DELETE back in their own migration.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO clockface_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO clockface_app;
