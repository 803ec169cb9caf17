-- A live strategy on intraday bars signals many times a session: its signals are keyed by the
-- instant of the bar (or tick) that produced them, not by the session day alone, so a second
-- manual signal on the same symbol, side and day is stored instead of dropped. Daily-bar signals
-- (scans) keep bar_at null and stay once per strategy, symbol, session and side.
ALTER TABLE "trading_signal" ADD COLUMN "bar_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "trading_signal" DROP CONSTRAINT "trading_signal_once";
--> statement-breakpoint
ALTER TABLE "trading_signal" ADD CONSTRAINT "trading_signal_once" UNIQUE NULLS NOT DISTINCT ("strategy_id", "symbol", "bar_date", "bar_at", "side");
