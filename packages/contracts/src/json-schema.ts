import { Type } from '@sinclair/typebox';

/** A JSON number or null; one `type` array keeps validation messages short ("must be number,null"). */
export const NullableNumber = (options: object = {}) => Type.Unsafe<number | null>({ type: ['number', 'null'], ...options });
export const NullableInteger = (options: object = {}) => Type.Unsafe<number | null>({ type: ['integer', 'null'], ...options });
export const NullableString = (options: object = {}) => Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });

export const DateString = Type.String({ format: 'date', description: 'YYYY-MM-DD, a real day from 1800-01-01 to 2999-12-31', examples: ['2021-08-23'] });
/** The largest value of a PostgreSQL integer (int4) column. */
export const int4Max = 2_147_483_647;
/** A key held in an int4 column: a number past it is a 400, not a database error. */
export const Id = Type.Integer({ minimum: 0, maximum: int4Max });
