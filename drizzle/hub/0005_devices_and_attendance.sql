CREATE TABLE "device_token_uses" (
	"device_id" uuid NOT NULL,
	"jti" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "device_token_uses_pkey" PRIMARY KEY("device_id","jti")
);
--> statement-breakpoint
ALTER TABLE "device_token_uses" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "devices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"site_id" uuid,
	"enrollment_token_id" uuid,
	"name" text NOT NULL,
	"kid" text NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"revoked_at" timestamp with time zone,
	"registered_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone,
	"last_heartbeat_at" timestamp with time zone,
	"app_version" text,
	"model_id" text,
	"queue_depth" integer,
	"oldest_pending_at" timestamp with time zone,
	"last_sync_at" timestamp with time zone,
	"last_error_code" text,
	"last_error_message" text,
	"clock_offset_ms" integer,
	"is_flagged_for_review" boolean DEFAULT false NOT NULL,
	"flag_reason" text,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"last_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "devices_org_id_id_key" UNIQUE("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "devices" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "enrollment_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"site_id" uuid NOT NULL,
	"label" text,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"max_uses" integer DEFAULT 1 NOT NULL,
	"uses" integer DEFAULT 0 NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "enrollment_tokens_org_id_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "enrollment_tokens_uses_range" CHECK ("enrollment_tokens"."uses" >= 0 and "enrollment_tokens"."uses" <= "enrollment_tokens"."max_uses")
);
--> statement-breakpoint
ALTER TABLE "enrollment_tokens" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "attendance_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"device_id" uuid,
	"site_id" uuid,
	"seq" bigint,
	"type" text NOT NULL,
	"source" text NOT NULL,
	"method" text NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"device_time" timestamp (3) with time zone,
	"clock_offset_ms" integer,
	"received_at" timestamp (3) with time zone NOT NULL,
	"monotonic_ms" bigint,
	"run_id" uuid,
	"score" double precision,
	"liveness" double precision,
	"model_id" text,
	"prev_hash" text,
	"hash" text,
	"flags" text[] DEFAULT '{}' NOT NULL,
	"recorded_by" uuid,
	"reason" text
);
--> statement-breakpoint
ALTER TABLE "attendance_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "employees" ADD COLUMN "roster_xid" bigint;--> statement-breakpoint
ALTER TABLE "device_token_uses" ADD CONSTRAINT "device_token_uses_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_site_fk" FOREIGN KEY ("org_id","site_id") REFERENCES "public"."sites"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_enrollment_token_fk" FOREIGN KEY ("org_id","enrollment_token_id") REFERENCES "public"."enrollment_tokens"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_tokens" ADD CONSTRAINT "enrollment_tokens_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_tokens" ADD CONSTRAINT "enrollment_tokens_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrollment_tokens" ADD CONSTRAINT "enrollment_tokens_site_fk" FOREIGN KEY ("org_id","site_id") REFERENCES "public"."sites"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD CONSTRAINT "attendance_events_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD CONSTRAINT "attendance_events_recorded_by_users_id_fk" FOREIGN KEY ("recorded_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD CONSTRAINT "attendance_events_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD CONSTRAINT "attendance_events_device_fk" FOREIGN KEY ("org_id","device_id") REFERENCES "public"."devices"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "device_token_uses_expires_idx" ON "device_token_uses" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "devices_kid_key" ON "devices" USING btree ("kid");--> statement-breakpoint
CREATE INDEX "devices_org_idx" ON "devices" USING btree ("org_id","name","id");--> statement-breakpoint
CREATE UNIQUE INDEX "enrollment_tokens_hash_key" ON "enrollment_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "enrollment_tokens_org_idx" ON "enrollment_tokens" USING btree ("org_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "attendance_events_employee_time_idx" ON "attendance_events" USING btree ("org_id","employee_id","occurred_at");--> statement-breakpoint
CREATE INDEX "attendance_events_org_time_idx" ON "attendance_events" USING btree ("org_id","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "attendance_events_device_seq_key" ON "attendance_events" USING btree ("org_id","device_id","seq") WHERE "attendance_events"."device_id" is not null;--> statement-breakpoint
CREATE INDEX "employees_org_roster_xid_idx" ON "employees" USING btree ("org_id","roster_xid","id");--> statement-breakpoint
CREATE POLICY "devices_tenant_isolation" ON "devices" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "enrollment_tokens_tenant_isolation" ON "enrollment_tokens" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "attendance_events_tenant_isolation" ON "attendance_events" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);