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
-- Orders and fills per row, and an order only when a column the checks read changed: the order
-- sync's answer "still accepted" (an update of updated_at alone) and a fill reported again (an
-- insert that does nothing) leave the book as it is.
CREATE TRIGGER "trading_order_risk_book_rows" AFTER INSERT OR DELETE ON "trading_order" FOR EACH ROW EXECUTE FUNCTION "trading_risk_book_changed"();
--> statement-breakpoint
CREATE TRIGGER "trading_order_risk_book_changes" AFTER UPDATE ON "trading_order" FOR EACH ROW
	WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.quantity IS DISTINCT FROM NEW.quantity OR OLD.filled_quantity IS DISTINCT FROM NEW.filled_quantity
		OR OLD.strategy_id IS DISTINCT FROM NEW.strategy_id OR OLD.symbol IS DISTINCT FROM NEW.symbol OR OLD.side IS DISTINCT FROM NEW.side
		OR OLD.risk_check IS DISTINCT FROM NEW.risk_check OR OLD.created_at IS DISTINCT FROM NEW.created_at)
	EXECUTE FUNCTION "trading_risk_book_changed"();
--> statement-breakpoint
CREATE TRIGGER "trading_order_risk_book_truncate" AFTER TRUNCATE ON "trading_order" FOR EACH STATEMENT EXECUTE FUNCTION "trading_risk_book_changed"();
--> statement-breakpoint
CREATE TRIGGER "trading_fill_risk_book_rows" AFTER INSERT OR UPDATE OR DELETE ON "trading_fill" FOR EACH ROW EXECUTE FUNCTION "trading_risk_book_changed"();
--> statement-breakpoint
CREATE TRIGGER "trading_fill_risk_book_truncate" AFTER TRUNCATE ON "trading_fill" FOR EACH STATEMENT EXECUTE FUNCTION "trading_risk_book_changed"();
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
