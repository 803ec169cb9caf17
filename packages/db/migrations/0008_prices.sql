-- The fleet: every worker task of every kind (ingestor, price workers, job runners) registers here
-- and heartbeats (packages/leases). It replaces ingest_worker, which counted ingestors only.
CREATE TABLE "fleet_worker" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"pool" text NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"version" text NOT NULL,
	"lease_ms" integer NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"load" double precision DEFAULT 0 NOT NULL,
	"holds" text[] DEFAULT '{}'::text[] NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "fleet_worker_pool" ON "fleet_worker" USING btree ("kind","pool","heartbeat_at");
--> statement-breakpoint
DROP TABLE "ingest_worker";
--> statement-breakpoint
-- The unit of work the price workers share (packages/leases on owner and lease_until): a
-- connection's worth of subscriptions. Each replay or Binance subscription is a feed of its own;
-- all Alpaca subscriptions of one data feed are one, as Alpaca allows one connection per feed.
CREATE TABLE "price_feed" (
	"key" text PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"owner" text,
	"lease_until" timestamp with time zone
);
--> statement-breakpoint
-- One live subscription per symbol; cursor is the position of the last tick folded into the
-- stored bars, moved in the transaction that writes them (only by the feed's lease holder).
CREATE TABLE "price_subscription" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text NOT NULL,
	"symbol" text NOT NULL,
	"channels" text[] NOT NULL,
	"feed" text NOT NULL REFERENCES "price_feed" ("key"),
	"state" text DEFAULT 'pending' NOT NULL,
	"last_error" text,
	"cursor" bigint,
	"ticks" bigint DEFAULT 0 NOT NULL,
	"last_tick_at" timestamp with time zone,
	"tick_received_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "price_subscription_symbol_key" UNIQUE("symbol")
);
--> statement-breakpoint
CREATE INDEX "price_subscription_feed" ON "price_subscription" USING btree ("feed");
--> statement-breakpoint
-- One-minute bars built from ticks (or imported from CSV); start is the minute's first instant.
CREATE TABLE "price_bar_1m" (
	"symbol" text NOT NULL,
	"start" timestamp with time zone NOT NULL,
	"provider" text NOT NULL,
	"open" double precision NOT NULL,
	"high" double precision NOT NULL,
	"low" double precision NOT NULL,
	"close" double precision NOT NULL,
	"volume" double precision DEFAULT 0 NOT NULL,
	"trades" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "price_bar_1m_pkey" PRIMARY KEY("symbol","start")
);
--> statement-breakpoint
-- The latest trade and quote per symbol, written at most once per flush: the paper broker reads it.
CREATE TABLE "price_latest" (
	"symbol" text PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"price" double precision,
	"bid" double precision,
	"ask" double precision,
	"bid_size" double precision,
	"ask_size" double precision,
	"quoted_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
