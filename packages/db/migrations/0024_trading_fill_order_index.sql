-- Fills by their order. The one-statement fill sums the order's stored fills before it adds one, an
-- order's detail lists them (GET /trading/orders/:id), the paper exchange counts them when it reads
-- the working orders, and deleting an order cascades to them: without this index each of those read
-- every fill ever stored, so every fill cost more as the table grew (the live paper bench's later
-- runs were its slowest). On a large existing table, build it first with CREATE INDEX CONCURRENTLY
-- under this name: this migration then does nothing, instead of holding writes while it builds.
CREATE INDEX IF NOT EXISTS "trading_fill_order_idx" ON "trading_fill" ("order_id", "at");
