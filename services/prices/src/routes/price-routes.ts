import { InvalidInputError, NotFoundError, openEventStream } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Pool } from 'pg';
import { SymbolParams, symbolPattern } from '../schemas/common.ts';
import {
  BarsQuery,
  BarsResult,
  CsvBody,
  defaultBarInterval,
  defaultBarsLimit,
  defaultImportZone,
  EventStream,
  ImportQuery,
  ImportResult,
  Latest,
  maxStreamSymbols,
  StreamHeaders,
  StreamQuery,
} from '../schemas/prices.ts';
import { readBars } from '../bars/bar-reader.ts';
import { importBars } from '../store/price-bar-1m.ts';
import { readLatest } from '../store/price-latest.ts';
import { parseIntradayCsvInSlices, parseTimestamp } from '../bars/intraday-csv.ts';
import type { TickListener } from '../stream/tick-listener.ts';

const symbolRegex = new RegExp(symbolPattern);

/** `?symbols=` of /prices/stream: upper-cased, each a symbol, at most maxStreamSymbols; a 400 names the bad one. */
function streamSymbols(text: string | undefined): Set<string> {
  const symbols = new Set<string>();
  if (text === undefined) return symbols;
  const given = text.split(',').map((symbol) => symbol.trim());
  for (const symbol of given) {
    if (symbol === '') continue;
    if (!symbolRegex.test(symbol)) {
      throw new InvalidInputError(
        `querystring/symbols: "${symbol.slice(0, 40)}" is not a symbol (1 to 32 letters, digits and . - / : _, starting with a letter or digit)`,
      );
    }
    symbols.add(symbol.toUpperCase());
  }
  if (symbols.size > maxStreamSymbols)
    throw new InvalidInputError(
      `querystring/symbols: ${symbols.size} symbols given, at most ${maxStreamSymbols} allowed (leave symbols out to stream every symbol)`,
    );
  return symbols;
}

/** `2021-08-23`, `2021-08-23T13:30:00Z`, `2021-08-23 09:30:00-04:00` (a time without zone is UTC). */
function instant(text: string | undefined, field: string): Date | undefined {
  if (text === undefined || text === '') return undefined;
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : parseTimestamp(text, 'UTC');
  if (at === undefined || !Number.isFinite(at))
    throw new InvalidInputError(`${field} must be a date or a time such as 2021-08-23 or 2021-08-23T13:30:00Z, got "${text}"`);
  return new Date(at);
}

export const priceRoutes: FastifyPluginAsyncTypebox<{ pool: Pool; listener: TickListener }> = async (app, { pool, listener }) => {
  app.addContentTypeParser(['text/csv', 'application/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_request, body, done) =>
    done(null, body),
  );

  app.get(
    '/prices/:symbol/bars',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['prices'],
        summary: 'Bars of a symbol: stored one-minute bars (the last one still being built) rolled up to 5m or 1h; 1d from the daily price bars',
        params: SymbolParams,
        querystring: BarsQuery,
        response: { 200: BarsResult },
      },
    },
    async (request) => {
      const symbol = request.params.symbol.toUpperCase();
      const { interval = defaultBarInterval, limit = defaultBarsLimit } = request.query;
      const bars = await readBars(pool, symbol, interval, { start: instant(request.query.start, 'start'), end: instant(request.query.end, 'end'), limit });
      return { symbol, interval, bars };
    },
  );

  app.post(
    '/prices/:symbol/bars',
    {
      config: { scope: 'ingest' },
      // A month of one-minute bars is a few MB of CSV: larger than the platform's small default.
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: ['prices'],
        summary: 'Import one-minute bars from CSV (the intraday files: timestamp or Datetime, open, high, low, close, volume); upsert on (symbol, minute)',
        params: SymbolParams,
        querystring: ImportQuery,
        body: CsvBody,
        response: { 200: ImportResult },
      },
    },
    async (request) => {
      const symbol = request.params.symbol.toUpperCase();
      const { bars } = await parseIntradayCsvInSlices(request.body, request.query.timezone ?? defaultImportZone);
      return { symbol, received: bars.length, written: await importBars(pool, symbol, bars) };
    },
  );

  app.get(
    '/prices/:symbol/latest',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['prices'],
        summary: 'The latest trade price and quote of a symbol (stored at most once a flush)',
        params: SymbolParams,
        response: { 200: Latest },
      },
    },
    async (request) => {
      const latest = await readLatest(pool, request.params.symbol.toUpperCase());
      if (!latest) throw new NotFoundError(`no live price for ${request.params.symbol.toUpperCase()}; subscribe with POST /prices/subscriptions`);
      return latest;
    },
  );

  app.get(
    '/prices/stream',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['prices'],
        summary:
          'Live ticks as Server-Sent Events (event: trade | quote | bar, id: SYMBOL:POSITION), from whichever worker handles each symbol; send Last-Event-ID to resume after the event you received last',
        querystring: StreamQuery,
        headers: StreamHeaders,
        response: { 200: { content: { 'text/event-stream': { schema: EventStream } } } },
      },
    },
    (request, reply) => {
      const symbols = streamSymbols(request.query.symbols);
      const lastEventId = request.headers['last-event-id'];
      // The platform's writer: SSE headers, a heartbeat comment, a slow client dropped, the stream ended when the server closes.
      const stream = openEventStream(request, reply, { heartbeatMs: 15_000 });
      stream.comment(`streaming ${symbols.size > 0 ? [...symbols].join(',') : 'every symbol'}`);
      // The listener encodes each tick once for every client: its frames go out as they are.
      const remove = listener.add({ symbols, send: (chunk) => void stream.sendEncoded(chunk) }, lastEventId);
      void stream.closed.then(remove);
    },
  );
};
