/**
 * Who owns each table the migrations create: the one service or shared package whose code may
 * name it in SQL. Anyone else reads or writes it through the owner's typed module in
 * `packages/db/src/tables/` (or the owning package's own API). The ownership test keeps this
 * list equal to the migrated tables and fails on SQL that names another owner's table.
 */
export const tableOwners = {
  // market-data: the auction rows, their calendar, daily price bars and the model catalog.
  date_mapping: 'services/market-data',
  stock_data: 'services/market-data',
  price_bars: 'services/market-data',
  model: 'services/market-data',
  model_inference: 'services/market-data',

  // ingestor: stream shards it consumes and the rows it refused.
  ingest_shard: 'services/ingestor',
  ingest_rejects: 'services/ingestor',

  // prices: live feeds, subscriptions, minute bars and the latest quote.
  price_feed: 'services/prices',
  price_subscription: 'services/prices',
  price_bar_1m: 'services/prices',
  price_latest: 'services/prices',

  // risk-analysis: stored analyses, its audit trail and risk scales.
  risk_analysis: 'services/risk-analysis',
  risk_audit: 'services/risk-analysis',
  risk_scale: 'services/risk-analysis',

  // trading: accounts, orders, fills, strategies, risk book, research.
  trading_account: 'services/trading',
  trading_backtest_result: 'services/trading',
  trading_cash_entry: 'services/trading',
  trading_fill: 'services/trading',
  trading_journal_trade: 'services/trading',
  trading_order: 'services/trading',
  trading_order_transition: 'services/trading',
  trading_position: 'services/trading',
  trading_reconciliation: 'services/trading',
  trading_research_run: 'services/trading',
  trading_research_trial: 'services/trading',
  trading_risk_book_version: 'services/trading',
  trading_risk_limit: 'services/trading',
  trading_risk_limit_change: 'services/trading',
  trading_risk_snapshot: 'services/trading',
  trading_signal: 'services/trading',
  trading_snapshot: 'services/trading',
  trading_square_off: 'services/trading',
  trading_state: 'services/trading',
  trading_state_change: 'services/trading',
  trading_strategy: 'services/trading',
  trading_strategy_state: 'services/trading',

  // Shared by every service, each through its package's API.
  app_user: 'packages/platform',
  user_session: 'packages/platform',
  api_key: 'packages/platform',
  audit_log: 'packages/platform',
  job: 'packages/jobs',
  job_schedule: 'packages/jobs',
  fleet_worker: 'packages/leases',
  alert: 'packages/alerts',
  alert_channel: 'packages/alerts',
  alert_delivery: 'packages/alerts',
  telegram_chat_link: 'packages/alerts',
  telegram_command: 'packages/alerts',
} as const satisfies Record<string, `services/${string}` | `packages/${string}`>;

export type TableName = keyof typeof tableOwners;
export type TableOwner = (typeof tableOwners)[TableName];

export const ownerOf = (table: string): TableOwner | undefined => (Object.hasOwn(tableOwners, table) ? tableOwners[table as TableName] : undefined);
