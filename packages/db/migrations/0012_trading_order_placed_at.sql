-- The instant an order was placed, by the service's injected clock (created_at is the database's):
-- a paper fill must come from a price after it, and never from a bar of a session that ended before.
ALTER TABLE "trading_order" ADD COLUMN "placed_at" timestamptz;--> statement-breakpoint
UPDATE "trading_order" SET "placed_at" = "created_at" WHERE "placed_at" IS NULL;--> statement-breakpoint
ALTER TABLE "trading_order" ALTER COLUMN "placed_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "trading_order" ALTER COLUMN "placed_at" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "trading_order_paper_working" ON "trading_order" ("symbol") WHERE "broker" = 'paper' AND "state" IN ('new', 'submitted', 'accepted', 'partially_filled');
