import { ClosecrossApiError, createClosecrossClient, type ClosecrossClient } from '@closecross/client';

/** The client's error: `status`, the API's `message`, and for a refused value its `field` (`body/...`). */
export const ApiError = ClosecrossApiError;
export type ApiError = ClosecrossApiError;

export interface BrowserSession {
  /** Where the app is served from: the APIs answer on the same origin, so the session cookie rides along. */
  origin: string;
  /** The session's CSRF token, echoed on every write (undefined before sign-in). */
  csrfToken: () => string | undefined;
  /** Told when the API says the session is gone (a 401 on anything but the sign-in itself). */
  signedOut: () => void;
  /** The fetch to send with (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
}

const readOnly = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * @closecross/client for a signed-in browser: no key and no password (a Request's credentials are
 * 'same-origin' by default, so the cookie goes with it), the CSRF header on writes, and a 401
 * reported, on every request the client sends (each retry of a 429/503 too).
 */
export function browserSessionClient(session: BrowserSession): ClosecrossClient {
  const base = session.fetch ?? ((request: Request) => fetch(request));
  return createClosecrossClient({
    baseUrl: session.origin,
    fetch: async (request) => {
      const token = session.csrfToken();
      if (!readOnly.has(request.method) && token) request.headers.set('x-csrf-token', token);
      const response = await base(request);
      if (response.status === 401 && !new URL(request.url).pathname.endsWith('/auth/login')) session.signedOut();
      return response;
    },
  });
}

/** An ApiError for an answer read by hand (not through the client), carrying the API's message. */
export function apiError(status: number, message: string, url = ''): ApiError {
  return new ClosecrossApiError({ status, method: '', url, body: { statusCode: status, error: '', message } });
}

/** A body the typed client does not send as JSON (CSV uploads): the answer's JSON, or an ApiError. */
export async function sendTextWith(client: ClosecrossClient, method: 'POST' | 'PUT', path: string, body: string, contentType: string): Promise<unknown> {
  const response = await client.request(method, path, { body, headers: { 'content-type': contentType } });
  return response.status === 204 ? {} : await response.json().catch(() => ({}));
}
