CREATE TABLE `data_key_checks` (
	`key_version` integer PRIMARY KEY NOT NULL,
	`ciphertext` blob NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `device_identities` (
	`id` integer PRIMARY KEY DEFAULT 1 NOT NULL,
	`device_id` text NOT NULL,
	`org_id` text NOT NULL,
	`site_id` text,
	`name` text NOT NULL,
	`hub_url` text NOT NULL,
	`audience` text NOT NULL,
	`kid` text NOT NULL,
	`public_jwk` text NOT NULL,
	`private_key_ciphertext` blob NOT NULL,
	`key_version` integer DEFAULT 1 NOT NULL,
	`provisioned_at` text NOT NULL,
	`revoked_at` text,
	`clock_offset_ms` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "device_identities_single_row" CHECK("device_identities"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE `employees` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`code` text NOT NULL,
	`display_name` text NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `employees_org_id_code_idx` ON `employees` (`org_id`,`code`);--> statement-breakpoint
CREATE TABLE `face_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`model_id` text NOT NULL,
	`dimension` integer NOT NULL,
	`version` integer NOT NULL,
	`ciphertext` blob NOT NULL,
	`key_version` integer DEFAULT 1 NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`employee_id`) REFERENCES `employees`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `face_templates_model_id_idx` ON `face_templates` (`model_id`);--> statement-breakpoint
CREATE INDEX `face_templates_employee_id_idx` ON `face_templates` (`employee_id`);--> statement-breakpoint
CREATE TABLE `pin_hashes` (
	`employee_id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`hash` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`employee_id`) REFERENCES `employees`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `pin_lockouts` (
	`employee_id` text PRIMARY KEY NOT NULL,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`locked_until` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`employee_id`) REFERENCES `employees`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `punches` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`device_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`type` text NOT NULL,
	`method` text NOT NULL,
	`device_time` text NOT NULL,
	`monotonic_ms` integer NOT NULL,
	`run_id` text NOT NULL,
	`score` real,
	`liveness` real,
	`model_id` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error_code` text,
	`last_error_message` text,
	`last_attempt_at` text,
	`synced_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `punches_id_unique` ON `punches` (`id`);--> statement-breakpoint
CREATE INDEX `punches_status_seq_idx` ON `punches` (`status`,`seq`);--> statement-breakpoint
CREATE INDEX `punches_employee_id_seq_idx` ON `punches` (`employee_id`,`seq`);--> statement-breakpoint
CREATE TABLE `kiosk_settings` (
	`id` integer PRIMARY KEY DEFAULT 1 NOT NULL,
	`settings` text NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `security_events` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`occurred_at` text NOT NULL,
	`employee_id` text,
	`details` text,
	`sent_at` text
);
--> statement-breakpoint
CREATE TABLE `sync_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_status` (
	`id` integer PRIMARY KEY DEFAULT 1 NOT NULL,
	`last_attempt_at` text,
	`last_success_at` text,
	`last_error_code` text,
	`last_error_message` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL
);
