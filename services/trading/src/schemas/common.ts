/** Shapes every trading resource shares: errors, a job accepted, nullable helpers. */
import { ErrorResponse } from '@closecross/platform';
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const NullableString = (options: Parameters<typeof Type.String>[0] = {}) => Nullable(Type.String(options));
export const NullableInteger = () => Nullable(Type.Integer());
export const NullableNumber = (options: Parameters<typeof Type.Number>[0] = {}) => Nullable(Type.Number(options));

/** A job queued: its id and where to follow it. */
export const Accepted = Type.Object({ job_id: Type.String(), href: Type.String() });

export const errors = { 400: ErrorResponse, 404: ErrorResponse };
export const errorsWithConflict = { ...errors, 409: ErrorResponse };

/**
 * A string of a fixed set, as `{type: string, enum}` (one serialiser path, unlike a union of
 * literals, which the response serialiser would try branch by branch).
 */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
