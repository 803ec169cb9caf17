import { parseReferenceJson, prepareBatch, ReferenceJsonError } from '@closecross/contracts';
import { upsertStockRows, withTransaction } from '@closecross/db';
import { badRequest, type ServiceContext } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse, Page, pageOf, pageRequestOf } from '../schemas/common.ts';
import {
  maxFieldsPerPost,
  maxRowsPerPost,
  stockDataBodyLimitBytes,
  StockDataPost,
  StockDataPosted,
  StockDataQuery,
  StoredStockRow,
} from '../schemas/stock-data.ts';
import { streamStockRowsJson } from '../repositories/stock-data-repository.ts';

/**
 * Parsing is the costly part of a large body (a 60 MB object of 5 million keys held the event loop
 * for 3.7 s), so a body with more `:` than a valid one can have `"key":` pairs is refused before
 * it is parsed. A colon inside a string only overcounts, and valid rows hold none to speak of.
 */
function refuseFieldFlood(text: string): void {
  let colons = 0;
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) {
    if (++colons > maxFieldsPerPost) {
      throw badRequest(
        `body has more than ${maxFieldsPerPost.toLocaleString('en-US')} fields, more than ${maxRowsPerPost.toLocaleString('en-US')} rows can hold: refused before parsing`,
      );
    }
  }
}

export const stockDataRoutes: FastifyPluginAsyncTypebox<ServiceContext> = async (app, { pool }) => {
  // The reference producer writes a missing price as the bare literal NaN (Python's json.dumps);
  // in this plugin's routes only, such JSON is read with NaN/Infinity as null.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      refuseFieldFlood(body as string);
      done(null, parseReferenceJson(body as string));
    } catch (error) {
      done(error instanceof ReferenceJsonError ? badRequest(error.message) : (error as Error));
    }
  });

  app.get(
    '/stock_data/',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['stock data'],
        summary: 'Auction rows of one day (date_id) or a range of days (start_date_id..end_date_id)',
        description: 'Ordered by date_id, seconds_in_bucket, stock_id. page_size up to 50,000.',
        querystring: StockDataQuery,
        response: { 200: Page(StoredStockRow), 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const query = pageRequestOf(request.query);
      const hasRange = query.start_date_id !== undefined && query.end_date_id !== undefined;
      if (query.date_id === undefined && !hasRange) {
        throw badRequest('querystring must have date_id, or both start_date_id and end_date_id');
      }
      if (hasRange && query.start_date_id! > query.end_date_id!) {
        throw badRequest('querystring/start_date_id must not be after end_date_id');
      }
      // The envelope ends in `"data":[]}`; the rows' JSON array streams in place of the empty one.
      const body = await streamStockRowsJson(pool, query, (total) => {
        const envelope = JSON.stringify(pageOf(query, total, []));
        return { prefix: envelope.slice(0, -3), suffix: '}' };
      });
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );

  app.post(
    '/stock_data/',
    {
      config: { scope: 'ingest' },
      // Bulk ingest: 100,000 rows as the reference producer writes them are about 45 MB.
      bodyLimit: stockDataBodyLimitBytes,
      schema: {
        tags: ['stock data'],
        summary: 'Store auction rows: all or nothing, idempotent (upsert on stock_id, date_id, seconds_in_bucket)',
        description:
          'Creates missing date mappings in the same transaction. A bad row fails the whole request with 400 naming its index and field. NaN, Infinity and -Infinity (as the reference producer writes missing prices) are read as null; a row_id that disagrees with the key is replaced by the derived one and counted in `corrected`.',
        body: StockDataPost,
        response: { 200: StockDataPosted, 400: ErrorResponse },
      },
    },
    async (request) => {
      const { rows, corrected } = prepareBatch(request.body.data);
      const commit = request.body.commit ?? true;
      const written = commit ? await withTransaction(pool, (client) => upsertStockRows(client, rows)) : 0;
      const message = commit ? 'Data ingested successfully.' : 'Data validated; nothing written (commit was false).';
      return { message, received: request.body.data.length, written, corrected, committed: commit };
    },
  );
};
