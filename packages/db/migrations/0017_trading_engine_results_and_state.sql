-- Backtests on the engine keep their report here, gzip-compressed, outside the job row (a job's
-- result holds the summary only); the export routes read it back.
CREATE TABLE "trading_backtest_result" (
	"job_id" uuid PRIMARY KEY NOT NULL,
	"strategy" text NOT NULL,
	"code" text NOT NULL,
	"source_hash" text NOT NULL,
	"interval" text NOT NULL,
	"summary" jsonb NOT NULL,
	"report_gzip" bytea NOT NULL,
	"report_bytes" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- A strategy instance's own ctx.state and run status (live mode, and the engine scans): it
-- survives a restart; a strategy stopped for a fault keeps its error here.
CREATE TABLE "trading_strategy_state" (
	"strategy_id" bigint PRIMARY KEY NOT NULL REFERENCES "trading_strategy"("id") ON DELETE CASCADE,
	"state" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'idle' NOT NULL,
	"error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
