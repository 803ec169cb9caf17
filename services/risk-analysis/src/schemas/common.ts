import { Type } from '@sinclair/typebox';

export { ErrorResponse } from '@closecross/platform';

/** The reference sent numbers or numeric strings ("101"); the schema lets both through (numeric-field.ts reads them). */
export const NumberOrString = (description: string) =>
  Type.Unsafe<number | string>({ type: ['number', 'string'], maxLength: 64, description, examples: [101] });

/** Seeds are safe integers (the generator splits them into two 32-bit words). */
export const Seed = (options: object = {}) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...options });

export const DateText = Type.String({ format: 'date', description: 'YYYY-MM-DD' });

export const ResultOk = Type.Object({ result: Type.Literal('ok') });
export const Billing = Type.Object({ billable_time: Type.Number({ description: 'ms' }), cost: Type.Number({ description: 'USD' }) });
