-- A journal trade's return base when it is not its entry value: the seed-003 system's journal
-- (with net_pnl) measures a trade's return as net_pnl / buy_value, short trades too.
ALTER TABLE "trading_journal_trade" ADD COLUMN "return_base" double precision;
