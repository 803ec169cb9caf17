import { Type } from '@sinclair/typebox';

/**
 * What a worker task reports of itself, by the kind of worker: a price worker its feeds and the
 * ticks in, an ingestor its stream and rows a second, a jobs engine its kinds. Listed in the order
 * the stored jsonb gives them back (shorter keys first), so each worker's fields read as before.
 */
export const WorkerDetails = Type.Object(
  {
    feeds: Type.Optional(Type.Integer({ description: 'price-worker: the feeds it runs' })),
    kinds: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object({
          running: Type.Integer({ description: 'jobs of the kind running on the task' }),
          concurrency: Type.Integer({ description: 'jobs of the kind the task runs at once' }),
        }),
        { description: 'jobs: the kinds the task defines' },
      ),
    ),
    stream: Type.Optional(Type.String({ description: 'ingestor: the stream it reads' })),
    ticks_in: Type.Optional(Type.Integer({ description: 'price-worker: ticks received since it started' })),
    rowsPerSecond: Type.Optional(Type.Number({ description: 'ingestor: rows loaded a second, lately' })),
  },
  { description: 'by the kind of worker' },
);

export const Worker = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  pool: Type.String(),
  host: Type.String(),
  pid: Type.Number(),
  version: Type.String(),
  started_at: Type.String(),
  heartbeat_at: Type.String(),
  heartbeat_age_ms: Type.Number(),
  live: Type.Boolean(),
  load: Type.Number(),
  holds: Type.Array(Type.String()),
  details: WorkerDetails,
});

export const WorkersQuery = Type.Object({ kind: Type.Optional(Type.String()) });
export const WorkerList = Type.Object({ workers: Type.Array(Worker) });
