import { Type, type TSchema } from '@sinclair/typebox';

/** A JSON number or null; one `type` array keeps validation messages short ("must be number,null"). */
export const NullableNumber = (options: object = {}) => Type.Unsafe<number | null>({ type: ['number', 'null'], ...options });
export const NullableInteger = (options: object = {}) => Type.Unsafe<number | null>({ type: ['integer', 'null'], ...options });
export const NullableString = (options: object = {}) => Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });

export const DateString = Type.String({ format: 'date', description: 'YYYY-MM-DD', examples: ['2021-08-23'] });
export const Id = Type.Integer({ minimum: 0 });

export const PageQuery = {
  page: Type.Integer({ minimum: 1, default: 1 }),
  page_size: Type.Integer({ minimum: 1, maximum: 50_000, default: 10 }),
};

/** The reference's list envelope. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    total_results: Type.Integer(),
    total_pages: Type.Integer(),
    page: Type.Integer(),
    page_size: Type.Integer(),
    data: Type.Array(item),
  });

export { ErrorResponse } from '@closecross/platform';

export const Message = Type.Object({ message: Type.String() });

export interface PageRequest {
  page: number;
  page_size: number;
}

export function pageOf<T>(request: PageRequest, total: number, data: T[]) {
  return {
    total_results: total,
    total_pages: Math.ceil(total / request.page_size),
    page: request.page,
    page_size: request.page_size,
    data,
  };
}

export const offsetOf = (request: PageRequest) => (request.page - 1) * request.page_size;
