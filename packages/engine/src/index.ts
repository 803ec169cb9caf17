export { SimulatedClock, systemClock, type Clock } from './clock.ts';
export * from './events.ts';
export * from './orders.ts';
export * from './money.ts';
export * from './calendar/index.ts';
export * from './exchange/types.ts';
export { SimulatedExchange } from './exchange/simulated-exchange.ts';
export * from './portfolio/portfolio.ts';
