import { Type, type TSchema } from '@sinclair/typebox';

// The field shapes the shared contracts are built from, so market-data's own schemas match them.
import { int4Max } from '@closecross/contracts';

export { DateString, Id, int4Max, NullableInteger, NullableNumber, NullableString } from '@closecross/contracts';

export const defaultPage = 1;
export const defaultPageSize = 10;

// Optional with defaults: a client may leave them out (the validator fills them in).
export const PageQuery = {
  // Bounded so (page - 1) * page_size stays an exact integer for OFFSET.
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: int4Max, default: defaultPage })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000, default: defaultPageSize })),
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

/** A validated query with its page: the validator has filled the defaults in; this says so to TypeScript. */
export function pageRequestOf<Query extends { page?: number | undefined; page_size?: number | undefined }>(query: Query): Query & PageRequest {
  return { ...query, page: query.page ?? defaultPage, page_size: query.page_size ?? defaultPageSize };
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
