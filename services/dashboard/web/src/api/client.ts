import { ClosecrossApiError, createClosecrossClient } from '@closecross/client';

/**
 * The typed API client: @closecross/client, whose paths, parameters and answers are generated from
 * the services' OpenAPI document (`pnpm openapi` regenerates them), with its retries on 429/503 and
 * its typed errors. Same origin, so the session cookie rides along (a Request's credentials are
 * 'same-origin' by default); every write echoes the session's CSRF token.
 */
let csrfToken: string | undefined;
export const setCsrfToken = (token: string | undefined) => {
  csrfToken = token;
};

/** Called when the API says the session is gone (401), so the app shows the sign-in page. */
let onSignedOut: () => void = () => {};
export const whenSignedOut = (listener: () => void) => {
  onSignedOut = listener;
};

/** The client's error: `status`, the API's `message`, and for a refused value its `field` (`body/...`). */
export const ApiError = ClosecrossApiError;
export type ApiError = ClosecrossApiError;

/** An ApiError for an answer read by hand (not through `api`), carrying the API's message. */
export function apiError(status: number, message: string, url = ''): ApiError {
  return new ClosecrossApiError({ status, method: '', url, body: { statusCode: status, error: '', message } });
}

const readOnly = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Every request the client sends (each retry too): the CSRF header on writes, a 401 signs out. */
async function send(request: Request): Promise<Response> {
  if (!readOnly.has(request.method) && csrfToken) request.headers.set('x-csrf-token', csrfToken);
  const response = await fetch(request);
  if (response.status === 401 && !new URL(request.url).pathname.endsWith('/auth/login')) onSignedOut();
  return response;
}

export const closecross = createClosecrossClient({ baseUrl: window.location.origin, fetch: send });

/** The generated openapi-fetch client: `api.GET('/trading/orders', { params: { query: { limit: 20 } } })`. */
export const api = closecross.api;

/** The data of an `api` answer, or an ApiError carrying the API's message, so every page shows why. */
export const unwrap = <T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => closecross.unwrap(call);

/** For bodies the typed client does not send as JSON (CSV uploads): the answer's JSON, or an ApiError. */
export async function sendText(method: 'POST' | 'PUT', path: string, body: string, contentType: string): Promise<unknown> {
  const response = await closecross.request(method, path, { body, headers: { 'content-type': contentType } });
  return response.status === 204 ? {} : await response.json().catch(() => ({}));
}
