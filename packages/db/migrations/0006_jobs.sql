-- The job engine's tables (packages/jobs): one status row per job of every kind, and schedules.
CREATE TABLE "job" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"stage" text DEFAULT 'queued' NOT NULL,
	"progress" double precision DEFAULT 0 NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"result" jsonb,
	"metrics" jsonb,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"scope" text DEFAULT 'admin' NOT NULL,
	"created_by" text,
	"idempotency_key" text,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "job_status_check" CHECK ("status" in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
	CONSTRAINT "job_progress_check" CHECK ("progress" >= 0 and "progress" <= 1)
);
--> statement-breakpoint
CREATE INDEX "job_kind_status_idx" ON "job" USING btree ("kind","status","created_at");
--> statement-breakpoint
CREATE INDEX "job_created_at_idx" ON "job" USING btree ("created_at");
--> statement-breakpoint
CREATE UNIQUE INDEX "job_idempotency_key" ON "job" USING btree ("kind","idempotency_key") WHERE "idempotency_key" IS NOT NULL;
--> statement-breakpoint
CREATE TABLE "job_schedule" (
	"name" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"cron" text NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"trading_days_only" boolean DEFAULT false NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_tick" timestamp with time zone,
	"next_run" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "job_schedule_due_idx" ON "job_schedule" USING btree ("next_run") WHERE "enabled";
--> statement-breakpoint
-- The model service's jobs move into `job`; one left unfinished by the old queue cannot resume there.
INSERT INTO "job" ("id", "kind", "status", "stage", "progress", "params", "result", "metrics", "error", "attempts", "scope", "created_at", "started_at", "finished_at", "updated_at")
SELECT "id", "kind",
	CASE WHEN "status" IN ('queued', 'running') THEN 'failed' ELSE "status" END,
	"stage", "progress", "request", "result", "metrics",
	CASE WHEN "status" IN ('queued', 'running') THEN 'interrupted by the move to the job engine; submit it again' ELSE "error" END,
	"attempts", 'models', "created_at", "started_at",
	CASE WHEN "status" IN ('queued', 'running') THEN now() ELSE "finished_at" END,
	coalesce("finished_at", "started_at", "created_at")
FROM "model_job";
--> statement-breakpoint
DROP TABLE "model_job";
--> statement-breakpoint
-- Analyses queued by POST /analyses are jobs now: their lease is the engine's.
ALTER TABLE "risk_analysis" DROP COLUMN "lease_until";
