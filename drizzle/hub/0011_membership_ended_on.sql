ALTER TABLE "project_members" ADD COLUMN "ended_on" date;--> statement-breakpoint
ALTER TABLE "team_members" ADD COLUMN "ended_on" date;