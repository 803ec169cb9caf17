-- The trading service (services/trading): accounts, strategies, signals, orders with their
-- transitions and fills, the cash ledger, daily snapshots and imported closed trades.
CREATE TABLE "trading_account" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"broker" text NOT NULL DEFAULT 'paper',
	"currency" text NOT NULL DEFAULT 'USD',
	"fee_per_share" double precision NOT NULL DEFAULT 0,
	"fee_bps" double precision NOT NULL DEFAULT 0,
	"fee_minimum" double precision NOT NULL DEFAULT 0,
	"slippage_bps" double precision NOT NULL DEFAULT 0,
	"volume_participation" double precision NOT NULL DEFAULT 1,
	"seed" bigint NOT NULL DEFAULT 1,
	"created_at" timestamptz NOT NULL DEFAULT now(),
	"updated_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "trading_account_broker_check" CHECK ("broker" IN ('paper', 'alpaca')),
	CONSTRAINT "trading_account_participation_check" CHECK ("volume_participation" > 0 AND "volume_participation" <= 1)
);
--> statement-breakpoint
INSERT INTO "trading_account" ("id", "name") VALUES ('paper', 'Paper account');
--> statement-breakpoint
CREATE TABLE "trading_strategy" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL UNIQUE,
	"account_id" text NOT NULL REFERENCES "trading_account" ("id"),
	"definition" jsonb NOT NULL,
	"allocation" double precision NOT NULL,
	"enabled" boolean NOT NULL DEFAULT true,
	"created_by" text,
	"created_at" timestamptz NOT NULL DEFAULT now(),
	"updated_at" timestamptz NOT NULL DEFAULT now()
);
--> statement-breakpoint
CREATE TABLE "trading_signal" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"strategy_id" bigint NOT NULL REFERENCES "trading_strategy" ("id") ON DELETE CASCADE,
	"symbol" text NOT NULL,
	"bar_date" date NOT NULL,
	"side" text NOT NULL,
	"price" double precision NOT NULL,
	"status" text NOT NULL,
	"expires_at" timestamptz NOT NULL,
	"decided_by" text,
	"decided_at" timestamptz,
	"decision_note" text,
	"order_id" uuid,
	"created_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "trading_signal_once" UNIQUE ("strategy_id", "symbol", "bar_date", "side"),
	CONSTRAINT "trading_signal_side_check" CHECK ("side" IN ('buy', 'sell')),
	CONSTRAINT "trading_signal_status_check" CHECK ("status" IN ('pending', 'approved', 'rejected', 'expired', 'ordered'))
);
--> statement-breakpoint
CREATE INDEX "trading_signal_status_idx" ON "trading_signal" ("status", "expires_at");
--> statement-breakpoint
CREATE TABLE "trading_order" (
	"id" uuid PRIMARY KEY NOT NULL,
	"client_order_id" text NOT NULL UNIQUE,
	"account_id" text NOT NULL REFERENCES "trading_account" ("id"),
	"strategy_id" bigint REFERENCES "trading_strategy" ("id") ON DELETE SET NULL,
	"signal_id" bigint REFERENCES "trading_signal" ("id") ON DELETE SET NULL,
	"purpose" text NOT NULL,
	"symbol" text NOT NULL,
	"side" text NOT NULL,
	"quantity" double precision NOT NULL,
	"type" text NOT NULL,
	"time_in_force" text NOT NULL,
	"limit_price" double precision,
	"session_date" date NOT NULL,
	"closes_lot" uuid,
	"state" text NOT NULL,
	"reason" text,
	"broker" text NOT NULL,
	"broker_order_id" text,
	"filled_quantity" double precision NOT NULL DEFAULT 0,
	"average_fill_price" double precision,
	"created_by" text,
	"created_at" timestamptz NOT NULL DEFAULT now(),
	"updated_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "trading_order_side_check" CHECK ("side" IN ('buy', 'sell')),
	CONSTRAINT "trading_order_quantity_check" CHECK ("quantity" > 0),
	CONSTRAINT "trading_order_purpose_check" CHECK ("purpose" IN ('entry', 'exit', 'manual'))
);
--> statement-breakpoint
CREATE INDEX "trading_order_open_idx" ON "trading_order" ("state") WHERE "state" IN ('new', 'submitted', 'accepted', 'partially_filled', 'cancel_pending');
--> statement-breakpoint
CREATE INDEX "trading_order_strategy_idx" ON "trading_order" ("strategy_id", "created_at");
--> statement-breakpoint
ALTER TABLE "trading_signal" ADD CONSTRAINT "trading_signal_order_fk" FOREIGN KEY ("order_id") REFERENCES "trading_order" ("id") ON DELETE SET NULL;
--> statement-breakpoint
CREATE TABLE "trading_order_transition" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL REFERENCES "trading_order" ("id") ON DELETE CASCADE,
	"from_state" text,
	"to_state" text NOT NULL,
	"cause" text NOT NULL,
	"at" timestamptz NOT NULL DEFAULT clock_timestamp()
);
--> statement-breakpoint
CREATE INDEX "trading_order_transition_order_idx" ON "trading_order_transition" ("order_id", "id");
--> statement-breakpoint
CREATE TABLE "trading_fill" (
	"fill_id" text PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL REFERENCES "trading_order" ("id") ON DELETE CASCADE,
	"strategy_id" bigint REFERENCES "trading_strategy" ("id") ON DELETE SET NULL,
	"symbol" text NOT NULL,
	"side" text NOT NULL,
	"quantity" double precision NOT NULL,
	"price" double precision NOT NULL,
	"fee" double precision NOT NULL,
	"trade_date" date NOT NULL,
	"at" timestamptz NOT NULL
);
--> statement-breakpoint
CREATE INDEX "trading_fill_strategy_idx" ON "trading_fill" ("strategy_id", "at");
--> statement-breakpoint
CREATE TABLE "trading_cash_entry" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"strategy_id" bigint REFERENCES "trading_strategy" ("id") ON DELETE CASCADE,
	"account_id" text NOT NULL REFERENCES "trading_account" ("id"),
	"kind" text NOT NULL,
	"amount" double precision NOT NULL,
	"fill_id" text REFERENCES "trading_fill" ("fill_id") ON DELETE CASCADE,
	"note" text,
	"at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "trading_cash_entry_kind_check" CHECK ("kind" IN ('allocation', 'trade', 'fee'))
);
--> statement-breakpoint
CREATE INDEX "trading_cash_entry_strategy_idx" ON "trading_cash_entry" ("strategy_id", "at");
--> statement-breakpoint
CREATE TABLE "trading_snapshot" (
	"scope" text NOT NULL,
	"date" date NOT NULL,
	"strategy_id" bigint REFERENCES "trading_strategy" ("id") ON DELETE CASCADE,
	"realized" double precision NOT NULL,
	"unrealized" double precision NOT NULL,
	"equity" double precision NOT NULL,
	"cash" double precision NOT NULL,
	"exposure" double precision NOT NULL,
	"peak_equity" double precision NOT NULL,
	"drawdown" double precision NOT NULL,
	"taken_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "trading_snapshot_pkey" PRIMARY KEY ("scope", "date")
);
--> statement-breakpoint
CREATE TABLE "trading_journal_trade" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"import_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"strategy" text NOT NULL,
	"symbol" text NOT NULL,
	"side" text NOT NULL,
	"quantity" double precision NOT NULL,
	"entry_value" double precision NOT NULL,
	"exit_value" double precision NOT NULL,
	"entry_at" text NOT NULL,
	"exit_at" text NOT NULL,
	"fees" double precision NOT NULL,
	"pnl" double precision NOT NULL,
	"imported_by" text,
	"imported_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "trading_journal_trade_side_check" CHECK ("side" IN ('long', 'short'))
);
--> statement-breakpoint
CREATE INDEX "trading_journal_trade_strategy_idx" ON "trading_journal_trade" ("strategy", "exit_at");
