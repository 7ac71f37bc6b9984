CREATE TABLE "shift_assignments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"work_date" date NOT NULL,
	"kind" text DEFAULT 'shift' NOT NULL,
	"shift_template_id" uuid,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "shift_assignments_org_id_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "shift_assignments_kind_template" CHECK (("shift_assignments"."kind" = 'shift') = ("shift_assignments"."shift_template_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "shift_assignments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "shift_patterns" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"shift_template_id" uuid NOT NULL,
	"weekdays" smallint[] NOT NULL,
	"effective_from" date NOT NULL,
	"effective_to" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "shift_patterns_org_id_id_key" UNIQUE("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "shift_patterns" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "shift_templates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"start_time" time(0) NOT NULL,
	"end_time" time(0) NOT NULL,
	"break_minutes" integer DEFAULT 0 NOT NULL,
	"late_grace_minutes" integer DEFAULT 0 NOT NULL,
	"early_leave_grace_minutes" integer,
	"color" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "shift_templates_org_id_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "shift_templates_break_minutes_range" CHECK ("shift_templates"."break_minutes" between 0 and 1440),
	CONSTRAINT "shift_templates_grace_range" CHECK ("shift_templates"."late_grace_minutes" between 0 and 1440)
);
--> statement-breakpoint
ALTER TABLE "shift_templates" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "time_policies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"scope" text NOT NULL,
	"site_id" uuid,
	"employee_id" uuid,
	"rules" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "time_policies_scope_target" CHECK (("time_policies"."scope" = 'org' and "time_policies"."site_id" is null and "time_policies"."employee_id" is null)
        or ("time_policies"."scope" = 'site' and "time_policies"."site_id" is not null and "time_policies"."employee_id" is null)
        or ("time_policies"."scope" = 'employee' and "time_policies"."employee_id" is not null and "time_policies"."site_id" is null))
);
--> statement-breakpoint
ALTER TABLE "time_policies" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "clients" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"notes" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "clients_org_id_id_key" UNIQUE("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "clients" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "project_categories" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"color" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "project_categories_org_id_id_key" UNIQUE("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "project_categories" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "project_members" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"role" text DEFAULT 'member' NOT NULL,
	"hourly_rate_minor" numeric(12, 0),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "project_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"code" text,
	"client_id" uuid,
	"category_id" uuid,
	"status" text DEFAULT 'active' NOT NULL,
	"start_date" date,
	"end_date" date,
	"budget_minutes" integer,
	"budget_amount_minor" numeric(14, 0),
	"currency" text,
	"is_billable" boolean DEFAULT true NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "projects_org_id_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "projects_dates_ordered" CHECK ("projects"."end_date" is null or "projects"."start_date" is null or "projects"."end_date" >= "projects"."start_date")
);
--> statement-breakpoint
ALTER TABLE "projects" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"parent_id" uuid,
	"name" text NOT NULL,
	"description" text,
	"status" text DEFAULT 'todo' NOT NULL,
	"progress_percent" smallint DEFAULT 0 NOT NULL,
	"estimate_minutes" integer,
	"assignee_employee_id" uuid,
	"due_date" date,
	"position" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "tasks_org_id_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "tasks_org_project_id_key" UNIQUE("org_id","project_id","id"),
	CONSTRAINT "tasks_progress_range" CHECK ("tasks"."progress_percent" between 0 and 100)
);
--> statement-breakpoint
ALTER TABLE "tasks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "team_members" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"team_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"allocation_percent" smallint DEFAULT 100 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "team_members_allocation_range" CHECK ("team_members"."allocation_percent" between 1 and 100)
);
--> statement-breakpoint
ALTER TABLE "team_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "teams" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"department_id" uuid,
	"manager_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "teams_org_id_id_key" UNIQUE("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "teams" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "attendance_states" (
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"state" text NOT NULL,
	"since" timestamp (3) with time zone NOT NULL,
	"last_event_id" uuid NOT NULL,
	"site_id" uuid,
	"device_id" uuid,
	"project_id" uuid,
	"task_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "attendance_states_pkey" PRIMARY KEY("org_id","employee_id")
);
--> statement-breakpoint
ALTER TABLE "attendance_states" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "modification_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"requested_by_user_id" uuid,
	"action" text NOT NULL,
	"target_id" uuid,
	"proposal" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"decided_by_user_id" uuid,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"adjustment_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "modification_requests_org_id_id_key" UNIQUE("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "modification_requests" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "projection_queue" (
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"from_date" date NOT NULL,
	"to_date" date NOT NULL,
	"requested_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projection_queue_pkey" PRIMARY KEY("org_id","employee_id")
);
--> statement-breakpoint
ALTER TABLE "projection_queue" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "time_adjustments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"target_id" uuid,
	"start_at" timestamp (3) with time zone,
	"end_at" timestamp (3) with time zone,
	"break_minutes" integer,
	"occurred_at" timestamp (3) with time zone,
	"punch_type" text,
	"project_id" uuid,
	"task_id" uuid,
	"effective_at" timestamp (3) with time zone NOT NULL,
	"actor_user_id" uuid,
	"reason" text NOT NULL,
	"modification_request_id" uuid,
	"flags" text[] DEFAULT '{}' NOT NULL,
	"recorded_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "time_adjustments_org_id_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "time_adjustments_interval" CHECK ("time_adjustments"."end_at" is null or "time_adjustments"."start_at" < "time_adjustments"."end_at"),
	CONSTRAINT "time_adjustments_kind_shape" CHECK (("time_adjustments"."kind" = 'manual_entry' and "time_adjustments"."start_at" is not null and "time_adjustments"."end_at" is not null and "time_adjustments"."target_id" is null)
        or ("time_adjustments"."kind" in ('edit', 'delete') and "time_adjustments"."target_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "time_adjustments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "time_entries" (
	"org_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"work_date" date NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"start_at" timestamp (3) with time zone NOT NULL,
	"end_at" timestamp (3) with time zone,
	"rounded_start_at" timestamp (3) with time zone NOT NULL,
	"rounded_end_at" timestamp (3) with time zone,
	"gross_minutes" integer DEFAULT 0 NOT NULL,
	"overlap_minutes" integer DEFAULT 0 NOT NULL,
	"break_minutes" integer DEFAULT 0 NOT NULL,
	"shift_template_id" uuid,
	"project_id" uuid,
	"task_id" uuid,
	"event_ids" uuid[] DEFAULT '{}' NOT NULL,
	CONSTRAINT "time_entries_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "time_entries" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "time_exceptions" (
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"id" text NOT NULL,
	"work_date" date NOT NULL,
	"code" text NOT NULL,
	"severity" text NOT NULL,
	"minutes" integer,
	"message" text NOT NULL,
	"entry_id" uuid,
	"event_ids" uuid[] DEFAULT '{}' NOT NULL,
	CONSTRAINT "time_exceptions_pkey" PRIMARY KEY("org_id","employee_id","id")
);
--> statement-breakpoint
ALTER TABLE "time_exceptions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "timesheets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"submitted_at" timestamp with time zone,
	"submitted_by_user_id" uuid,
	"approved_at" timestamp with time zone,
	"approved_by_user_id" uuid,
	"locked_at" timestamp (3) with time zone,
	"locked_by_user_id" uuid,
	"locked_totals" jsonb,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "timesheets_org_id_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "timesheets_period_ordered" CHECK ("timesheets"."period_end" >= "timesheets"."period_start")
);
--> statement-breakpoint
ALTER TABLE "timesheets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "work_days" (
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"work_date" date NOT NULL,
	"department_id" uuid,
	"site_id" uuid,
	"gross_minutes" integer DEFAULT 0 NOT NULL,
	"worked_minutes" integer DEFAULT 0 NOT NULL,
	"regular_minutes" integer DEFAULT 0 NOT NULL,
	"overtime_minutes" integer DEFAULT 0 NOT NULL,
	"overtime" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"paid_break_minutes" integer DEFAULT 0 NOT NULL,
	"unpaid_break_minutes" integer DEFAULT 0 NOT NULL,
	"auto_deducted_minutes" integer DEFAULT 0 NOT NULL,
	"late_minutes" integer DEFAULT 0 NOT NULL,
	"early_leave_minutes" integer DEFAULT 0 NOT NULL,
	"leave_minutes" integer DEFAULT 0 NOT NULL,
	"paid_leave_minutes" integer DEFAULT 0 NOT NULL,
	"exception_count" integer DEFAULT 0 NOT NULL,
	"scheduled_shift_count" integer DEFAULT 0 NOT NULL,
	"computed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "work_days_pkey" PRIMARY KEY("org_id","employee_id","work_date")
);
--> statement-breakpoint
ALTER TABLE "work_days" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "leave_ledger" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"leave_type_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"minutes" integer NOT NULL,
	"effective_date" date NOT NULL,
	"period_start" date,
	"leave_request_id" uuid,
	"actor_user_id" uuid,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "leave_ledger" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "leave_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"leave_type_id" uuid NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"minutes_per_day" integer,
	"total_minutes" integer NOT NULL,
	"reason" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"requested_by_user_id" uuid,
	"decided_by_user_id" uuid,
	"decided_at" timestamp with time zone,
	"decision_note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "leave_requests_org_id_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "leave_requests_dates_ordered" CHECK ("leave_requests"."end_date" >= "leave_requests"."start_date")
);
--> statement-breakpoint
ALTER TABLE "leave_requests" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "leave_types" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"code" text,
	"is_paid" boolean DEFAULT true NOT NULL,
	"accrual_minutes_per_period" integer DEFAULT 0 NOT NULL,
	"carry_over_cap_minutes" integer,
	"default_day_minutes" integer DEFAULT 480 NOT NULL,
	"allow_negative_balance" boolean DEFAULT false NOT NULL,
	"requires_approval" boolean DEFAULT true NOT NULL,
	"color" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "leave_types_org_id_id_key" UNIQUE("org_id","id"),
	CONSTRAINT "leave_types_accrual_nonnegative" CHECK ("leave_types"."accrual_minutes_per_period" >= 0)
);
--> statement-breakpoint
ALTER TABLE "leave_types" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "face_consents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"text_version" text NOT NULL,
	"text_sha256" text,
	"method" text DEFAULT 'in_person' NOT NULL,
	"granted_at" timestamp with time zone NOT NULL,
	"recorded_by_user_id" uuid,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "face_consents_org_id_id_key" UNIQUE("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "face_consents" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "face_photos" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"template_id" uuid,
	"mime_type" text NOT NULL,
	"encrypted_content" "bytea" NOT NULL,
	"key_version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "face_photos" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "face_templates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"employee_id" uuid NOT NULL,
	"consent_id" uuid NOT NULL,
	"model_id" text NOT NULL,
	"dimensions" integer NOT NULL,
	"encrypted_embedding" "bytea",
	"key_version" integer DEFAULT 1 NOT NULL,
	"quality" double precision,
	"created_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone,
	"roster_xid" bigint,
	CONSTRAINT "face_templates_org_id_id_key" UNIQUE("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "face_templates" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "period_frequency" text DEFAULT 'biweekly' NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "period_anchor_date" date;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "face_model" text DEFAULT 'fr_feature' NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "attack_check_mode" text DEFAULT 'warn' NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "keep_enrollment_photos" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "departments" ADD COLUMN "manager_user_id" uuid;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD COLUMN "project_id" uuid;--> statement-breakpoint
ALTER TABLE "attendance_events" ADD COLUMN "task_id" uuid;--> statement-breakpoint
ALTER TABLE "shift_assignments" ADD CONSTRAINT "shift_assignments_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_assignments" ADD CONSTRAINT "shift_assignments_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_assignments" ADD CONSTRAINT "shift_assignments_template_fk" FOREIGN KEY ("org_id","shift_template_id") REFERENCES "public"."shift_templates"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_patterns" ADD CONSTRAINT "shift_patterns_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_patterns" ADD CONSTRAINT "shift_patterns_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_patterns" ADD CONSTRAINT "shift_patterns_template_fk" FOREIGN KEY ("org_id","shift_template_id") REFERENCES "public"."shift_templates"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "shift_templates" ADD CONSTRAINT "shift_templates_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_policies" ADD CONSTRAINT "time_policies_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_policies" ADD CONSTRAINT "time_policies_site_fk" FOREIGN KEY ("org_id","site_id") REFERENCES "public"."sites"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_policies" ADD CONSTRAINT "time_policies_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clients" ADD CONSTRAINT "clients_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_categories" ADD CONSTRAINT "project_categories_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_project_fk" FOREIGN KEY ("org_id","project_id") REFERENCES "public"."projects"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_client_fk" FOREIGN KEY ("org_id","client_id") REFERENCES "public"."clients"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_category_fk" FOREIGN KEY ("org_id","category_id") REFERENCES "public"."project_categories"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_project_fk" FOREIGN KEY ("org_id","project_id") REFERENCES "public"."projects"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_parent_fk" FOREIGN KEY ("org_id","project_id","parent_id") REFERENCES "public"."tasks"("org_id","project_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_assignee_fk" FOREIGN KEY ("org_id","assignee_employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_fk" FOREIGN KEY ("org_id","team_id") REFERENCES "public"."teams"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_manager_user_id_users_id_fk" FOREIGN KEY ("manager_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_department_fk" FOREIGN KEY ("org_id","department_id") REFERENCES "public"."departments"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_states" ADD CONSTRAINT "attendance_states_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attendance_states" ADD CONSTRAINT "attendance_states_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "modification_requests" ADD CONSTRAINT "modification_requests_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "modification_requests" ADD CONSTRAINT "modification_requests_requested_by_user_id_users_id_fk" FOREIGN KEY ("requested_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "modification_requests" ADD CONSTRAINT "modification_requests_decided_by_user_id_users_id_fk" FOREIGN KEY ("decided_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "modification_requests" ADD CONSTRAINT "modification_requests_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projection_queue" ADD CONSTRAINT "projection_queue_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_adjustments" ADD CONSTRAINT "time_adjustments_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_adjustments" ADD CONSTRAINT "time_adjustments_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_adjustments" ADD CONSTRAINT "time_adjustments_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_entries" ADD CONSTRAINT "time_entries_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "time_exceptions" ADD CONSTRAINT "time_exceptions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheets" ADD CONSTRAINT "timesheets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheets" ADD CONSTRAINT "timesheets_submitted_by_user_id_users_id_fk" FOREIGN KEY ("submitted_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheets" ADD CONSTRAINT "timesheets_approved_by_user_id_users_id_fk" FOREIGN KEY ("approved_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheets" ADD CONSTRAINT "timesheets_locked_by_user_id_users_id_fk" FOREIGN KEY ("locked_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheets" ADD CONSTRAINT "timesheets_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_days" ADD CONSTRAINT "work_days_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "work_days" ADD CONSTRAINT "work_days_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leave_ledger" ADD CONSTRAINT "leave_ledger_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leave_ledger" ADD CONSTRAINT "leave_ledger_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leave_ledger" ADD CONSTRAINT "leave_ledger_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leave_ledger" ADD CONSTRAINT "leave_ledger_type_fk" FOREIGN KEY ("org_id","leave_type_id") REFERENCES "public"."leave_types"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leave_requests" ADD CONSTRAINT "leave_requests_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leave_requests" ADD CONSTRAINT "leave_requests_requested_by_user_id_users_id_fk" FOREIGN KEY ("requested_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leave_requests" ADD CONSTRAINT "leave_requests_decided_by_user_id_users_id_fk" FOREIGN KEY ("decided_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leave_requests" ADD CONSTRAINT "leave_requests_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leave_requests" ADD CONSTRAINT "leave_requests_type_fk" FOREIGN KEY ("org_id","leave_type_id") REFERENCES "public"."leave_types"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leave_types" ADD CONSTRAINT "leave_types_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "face_consents" ADD CONSTRAINT "face_consents_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "face_consents" ADD CONSTRAINT "face_consents_recorded_by_user_id_users_id_fk" FOREIGN KEY ("recorded_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "face_consents" ADD CONSTRAINT "face_consents_withdrawn_by_user_id_users_id_fk" FOREIGN KEY ("withdrawn_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "face_consents" ADD CONSTRAINT "face_consents_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "face_photos" ADD CONSTRAINT "face_photos_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "face_photos" ADD CONSTRAINT "face_photos_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "face_templates" ADD CONSTRAINT "face_templates_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "face_templates" ADD CONSTRAINT "face_templates_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "face_templates" ADD CONSTRAINT "face_templates_employee_fk" FOREIGN KEY ("org_id","employee_id") REFERENCES "public"."employees"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "face_templates" ADD CONSTRAINT "face_templates_consent_fk" FOREIGN KEY ("org_id","consent_id") REFERENCES "public"."face_consents"("org_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "shift_assignments_org_employee_date_idx" ON "shift_assignments" USING btree ("org_id","employee_id","work_date") WHERE "shift_assignments"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "shift_assignments_org_date_idx" ON "shift_assignments" USING btree ("org_id","work_date") WHERE "shift_assignments"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "shift_assignments_one_per_template_day" ON "shift_assignments" USING btree ("org_id","employee_id","work_date","shift_template_id") WHERE "shift_assignments"."deleted_at" is null and "shift_assignments"."kind" = 'shift';--> statement-breakpoint
CREATE INDEX "shift_patterns_org_employee_idx" ON "shift_patterns" USING btree ("org_id","employee_id") WHERE "shift_patterns"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "shift_templates_org_name_idx" ON "shift_templates" USING btree ("org_id","name") WHERE "shift_templates"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "time_policies_org_scope_key" ON "time_policies" USING btree ("org_id") WHERE "time_policies"."scope" = 'org';--> statement-breakpoint
CREATE UNIQUE INDEX "time_policies_site_scope_key" ON "time_policies" USING btree ("org_id","site_id") WHERE "time_policies"."scope" = 'site';--> statement-breakpoint
CREATE UNIQUE INDEX "time_policies_employee_scope_key" ON "time_policies" USING btree ("org_id","employee_id") WHERE "time_policies"."scope" = 'employee';--> statement-breakpoint
CREATE INDEX "clients_org_name_idx" ON "clients" USING btree ("org_id","name") WHERE "clients"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "project_members_project_employee_key" ON "project_members" USING btree ("org_id","project_id","employee_id");--> statement-breakpoint
CREATE INDEX "project_members_employee_idx" ON "project_members" USING btree ("org_id","employee_id");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_org_code_key" ON "projects" USING btree ("org_id","code") WHERE "projects"."deleted_at" is null and "projects"."code" is not null;--> statement-breakpoint
CREATE INDEX "projects_org_name_idx" ON "projects" USING btree ("org_id","name") WHERE "projects"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "tasks_org_project_idx" ON "tasks" USING btree ("org_id","project_id","parent_id","position") WHERE "tasks"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "team_members_team_employee_key" ON "team_members" USING btree ("org_id","team_id","employee_id");--> statement-breakpoint
CREATE INDEX "team_members_employee_idx" ON "team_members" USING btree ("org_id","employee_id");--> statement-breakpoint
CREATE INDEX "teams_org_name_idx" ON "teams" USING btree ("org_id","name") WHERE "teams"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "attendance_states_present_idx" ON "attendance_states" USING btree ("org_id","site_id") WHERE "attendance_states"."state" <> 'out';--> statement-breakpoint
CREATE INDEX "modification_requests_org_status_idx" ON "modification_requests" USING btree ("org_id","status","created_at");--> statement-breakpoint
CREATE INDEX "modification_requests_employee_idx" ON "modification_requests" USING btree ("org_id","employee_id","created_at");--> statement-breakpoint
CREATE INDEX "time_adjustments_employee_time_idx" ON "time_adjustments" USING btree ("org_id","employee_id","effective_at");--> statement-breakpoint
CREATE INDEX "time_entries_employee_date_idx" ON "time_entries" USING btree ("org_id","employee_id","work_date");--> statement-breakpoint
CREATE INDEX "time_entries_org_project_date_idx" ON "time_entries" USING btree ("org_id","project_id","work_date") WHERE "time_entries"."project_id" is not null;--> statement-breakpoint
CREATE INDEX "time_exceptions_org_date_idx" ON "time_exceptions" USING btree ("org_id","work_date","code");--> statement-breakpoint
CREATE INDEX "time_exceptions_employee_date_idx" ON "time_exceptions" USING btree ("org_id","employee_id","work_date");--> statement-breakpoint
CREATE UNIQUE INDEX "timesheets_employee_period_key" ON "timesheets" USING btree ("org_id","employee_id","period_start");--> statement-breakpoint
CREATE INDEX "timesheets_org_period_status_idx" ON "timesheets" USING btree ("org_id","period_start","status");--> statement-breakpoint
CREATE INDEX "work_days_org_date_idx" ON "work_days" USING btree ("org_id","work_date");--> statement-breakpoint
CREATE INDEX "leave_ledger_balance_idx" ON "leave_ledger" USING btree ("org_id","employee_id","leave_type_id","effective_date");--> statement-breakpoint
CREATE UNIQUE INDEX "leave_ledger_one_accrual_per_period" ON "leave_ledger" USING btree ("org_id","employee_id","leave_type_id","period_start") WHERE "leave_ledger"."kind" = 'accrual';--> statement-breakpoint
CREATE INDEX "leave_requests_employee_dates_idx" ON "leave_requests" USING btree ("org_id","employee_id","start_date");--> statement-breakpoint
CREATE INDEX "leave_requests_org_status_idx" ON "leave_requests" USING btree ("org_id","status","start_date");--> statement-breakpoint
CREATE UNIQUE INDEX "leave_types_org_code_key" ON "leave_types" USING btree ("org_id","code") WHERE "leave_types"."deleted_at" is null and "leave_types"."code" is not null;--> statement-breakpoint
CREATE INDEX "face_consents_employee_idx" ON "face_consents" USING btree ("org_id","employee_id","granted_at");--> statement-breakpoint
CREATE INDEX "face_photos_employee_idx" ON "face_photos" USING btree ("org_id","employee_id");--> statement-breakpoint
CREATE INDEX "face_templates_employee_idx" ON "face_templates" USING btree ("org_id","employee_id") WHERE "face_templates"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "face_templates_org_roster_xid_idx" ON "face_templates" USING btree ("org_id","roster_xid","id");--> statement-breakpoint
ALTER TABLE "departments" ADD CONSTRAINT "departments_manager_user_id_users_id_fk" FOREIGN KEY ("manager_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "shift_assignments_tenant_isolation" ON "shift_assignments" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "shift_patterns_tenant_isolation" ON "shift_patterns" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "shift_templates_tenant_isolation" ON "shift_templates" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "time_policies_tenant_isolation" ON "time_policies" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "clients_tenant_isolation" ON "clients" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "project_categories_tenant_isolation" ON "project_categories" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "project_members_tenant_isolation" ON "project_members" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "projects_tenant_isolation" ON "projects" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tasks_tenant_isolation" ON "tasks" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "team_members_tenant_isolation" ON "team_members" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "teams_tenant_isolation" ON "teams" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "attendance_states_tenant_isolation" ON "attendance_states" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "modification_requests_tenant_isolation" ON "modification_requests" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "projection_queue_tenant_isolation" ON "projection_queue" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "time_adjustments_tenant_isolation" ON "time_adjustments" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "time_entries_tenant_isolation" ON "time_entries" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "time_exceptions_tenant_isolation" ON "time_exceptions" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "timesheets_tenant_isolation" ON "timesheets" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "work_days_tenant_isolation" ON "work_days" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "leave_ledger_tenant_isolation" ON "leave_ledger" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "leave_requests_tenant_isolation" ON "leave_requests" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "leave_types_tenant_isolation" ON "leave_types" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "face_consents_tenant_isolation" ON "face_consents" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "face_photos_tenant_isolation" ON "face_photos" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "face_templates_tenant_isolation" ON "face_templates" AS PERMISSIVE FOR ALL TO "clockface_app" USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid) WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid);