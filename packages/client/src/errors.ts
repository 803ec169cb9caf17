/**
 * What the client throws. Every Closecross service answers errors with one body,
 * `{ statusCode, error, message }`; a validation failure's message starts with where the bad value
 * is (`body/data/0/stock_id must be integer`), which becomes `location` and `field`.
 */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

const validationPrefix = /^(body|querystring|params|headers)(?:\/(\S*))?\s/;

export class ClosecrossApiError extends Error {
  /** The HTTP status (400, 401, 404, 409, 422, 429, 503, ...). */
  readonly status: number;
  /** The status's name as the API gives it (`Bad Request`). */
  readonly error: string;
  /** Where a refused value was: `body`, `querystring`, `params` or `headers` (validation failures only). */
  readonly location: string | undefined;
  /** The refused field's path within `location`, e.g. `data/0/stock_id` (validation failures only). */
  readonly field: string | undefined;
  /** Seconds the API asked to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | undefined;
  readonly method: string;
  readonly url: string;
  /** The body as answered: the error contract, or the text of a non-JSON answer. */
  readonly body: unknown;

  constructor(init: { status: number; method: string; url: string; body: unknown; retryAfterSeconds?: number | undefined }) {
    const contract = isErrorBody(init.body) ? init.body : undefined;
    const message = contract?.message ?? (typeof init.body === 'string' && init.body.trim() ? init.body.trim().slice(0, 500) : `HTTP ${init.status}`);
    super(message);
    this.name = 'ClosecrossApiError';
    this.status = init.status;
    this.error = contract?.error ?? '';
    this.method = init.method;
    this.url = init.url;
    this.body = init.body;
    this.retryAfterSeconds = init.retryAfterSeconds;
    const where = validationPrefix.exec(message);
    this.location = where?.[1];
    this.field = where?.[2] || undefined;
  }
}

/** A job (training, inference, backtest, analysis...) that ended failed or cancelled. */
export class ClosecrossJobError extends Error {
  readonly jobId: string;
  readonly status: string;
  constructor(jobId: string, status: string, reason: string | null | undefined) {
    super(`job ${jobId} ${status}${reason ? `: ${reason}` : ''}`);
    this.name = 'ClosecrossJobError';
    this.jobId = jobId;
    this.status = status;
  }
}

export function isErrorBody(body: unknown): body is ApiErrorBody {
  return (
    typeof body === 'object' && body !== null && typeof (body as ApiErrorBody).message === 'string' && typeof (body as ApiErrorBody).statusCode === 'number'
  );
}
