export { createAlpacaBroker, alpacaOrderBody, AlpacaOrderNotFoundError, type AlpacaBrokerSettings } from './alpaca-broker.ts';
export { AlpacaRejectedError, ALPACA_PAPER_URL, retryAfterSecondsOf } from './alpaca-http.ts';
export { orderStateOf } from './order-status.ts';
export { reconcilePositions, type PositionDifference } from './reconcile-positions.ts';
export { alpacaConfigSpec, alpacaSettingsFrom, type AlpacaConfig } from './alpaca-config.ts';
