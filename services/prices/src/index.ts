export { pricesService, pricesServiceWith } from './plugin.ts';
export { loadPricesConfig, pricesConfigSpec, type PricesConfig } from './prices-config.ts';
export { PriceWorker, staleFeedEvent } from './worker/price-worker.ts';
export type { MarketEvent, Channel, ProviderName } from './providers/market-events.ts';
