import type { FastifyInstance } from 'fastify';

/** A CSV body comes as text; it is parsed in the handler so a bad line answers 400 naming it. */
export function acceptCsvText(app: Pick<FastifyInstance, 'addContentTypeParser'>): void {
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
}
