import { browserSessionClient, sendTextWith } from './session-client.ts';

export { ApiError, apiError } from './session-client.ts';

/**
 * The app's API client: @closecross/client, whose paths, parameters and answers are generated from
 * the services' OpenAPI document (`pnpm openapi`), with its retries on 429/503 and its typed
 * errors. Same origin, so the session cookie rides along; every write echoes the session's CSRF token.
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

export const closecross = browserSessionClient({ origin: window.location.origin, csrfToken: () => csrfToken, signedOut: () => onSignedOut() });

/** The generated openapi-fetch client: `api.GET('/trading/orders', { params: { query: { limit: 20 } } })`. */
export const api = closecross.api;

/** The data of an `api` answer, or an ApiError carrying the API's message, so every page shows why. */
export const unwrap = <T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => closecross.unwrap(call);

/** For bodies the typed client does not send as JSON (CSV uploads): the answer's JSON, or an ApiError. */
export const sendText = (method: 'POST' | 'PUT', path: string, body: string, contentType: string): Promise<unknown> =>
  sendTextWith(closecross, method, path, body, contentType);
