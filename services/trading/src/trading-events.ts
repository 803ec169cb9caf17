/**
 * Log events the CDK stack's trading alarms count (infra/lib/alarms.ts): an order the broker
 * refused. A scan that fails for good is the engine's `job_failed` line with kind `trading-scan`.
 */
export const tradingLogEvents = { orderRejected: 'order_rejected' } as const;
export const scanJobKind = 'trading-scan';
export const backtestJobKind = 'trading-backtest';
export const snapshotJobKind = 'trading-snapshot';
export const orderSyncJobKind = 'trading-order-sync';
export const riskSnapshotJobKind = 'trading-risk-snapshot';
