/** A strategy's parameter values, as a request gives them and a strategy answers them (its view, a backtest's or a research run's). */
import { JsonValue } from '@closecross/jobs';
import { Type } from '@sinclair/typebox';

/**
 * One parameter's value. A strategy's parameter schema is any TypeBox object (packages/engine's
 * defineStrategy): the built-ins and the examples take numbers, strings and booleans (and a
 * literal union of strings), but a user module's schema may take a list or an object, and only
 * its own check (in a worker thread) says which. So a request takes any JSON value, nested at most
 * `jsonDepth` (3) arrays or objects deep (packages/jobs' bounded JSON value; the strategy's check
 * then refuses what its schema does not allow), and an answer states the same type.
 */
export const StrategyParameterValue = JsonValue;
/** Parameter values by name. */
export const StrategyParameters = (options: object = {}) => Type.Record(Type.String({ maxLength: 64 }), StrategyParameterValue, options);
