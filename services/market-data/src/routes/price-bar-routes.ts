import { systemClock, type Clock } from '@closecross/engine';
import { parseYahooCsv, CsvError } from '@closecross/quant';
import { badRequest, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ErrorResponse } from '../schemas/common.ts';
import { PriceBarSeries, PriceBarsPost, PriceBarsPosted, PriceBarsQuery, SymbolParams, SymbolSummary, type PriceBar } from '../schemas/price-bars.ts';
import { findPriceBars, listSymbols, upsertPriceBars } from '../repositories/price-bar-repository.ts';

// The CSV parser runs before the handler; this carries its count of skipped lines across.
const skippedLines = new WeakMap<FastifyRequest, number>();

/** Daily bars are exchange days: "today" is the date in New York. */
const exchangeZone = 'America/New_York';
const todayIn = (clock: Clock) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: exchangeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(clock.now());

export const priceBarRoutes: FastifyPluginAsyncTypebox<ServiceContext & { clock?: Clock }> = async (app, { pool, clock = systemClock }) => {
  // A Yahoo CSV becomes the same bar objects as a JSON body, so one schema validates both.
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (request, body, done) => {
    try {
      const { bars, skipped } = parseYahooCsv(body as string);
      skippedLines.set(request, skipped);
      const rows: PriceBar[] = bars.map((bar) => ({
        date: bar.date,
        open: bar.open,
        high: bar.high,
        low: bar.low,
        close: bar.close,
        adj_close: bar.adjClose,
        volume: bar.volume,
      }));
      done(null, rows);
    } catch (error) {
      done(error instanceof CsvError ? badRequest(`CSV ${error.message}`) : (error as Error));
    }
  });

  app.get(
    '/price_bars/',
    {
      config: { scope: 'read' },
      schema: { tags: ['price bars'], summary: 'Symbols with stored bars and their date ranges', response: { 200: Type.Array(SymbolSummary) } },
    },
    async () => listSymbols(pool),
  );

  app.get(
    '/price_bars/:symbol',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['price bars'],
        summary: 'Daily bars of a symbol in date order, start and end inclusive (YYYY-MM-DD)',
        params: SymbolParams,
        querystring: PriceBarsQuery,
        response: { 200: PriceBarSeries, 400: ErrorResponse },
      },
    },
    async (request) => {
      const { start, end } = request.query;
      if (start && end && start > end) throw badRequest('querystring/start must not be after end');
      const symbol = request.params.symbol.toUpperCase();
      return { symbol, bars: await findPriceBars(pool, symbol, { start, end }) };
    },
  );

  app.post(
    '/price_bars/:symbol',
    {
      config: { scope: 'ingest' },
      // 200,000 bars (the schema's bound) as JSON or Yahoo CSV are about 20 MB.
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags: ['price bars'],
        summary: 'Store daily bars (JSON array, or Yahoo Finance CSV as text/csv); upsert on (symbol, date)',
        params: SymbolParams,
        body: PriceBarsPost,
        response: { 200: PriceBarsPosted, 400: ErrorResponse },
      },
    },
    async (request) => {
      const symbol = request.params.symbol.toUpperCase();
      // No hindsight: a bar of a day that has not happened yet would fill orders at prices nobody could know.
      const today = todayIn(clock);
      const future = request.body.findIndex((bar) => bar.date > today);
      if (future >= 0)
        throw badRequest(
          `body/${future}/date ${request.body[future]!.date} is after today (${today} in ${exchangeZone}): bars of days that have not happened are refused`,
        );
      const written = await upsertPriceBars(pool, symbol, request.body);
      return { symbol, received: request.body.length, written, skipped: skippedLines.get(request) ?? 0 };
    },
  );
};
