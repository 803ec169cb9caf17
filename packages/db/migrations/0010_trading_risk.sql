-- Central pre-trade risk for the trading service: limits (global and per strategy) with their
-- history, trading states with every change (who, why, automatic or not), the net position per
-- strategy and symbol kept by a trigger on fills (the risk engine reads it in one query instead of
-- replaying every fill), square-offs, and the daily risk snapshot.
CREATE TABLE "trading_risk_limit" (
	"scope" text PRIMARY KEY NOT NULL,
	"strategy_id" bigint REFERENCES "trading_strategy" ("id") ON DELETE CASCADE,
	"limits" jsonb NOT NULL,
	"breach_action" text NOT NULL DEFAULT 'halted',
	"updated_by" text,
	"reason" text,
	"updated_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "trading_risk_limit_scope_check" CHECK ("scope" = 'global' OR "scope" = 'strategy:' || "strategy_id"),
	CONSTRAINT "trading_risk_limit_action_check" CHECK ("breach_action" IN ('reducing', 'halted'))
);
--> statement-breakpoint
CREATE TABLE "trading_risk_limit_change" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"limits" jsonb NOT NULL,
	"breach_action" text NOT NULL,
	"changed_by" text,
	"reason" text,
	"at" timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX "trading_risk_limit_change_scope_idx" ON "trading_risk_limit_change" ("scope", "id");
--> statement-breakpoint
CREATE TABLE "trading_state" (
	"scope" text PRIMARY KEY NOT NULL,
	"strategy_id" bigint REFERENCES "trading_strategy" ("id") ON DELETE CASCADE,
	"state" text NOT NULL,
	"reason" text,
	"changed_by" text,
	"changed_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "trading_state_scope_check" CHECK ("scope" = 'global' OR "scope" = 'strategy:' || "strategy_id"),
	CONSTRAINT "trading_state_state_check" CHECK ("state" IN ('active', 'reducing', 'halted'))
);
--> statement-breakpoint
INSERT INTO "trading_state" ("scope", "state", "reason", "changed_by") VALUES ('global', 'active', 'initial state', 'system');
--> statement-breakpoint
CREATE TABLE "trading_state_change" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"from_state" text NOT NULL,
	"to_state" text NOT NULL,
	"reason" text NOT NULL,
	"changed_by" text NOT NULL,
	"automatic" boolean NOT NULL,
	"at" timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE INDEX "trading_state_change_scope_idx" ON "trading_state_change" ("scope", "id");
--> statement-breakpoint
ALTER TABLE "trading_order" ADD COLUMN "risk_check" text;
--> statement-breakpoint
ALTER TABLE "trading_order" DROP CONSTRAINT "trading_order_purpose_check";
--> statement-breakpoint
ALTER TABLE "trading_order" ADD CONSTRAINT "trading_order_purpose_check" CHECK ("purpose" IN ('entry', 'exit', 'manual', 'square_off'));
--> statement-breakpoint
CREATE INDEX "trading_order_created_idx" ON "trading_order" ("created_at");
--> statement-breakpoint
CREATE TABLE "trading_position" (
	"strategy_id" bigint REFERENCES "trading_strategy" ("id") ON DELETE CASCADE,
	"symbol" text NOT NULL,
	"quantity" double precision NOT NULL,
	"cash_flow" double precision NOT NULL,
	"updated_at" timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE UNIQUE INDEX "trading_position_book_symbol_idx" ON "trading_position" ((coalesce("strategy_id", 0)), "symbol");
--> statement-breakpoint
INSERT INTO "trading_position" ("strategy_id", "symbol", "quantity", "cash_flow")
SELECT "strategy_id", "symbol",
	sum(CASE WHEN "side" = 'buy' THEN "quantity" ELSE -"quantity" END),
	sum(CASE WHEN "side" = 'buy' THEN -"quantity" * "price" ELSE "quantity" * "price" END - "fee")
FROM "trading_fill" GROUP BY "strategy_id", "symbol";
--> statement-breakpoint
CREATE FUNCTION "trading_position_on_fill"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO trading_position (strategy_id, symbol, quantity, cash_flow)
	VALUES (NEW.strategy_id, NEW.symbol,
		CASE WHEN NEW.side = 'buy' THEN NEW.quantity ELSE -NEW.quantity END,
		CASE WHEN NEW.side = 'buy' THEN -NEW.quantity * NEW.price ELSE NEW.quantity * NEW.price END - NEW.fee)
	ON CONFLICT ((coalesce(strategy_id, 0)), symbol) DO UPDATE
		SET quantity = trading_position.quantity + excluded.quantity, cash_flow = trading_position.cash_flow + excluded.cash_flow, updated_at = now();
	RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER "trading_fill_position" AFTER INSERT ON "trading_fill" FOR EACH ROW EXECUTE FUNCTION "trading_position_on_fill"();
--> statement-breakpoint
CREATE TABLE "trading_square_off" (
	"id" uuid PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"requested_by" text,
	"reason" text,
	"status" text NOT NULL,
	"result" jsonb,
	"started_at" timestamptz NOT NULL DEFAULT now(),
	"finished_at" timestamptz,
	CONSTRAINT "trading_square_off_status_check" CHECK ("status" IN ('running', 'done', 'incomplete'))
);
--> statement-breakpoint
CREATE TABLE "trading_risk_snapshot" (
	"scope" text NOT NULL,
	"date" date NOT NULL,
	"strategy_id" bigint REFERENCES "trading_strategy" ("id") ON DELETE CASCADE,
	"gross_exposure" double precision NOT NULL,
	"net_exposure" double precision NOT NULL,
	"var95" double precision,
	"var99" double precision,
	"es95" double precision,
	"es99" double precision,
	"details" jsonb NOT NULL,
	"taken_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "trading_risk_snapshot_pkey" PRIMARY KEY ("scope", "date")
);
