import createOpenApiClient, { type Client } from 'openapi-fetch';
import { ClosecrossApiError, ClosecrossJobError } from './errors.ts';
import type { paths } from './generated/openapi.ts';
import { retryAfterSeconds, retryingFetch, wallClock, type ClientClock, type RetryOptions, type Sleep } from './retry.ts';
import { serverSentEvents, type ServerSentEvent } from './sse.ts';
import type { QueryOf, ResponseOf } from './types.ts';

export type ClosecrossApi = Client<paths>;

export interface ClosecrossClientOptions {
  /** Where the API answers, e.g. http://127.0.0.1:3000 (the local system) or the ALB's URL. */
  baseUrl: string;
  /** An API key (`cc_...`), sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** Or a dashboard user: signs in on the first call (session cookie) and echoes the CSRF token on writes. */
  session?: { username: string; password: string };
  retry?: RetryOptions;
  /** Reads Retry-After dates; the engine's Clock fits. The wall clock by default. */
  clock?: ClientClock;
  /** Waits between retries (tests make it instant). */
  sleep?: Sleep;
  /** The fetch to send with (default: the global one). */
  fetch?: (request: Request) => Promise<Response>;
}

/** What `GET /jobs/{id}/events` sends on every change of a job: these fields of the job (the stream is not in the OpenAPI document). */
export type JobEvent = Pick<ResponseOf<'/jobs/{id}'>, 'id' | 'status' | 'stage' | 'progress' | 'attempts' | 'error'>;

/** A live tick of `GET /prices/stream` (event `trade`, `quote` or `bar`). */
export interface PriceTick {
  type: 'trade' | 'quote' | 'bar';
  provider: string;
  symbol: string;
  /** exchange time, epoch ms */
  time: number;
  position: number;
  price?: number | null;
  size?: number | null;
  bid?: number | null;
  ask?: number | null;
  bidSize?: number | null;
  askSize?: number | null;
  open?: number | null;
  high?: number | null;
  low?: number | null;
  close?: number | null;
  volume?: number | null;
  received_at: number;
}

/** The list routes that page, and the field holding each page's items. */
const pagedItems = {
  '/date_mappings/': 'data',
  '/models/': 'data',
  '/model-inferences/': 'data',
  '/stock_data/': 'data',
  '/audit': 'entries',
  '/alerts': 'alerts',
} as const;
export type PagedPath = keyof typeof pagedItems;
export type PageItem<P extends PagedPath> = ResponseOf<P>[(typeof pagedItems)[P] & keyof ResponseOf<P>] extends ReadonlyArray<infer Item> ? Item : never;
export type PageQuery<P extends PagedPath> = Omit<QueryOf<P>, 'page' | 'before_id'>;

type Answer<Data> = { data?: Data; error?: unknown; response: Response };

const finished = new Set(['succeeded', 'failed', 'cancelled']);
const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The data of an openapi-fetch answer, or a ClosecrossApiError carrying the API's message. */
export async function unwrap<Data>(answer: Promise<Answer<Data>> | Answer<Data>): Promise<Data> {
  const { data, error, response } = await answer;
  if (response.ok) return data as Data;
  throw apiError(response, error, wallClock);
}

function apiError(response: Response, body: unknown, clock: ClientClock): ClosecrossApiError {
  const url = new URL(response.url || 'http://unknown/');
  return new ClosecrossApiError({
    status: response.status,
    // openapi-fetch keeps the method on the Request only: the answer's URL says where; the method is best-effort.
    method: (response as Response & { closecrossMethod?: string }).closecrossMethod ?? '',
    url: `${url.pathname}${url.search}`,
    body,
    retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after'), clock),
  });
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The Closecross API, typed from its OpenAPI document. `api` is the generated client
 * (openapi-fetch: `api.GET('/trading/orders', { params: { query: { limit: 20 } } })`), with the
 * credential and the retries already in; `unwrap` turns its answer into data or a typed error.
 * The rest is what a generated client cannot know: sessions, job and price streams, paging.
 */
export class ClosecrossClient {
  readonly api: ClosecrossApi;
  readonly baseUrl: string;
  private readonly options: ClosecrossClientOptions;
  private readonly send: (request: Request) => Promise<Response>;
  private readonly clock: ClientClock;
  private session: Promise<{ cookie: string; csrfToken: string }> | undefined;

  constructor(options: ClosecrossClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.clock = options.clock ?? wallClock;
    const base = options.fetch ?? ((request: Request) => fetch(request));
    const retrying = retryingFetch(base, { ...options.retry, clock: this.clock, ...(options.sleep ? { sleep: options.sleep } : {}) });
    this.send = async (request) => {
      const response = await retrying(await this.authorised(request));
      Object.defineProperty(response, 'closecrossMethod', { value: request.method });
      return response;
    };
    this.api = createOpenApiClient<paths>({ baseUrl: this.baseUrl, fetch: this.send });
  }

  /** The data of an `api` answer, or a ClosecrossApiError (status, message, field, Retry-After). */
  async unwrap<Data>(answer: Promise<Answer<Data>> | Answer<Data>): Promise<Data> {
    const { data, error, response } = await answer;
    if (response.ok) return data as Data;
    throw apiError(response, error, this.clock);
  }

  /**
   * Any route, typed or not (a route newer than this client's document): the answer when it is a
   * 2xx, else a ClosecrossApiError. `query` values are sent as strings; `body` as JSON unless a string.
   */
  async request(
    method: string,
    path: string,
    init: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(init.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers = new Headers(init.headers);
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      if (!headers.has('content-type')) headers.set('content-type', typeof init.body === 'string' ? 'text/plain' : 'application/json');
    }
    const response = await this.send(
      new Request(url, { method, headers, ...(body === undefined ? {} : { body }), ...(init.signal ? { signal: init.signal } : {}) }),
    );
    if (!response.ok) throw apiError(response, await bodyOf(response), this.clock);
    return response;
  }

  /** `request`'s answer read as JSON. */
  async json<T = unknown>(method: string, path: string, init: Parameters<ClosecrossClient['request']>[2] = {}): Promise<T> {
    const response = await this.request(method, path, init);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  /** Signs in now (a session client signs in by itself on its first call); answers who is signed in. */
  async signIn(): Promise<void> {
    this.session = undefined;
    await this.sessionCredentials();
  }

  /**
   * Every item of a paged list, fetching page after page as the loop asks for more: the
   * page/page_size routes (models, inferences, auction rows, date mappings) and the before_id
   * ones (audit, alerts).
   */
  async *paginate<P extends PagedPath>(path: P, query: PageQuery<P> = {} as PageQuery<P>): AsyncGenerator<PageItem<P>> {
    const itemsField = pagedItems[path];
    let cursor: Record<string, unknown> = {};
    for (;;) {
      const body = (await this.unwrap(
        (this.api.GET as (path: string, init: unknown) => Promise<Answer<Record<string, unknown>>>)(path, { params: { query: { ...query, ...cursor } } }),
      )) as Record<string, unknown>;
      const items = (body[itemsField] ?? []) as PageItem<P>[];
      yield* items;
      if (typeof body.total_pages === 'number' && typeof body.page === 'number') {
        if (body.page >= body.total_pages || items.length === 0) return;
        cursor = { page: body.page + 1 };
      } else if (body.next_before_id !== undefined && body.next_before_id !== null && items.length > 0) {
        cursor = { before_id: body.next_before_id };
      } else return;
    }
  }

  /** A job's events (status, stage, progress), until it ends; the last one says how. */
  async *jobEvents(jobId: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<JobEvent> {
    const response = await this.request('GET', `/jobs/${encodeURIComponent(jobId)}/events`, {
      headers: { accept: 'text/event-stream' },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for await (const event of serverSentEvents(response.body!, options.signal)) {
      if (event.event !== 'job') continue;
      const job = JSON.parse(event.data) as JobEvent;
      yield job;
      if (finished.has(job.status)) return;
    }
  }

  /**
   * Follows a job to its end (calling `onEvent` on each change) and answers it as `GET /jobs/{id}`
   * does, result included; a failed or cancelled job throws ClosecrossJobError.
   */
  async waitForJob(jobId: string, options: { onEvent?: (event: JobEvent) => void; signal?: AbortSignal } = {}) {
    let last: JobEvent | undefined;
    // The stream ends when the job does; a dropped connection is followed again (bounded).
    for (let attempt = 0; attempt < 5 && !(last && finished.has(last.status)); attempt++) {
      try {
        for await (const event of this.jobEvents(jobId, options)) {
          last = event;
          options.onEvent?.(event);
        }
      } catch (error) {
        if (error instanceof ClosecrossApiError || options.signal?.aborted) throw error;
      }
    }
    const job = await this.unwrap(this.api.GET('/jobs/{id}', { params: { path: { id: jobId } } }));
    if (job.status === 'failed' || job.status === 'cancelled') throw new ClosecrossJobError(jobId, job.status, job.error);
    if (!finished.has(job.status)) throw new ClosecrossJobError(jobId, job.status, 'its event stream ended before the job did');
    return job;
  }

  /**
   * Live ticks of the subscribed symbols (all when `symbols` is absent), for as long as the loop
   * runs. A dropped stream is resumed from the last event's id (the server replays what was missed).
   */
  async *priceTicks(options: { symbols?: readonly string[]; signal?: AbortSignal; lastEventId?: string } = {}): AsyncGenerator<PriceTick> {
    let lastEventId = options.lastEventId;
    for (let dropped = 0; dropped < 5; dropped++) {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) };
      const response = await this.request('GET', '/prices/stream', {
        query: { symbols: options.symbols?.join(',') },
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      try {
        for await (const event of serverSentEvents(response.body!, options.signal) as AsyncGenerator<ServerSentEvent>) {
          if (event.id) lastEventId = event.id;
          if (event.event !== 'trade' && event.event !== 'quote' && event.event !== 'bar') continue;
          yield JSON.parse(event.data) as PriceTick;
          dropped = 0;
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        if (!(error instanceof TypeError)) throw error;
      }
      if (options.signal?.aborted) return;
    }
    throw new Error('the live price stream dropped five times in a row');
  }

  private async authorised(request: Request): Promise<Request> {
    if (this.options.apiKey) {
      request.headers.set('authorization', `Bearer ${this.options.apiKey}`);
    } else if (this.options.session) {
      const { cookie, csrfToken } = await this.sessionCredentials();
      request.headers.set('cookie', cookie);
      if (writeMethods.has(request.method)) request.headers.set('x-csrf-token', csrfToken);
    }
    return request;
  }

  private sessionCredentials(): Promise<{ cookie: string; csrfToken: string }> {
    this.session ??= this.login().catch((error: unknown) => {
      this.session = undefined;
      throw error;
    });
    return this.session;
  }

  private async login(): Promise<{ cookie: string; csrfToken: string }> {
    const credentials = this.options.session!;
    const base = this.options.fetch ?? ((request: Request) => fetch(request));
    const response = await base(
      new Request(`${this.baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) }),
    );
    const body = await bodyOf(response);
    if (!response.ok) throw apiError(response, body, this.clock);
    const cookie = response.headers
      .getSetCookie()
      .map((line) => line.split(';')[0]!.trim())
      .find((pair) => pair.startsWith('cc_session='));
    const csrfToken = (body as { csrf_token?: string }).csrf_token;
    if (!cookie || !csrfToken) throw new Error('POST /auth/login answered no session cookie or CSRF token');
    return { cookie, csrfToken };
  }
}

export function createClosecrossClient(options: ClosecrossClientOptions): ClosecrossClient {
  return new ClosecrossClient(options);
}
