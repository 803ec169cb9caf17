-- Research runs (optimisations, walk-forwards): what a run's trials share, written once by the
-- run's coordinating job (id = that job's id); its status is the job's.
CREATE TABLE "trading_research_run" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"spec" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- One row per trial, written when the coordinator queues it (its parameters fixed) and again
-- when it finishes: a restart finds every finished trial here and queues none twice.
CREATE TABLE "trading_research_trial" (
	"run_id" uuid NOT NULL REFERENCES "trading_research_run"("id") ON DELETE CASCADE,
	"window_no" integer DEFAULT -1 NOT NULL,
	"trial_no" integer NOT NULL,
	"phase" text DEFAULT 'search' NOT NULL,
	"start_day" date NOT NULL,
	"end_day" date NOT NULL,
	"measure_from" date,
	"params" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"objective" double precision,
	"feasible" boolean DEFAULT true NOT NULL,
	"figures" jsonb,
	"equity" jsonb,
	"error" text,
	"job_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	PRIMARY KEY ("run_id", "window_no", "trial_no")
);
--> statement-breakpoint
CREATE INDEX "trading_research_trial_status" ON "trading_research_trial" ("run_id", "status");
