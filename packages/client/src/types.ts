import type { paths } from './generated/openapi.ts';

/**
 * Types of the API's requests and answers, read from the generated OpenAPI types, so code that
 * names a shape (the dashboard's pages, the CLI's tables) follows the live contract instead of a
 * copy: `ResponseOf<'/trading/state'>['states'][number]`.
 */
export type ApiPath = keyof paths;
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Operation<P extends ApiPath, M extends HttpMethod> = NonNullable<paths[P][M]>;
type JsonContent<R> = R extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON body of the operation's success answer (200, else 201, else 202). */
export type ResponseOf<P extends ApiPath, M extends HttpMethod = 'get'> =
  Operation<P, M> extends { responses: infer Responses }
    ? Responses extends { 200: infer Ok }
      ? JsonContent<Ok>
      : Responses extends { 201: infer Created }
        ? JsonContent<Created>
        : Responses extends { 202: infer Accepted }
          ? JsonContent<Accepted>
          : never
    : never;

/** The JSON body the operation takes. */
export type RequestBodyOf<P extends ApiPath, M extends HttpMethod = 'post'> =
  Operation<P, M> extends { requestBody?: infer Body } ? JsonContent<NonNullable<Body>> : never;

/** The operation's query parameters. */
export type QueryOf<P extends ApiPath, M extends HttpMethod = 'get'> =
  Operation<P, M> extends { parameters: { query?: infer Query } } ? NonNullable<Query> : never;
