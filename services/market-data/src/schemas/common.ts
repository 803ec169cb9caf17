import { Type, type TSchema } from '@sinclair/typebox';

// The field shapes the shared contracts are built from, so market-data's own schemas match them.
import { int4Max } from '@closecross/contracts';

export { DateString, Id, int4Max, NullableInteger, NullableNumber, NullableString } from '@closecross/contracts';

export const PageQuery = {
  // Bounded so (page - 1) * page_size stays an exact integer for OFFSET.
  page: Type.Integer({ minimum: 1, maximum: int4Max, default: 1 }),
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
