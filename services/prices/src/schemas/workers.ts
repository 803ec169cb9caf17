import { Type } from '@sinclair/typebox';

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
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const WorkersQuery = Type.Object({ kind: Type.Optional(Type.String()) });
export const WorkerList = Type.Object({ workers: Type.Array(Worker) });
