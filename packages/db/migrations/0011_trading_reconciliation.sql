-- The trading service's reconciliation runs: our net positions per symbol against a broker's
-- (services/trading/src/reconciliation). Each run keeps the differences it found.
CREATE TABLE "trading_reconciliation" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"broker" text NOT NULL,
	"job_id" text,
	"accounts" text[] NOT NULL,
	"symbols_compared" integer NOT NULL,
	"differences" jsonb NOT NULL,
	"difference_count" integer NOT NULL,
	"run_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "trading_reconciliation_count_check" CHECK ("difference_count" = jsonb_array_length("differences"))
);
--> statement-breakpoint
CREATE INDEX "trading_reconciliation_run_at_idx" ON "trading_reconciliation" ("run_at" DESC);
