import { Type } from '@sinclair/typebox';

/** A JSON number or null; one `type` array keeps validation messages short ("must be number,null"). */
export const NullableNumber = (options: object = {}) => Type.Unsafe<number | null>({ type: ['number', 'null'], ...options });
export const NullableInteger = (options: object = {}) => Type.Unsafe<number | null>({ type: ['integer', 'null'], ...options });
export const NullableString = (options: object = {}) => Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });

export const DateString = Type.String({ format: 'date', description: 'YYYY-MM-DD', examples: ['2021-08-23'] });
export const Id = Type.Integer({ minimum: 0 });
