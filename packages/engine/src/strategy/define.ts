import type { Static, TObject } from '@sinclair/typebox';
import { resolveParameters } from './parameters.ts';
import type { StrategyHandlers } from './context.ts';

/** What a strategy module default-exports: a name, a parameter schema and a factory of handlers. */
export interface StrategyDefinition<S extends TObject = TObject> {
  /** A short identifier: letters, digits, `-` and `_`. */
  readonly name: string;
  readonly description: string;
  /** TypeBox schema of the parameters, with defaults and bounds (it also renders the dashboard's form). */
  readonly parameters: S;
  /** Bars of history kept per symbol and interval (default 250); a function of the parameters when it depends on them. */
  readonly historyBars?: number | ((params: Static<S>) => number);
  /** Cross-field checks the schema cannot express; throw a `StrategyParameterError` naming the field. */
  validate?(params: Static<S>): void;
  /** A fresh set of handlers for one instance; its closures are that instance's private memory. */
  create(params: Static<S>): StrategyHandlers<Static<S>>;
}

/** Any strategy, whatever its parameters (what hosts, runners and listings accept). */
export type AnyStrategyDefinition = StrategyDefinition<any>;

const strategyName = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Declares a strategy. Typed end to end: `params` in `create` and `ctx.params` have the schema's
 * static type.
 *
 * ```ts
 * export default defineStrategy({
 *   name: 'sma-cross', description: 'buy when the fast SMA crosses above the slow one',
 *   parameters: Type.Object({ fast: Type.Integer({ minimum: 1, default: 10 }), slow: Type.Integer({ minimum: 2, default: 30 }) }),
 *   create: (params) => ({ onBar(ctx, bar) { ... } }),
 * });
 * ```
 */
export function defineStrategy<S extends TObject>(definition: StrategyDefinition<S>): StrategyDefinition<S> {
  if (!strategyName.test(definition.name)) throw new TypeError(`strategy name ${JSON.stringify(definition.name)} must match ${strategyName.source}`);
  if (definition.parameters?.type !== 'object') throw new TypeError(`strategy ${definition.name}: parameters must be a TypeBox Type.Object schema`);
  if (typeof definition.create !== 'function') throw new TypeError(`strategy ${definition.name}: create(params) must be a function`);
  return Object.freeze({ ...definition });
}

/** Whether a module's default export looks like a strategy definition (for loaders). */
export function isStrategyDefinition(value: unknown): value is AnyStrategyDefinition {
  if (!value || typeof value !== 'object') return false;
  const candidate = value as Partial<StrategyDefinition>;
  return typeof candidate.name === 'string' && typeof candidate.create === 'function' && candidate.parameters?.type === 'object';
}

/** The instance's parameters: defaults applied, schema and cross-field rules checked (a `StrategyParameterError` otherwise). */
export function strategyParameters<S extends TObject>(definition: StrategyDefinition<S>, input: unknown): Static<S> {
  return resolveParameters(definition.parameters, input, definition.validate);
}

export function historyBarsOf<S extends TObject>(definition: StrategyDefinition<S>, params: Static<S>): number {
  const bars = typeof definition.historyBars === 'function' ? definition.historyBars(params) : (definition.historyBars ?? 250);
  if (!Number.isInteger(bars) || bars < 1) throw new RangeError(`strategy ${definition.name}: historyBars must be an integer >= 1, got ${bars}`);
  return bars;
}
