/**
 * Calls to Alpaca's trading API: the key headers, a timeout on every attempt, Alpaca's error body
 * turned into our two broker errors, and bounded retries with backoff for calls that are safe to
 * repeat (reads, cancels, and submits, which carry a client order id).
 */
import { retry } from '@closecross/platform';
import { BrokerRejectedError, BrokerUnavailableError } from '../broker.ts';

export const ALPACA_PAPER_URL = 'https://paper-api.alpaca.markets';

export interface AlpacaHttpSettings {
  baseUrl?: string;
  keyId: string;
  secretKey: string;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts after the first, for 429, 5xx, timeouts and network errors. */
  retries?: number;
  /** First backoff; doubles per attempt, with full jitter (the platform's retry). */
  backoffMs?: number;
  /** The longest Retry-After we wait out; a longer one is handed to the caller at once. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
}

/** A refusal from Alpaca, with its HTTP status and Alpaca's error code for the callers that branch on them. */
export class AlpacaRejectedError extends BrokerRejectedError {
  readonly status: number;
  readonly code: number | undefined;
  constructor(message: string, status: number, code?: number) {
    super(message);
    this.name = 'AlpacaRejectedError';
    this.status = status;
    this.code = code;
  }
}

export interface AlpacaRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

export interface AlpacaHttp {
  /** The parsed JSON answer, or undefined for an empty one (204). */
  call(request: AlpacaRequest): Promise<unknown>;
}

const retriedStatuses = (status: number) => status === 429 || status >= 500;

export function createAlpacaHttp(settings: AlpacaHttpSettings): AlpacaHttp {
  const baseUrl = (settings.baseUrl ?? ALPACA_PAPER_URL).replace(/\/+$/, '');
  const timeoutMs = settings.timeoutMs ?? 5_000;
  const retries = settings.retries ?? 2;
  const backoffMs = settings.backoffMs ?? 200;
  const maxRetryAfterMs = settings.maxRetryAfterMs ?? 5_000;
  const fetchFn = settings.fetch ?? fetch;
  const headers = { 'APCA-API-KEY-ID': settings.keyId, 'APCA-API-SECRET-KEY': settings.secretKey, accept: 'application/json' };

  async function attempt(request: AlpacaRequest): Promise<unknown> {
    const url = new URL(baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const what = `Alpaca ${request.method} ${request.path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetchFn(url, {
        method: request.method,
        headers: request.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The body is read under the same signal: a server that sends headers and stalls still times out.
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new BrokerUnavailableError(`${what} did not answer within ${timeoutMs} ms`);
      throw new BrokerUnavailableError(`${what} failed: ${(error as Error).message}`);
    }
    if (response.ok) return text === '' ? undefined : parseJson(text, what);
    const { message, code } = alpacaErrorOf(text, response.status);
    if (retriedStatuses(response.status)) {
      throw new BrokerUnavailableError(`${what} answered ${response.status}: ${message}`, retryAfterSecondsOf(response.headers.get('retry-after')));
    }
    throw new AlpacaRejectedError(message, response.status, code);
  }

  const retryAfterMsOf = (error: unknown) =>
    error instanceof BrokerUnavailableError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : undefined;
  return {
    call: (request) =>
      retry(() => attempt(request), {
        retries,
        minDelayMs: backoffMs,
        factor: 2,
        // A refusal is final; a broker asking for a long pause is better served by the caller's next poll than by a blocked request.
        shouldRetry: (error) => error instanceof BrokerUnavailableError && !((retryAfterMsOf(error) ?? 0) > maxRetryAfterMs),
        retryAfterMs: retryAfterMsOf,
      }),
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BrokerUnavailableError(`${what} answered with a body that is not JSON`);
  }
}

/** Alpaca's error body is `{"code": 40310000, "message": "..."}`; a proxy in front may send anything. */
function alpacaErrorOf(text: string, status: number): { message: string; code?: number } {
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.message === 'string' && body.message !== '') {
      return { message: body.message, ...(typeof body.code === 'number' ? { code: body.code } : {}) };
    }
  } catch {
    // not JSON: fall through to the status
  }
  return { message: text.trim().slice(0, 200) || `HTTP ${status}` };
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterSecondsOf(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}
