-- Filled by the trading service: risk limits, trading states, square-offs, risk snapshots.
select 1;
