CREATE TABLE "risk_analysis" (
	"id" uuid PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"params" jsonb NOT NULL,
	"progress" double precision DEFAULT 0 NOT NULL,
	"result" jsonb,
	"billable_ms" double precision,
	"cost" double precision,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "risk_audit" (
	"id" serial PRIMARY KEY NOT NULL,
	"analysis_id" uuid NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"record" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "risk_scale" (
	"id" integer PRIMARY KEY NOT NULL,
	"service" text NOT NULL,
	"resources" integer NOT NULL,
	"state" text NOT NULL,
	"warmup_billable_ms" double precision DEFAULT 0 NOT NULL,
	"warmup_cost" double precision DEFAULT 0 NOT NULL,
	"workers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"current_analysis_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "risk_analysis_status_idx" ON "risk_analysis" USING btree ("status","created_at");