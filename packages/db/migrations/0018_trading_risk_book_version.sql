-- The pre-trade risk book's version: one row, moved by every change to what the checks read
-- (orders, fills, strategies, states, limits, snapshots). Each task keeps the book in memory and
-- places an order only while the version is the one its book was read at (one statement: the
-- guard, the order and the bump); any other change moves it, and the task reads the book again.
-- A task's own order and fill statements move it themselves (and say so with the transaction-local
-- setting closecross.risk_book_counted, so the triggers below do not count them twice).
CREATE TABLE "trading_risk_book_version" (
	"id" boolean PRIMARY KEY DEFAULT true CHECK ("id"),
	"version" bigint NOT NULL
);
--> statement-breakpoint
INSERT INTO "trading_risk_book_version" ("id", "version") VALUES (true, 0);
--> statement-breakpoint
CREATE FUNCTION "trading_risk_book_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF coalesce(current_setting('closecross.risk_book_counted', true), '') <> 'on' THEN
		UPDATE trading_risk_book_version SET version = version + 1;
	END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "trading_order_risk_book" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "trading_order" FOR EACH STATEMENT EXECUTE FUNCTION "trading_risk_book_changed"();
--> statement-breakpoint
CREATE TRIGGER "trading_fill_risk_book" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "trading_fill" FOR EACH STATEMENT EXECUTE FUNCTION "trading_risk_book_changed"();
--> statement-breakpoint
CREATE TRIGGER "trading_position_risk_book" AFTER UPDATE OR DELETE OR TRUNCATE ON "trading_position" FOR EACH STATEMENT EXECUTE FUNCTION "trading_risk_book_changed"();
--> statement-breakpoint
CREATE TRIGGER "trading_strategy_risk_book" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "trading_strategy" FOR EACH STATEMENT EXECUTE FUNCTION "trading_risk_book_changed"();
--> statement-breakpoint
CREATE TRIGGER "trading_state_risk_book" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "trading_state" FOR EACH STATEMENT EXECUTE FUNCTION "trading_risk_book_changed"();
--> statement-breakpoint
CREATE TRIGGER "trading_risk_limit_risk_book" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "trading_risk_limit" FOR EACH STATEMENT EXECUTE FUNCTION "trading_risk_book_changed"();
--> statement-breakpoint
CREATE TRIGGER "trading_snapshot_risk_book" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "trading_snapshot" FOR EACH STATEMENT EXECUTE FUNCTION "trading_risk_book_changed"();
