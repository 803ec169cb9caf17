-- A strategy written as code says how much it wants (ctx.submit's quantity): its signal keeps it,
-- so the order a person approves is the strategy's, not the instance's sizing rule. Null for the
-- built-in rules, whose quantity comes from the instance's sizing as before.
ALTER TABLE "trading_signal" ADD COLUMN "quantity" numeric;
