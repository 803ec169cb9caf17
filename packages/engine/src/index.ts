export { SimulatedClock, systemClock, type Clock } from './clock.ts';
