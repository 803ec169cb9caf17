/** A strategy's parameter values, as a strategy answers them (its view, a backtest's or a research run's result). */
import { JsonValueUpTo } from '@closecross/jobs';
import { Type } from '@sinclair/typebox';

/**
 * Parameter values by name. A strategy's parameter schema is any TypeBox object (packages/engine's
 * defineStrategy): the built-ins and the examples take numbers, strings and booleans (and a
 * literal union of strings); a user module may take a list or a small object of them too.
 */
export const StrategyParameterValue = JsonValueUpTo(1);
export const StrategyParameters = (options: object = {}) => Type.Record(Type.String({ maxLength: 64 }), StrategyParameterValue, options);
