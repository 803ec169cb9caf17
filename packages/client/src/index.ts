export {
  ClosecrossClient,
  createClosecrossClient,
  unwrap,
  type ClosecrossApi,
  type ClosecrossClientOptions,
  type JobEvent,
  type PagedPath,
  type PageItem,
  type PageQuery,
  type PriceTick,
} from './client.ts';
export { ClosecrossApiError, ClosecrossJobError, isErrorBody, type ApiErrorBody } from './errors.ts';
export { retryAfterSeconds, retryingFetch, type ClientClock, type RetryOptions, type Sleep } from './retry.ts';
export { serverSentEvents, type ServerSentEvent } from './sse.ts';
export type { components, paths } from './generated/openapi.ts';
export type { ApiPath, HttpMethod, QueryOf, RequestBodyOf, ResponseOf } from './types.ts';
