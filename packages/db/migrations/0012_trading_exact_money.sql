-- Exact money: cash, fees, prices, quantities, allocations and P&L as numeric (they were double
-- precision, so a realized P&L read -13.000000000000114). Existing rows keep their value to 8 decimals
-- (float8 -> numeric keeps 15 significant digits; rounding to 8 decimals drops the binary noise past
-- them). VaR and ES stay double precision: they are estimates, not amounts.
ALTER TABLE "trading_account" ALTER COLUMN "fee_per_share" TYPE numeric USING round("fee_per_share"::numeric, 8), ALTER COLUMN "fee_bps" TYPE numeric USING round("fee_bps"::numeric, 8), ALTER COLUMN "fee_minimum" TYPE numeric USING round("fee_minimum"::numeric, 8), ALTER COLUMN "slippage_bps" TYPE numeric USING round("slippage_bps"::numeric, 8);
--> statement-breakpoint
ALTER TABLE "trading_strategy" ALTER COLUMN "allocation" TYPE numeric USING round("allocation"::numeric, 8);
--> statement-breakpoint
ALTER TABLE "trading_signal" ALTER COLUMN "price" TYPE numeric USING round("price"::numeric, 8);
--> statement-breakpoint
ALTER TABLE "trading_order" ALTER COLUMN "quantity" TYPE numeric USING round("quantity"::numeric, 8), ALTER COLUMN "limit_price" TYPE numeric USING round("limit_price"::numeric, 8), ALTER COLUMN "filled_quantity" TYPE numeric USING round("filled_quantity"::numeric, 8), ALTER COLUMN "average_fill_price" TYPE numeric USING round("average_fill_price"::numeric, 8);
--> statement-breakpoint
ALTER TABLE "trading_fill" ALTER COLUMN "quantity" TYPE numeric USING round("quantity"::numeric, 8), ALTER COLUMN "price" TYPE numeric USING round("price"::numeric, 8), ALTER COLUMN "fee" TYPE numeric USING round("fee"::numeric, 8);
--> statement-breakpoint
ALTER TABLE "trading_cash_entry" ALTER COLUMN "amount" TYPE numeric USING round("amount"::numeric, 8);
--> statement-breakpoint
ALTER TABLE "trading_snapshot" ALTER COLUMN "realized" TYPE numeric USING round("realized"::numeric, 8), ALTER COLUMN "unrealized" TYPE numeric USING round("unrealized"::numeric, 8), ALTER COLUMN "equity" TYPE numeric USING round("equity"::numeric, 8), ALTER COLUMN "cash" TYPE numeric USING round("cash"::numeric, 8), ALTER COLUMN "exposure" TYPE numeric USING round("exposure"::numeric, 8), ALTER COLUMN "peak_equity" TYPE numeric USING round("peak_equity"::numeric, 8), ALTER COLUMN "drawdown" TYPE numeric USING round("drawdown"::numeric, 8);
--> statement-breakpoint
ALTER TABLE "trading_journal_trade" ALTER COLUMN "quantity" TYPE numeric USING round("quantity"::numeric, 8), ALTER COLUMN "entry_value" TYPE numeric USING round("entry_value"::numeric, 8), ALTER COLUMN "exit_value" TYPE numeric USING round("exit_value"::numeric, 8), ALTER COLUMN "fees" TYPE numeric USING round("fees"::numeric, 8), ALTER COLUMN "pnl" TYPE numeric USING round("pnl"::numeric, 8);
--> statement-breakpoint
ALTER TABLE "trading_position" ALTER COLUMN "quantity" TYPE numeric USING round("quantity"::numeric, 8), ALTER COLUMN "cash_flow" TYPE numeric USING round("cash_flow"::numeric, 8);
--> statement-breakpoint
ALTER TABLE "trading_risk_snapshot" ALTER COLUMN "gross_exposure" TYPE numeric USING round("gross_exposure"::numeric, 8), ALTER COLUMN "net_exposure" TYPE numeric USING round("net_exposure"::numeric, 8);
