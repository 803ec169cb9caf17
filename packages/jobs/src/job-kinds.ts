import type { TSchema } from '@sinclair/typebox';

/** What a job kind declares of its contract: the params it is asked, the result (and metrics) it answers. */
export interface JobKindSchemas {
  params: TSchema;
  result: TSchema;
  /** Absent: the kind writes no metrics (null). */
  metrics?: TSchema | undefined;
}

/**
 * Every kind defined in this process, with its schemas when its definition declares them. The
 * job routes read it when they are registered, so a service module that defines its kinds while
 * it registers (before the jobs module, as every process mounts them) has them in the OpenAPI
 * document; a kind declared without schemas shows params and result as unknown.
 */
const definedKinds = new Map<string, JobKindSchemas | undefined>();

/** Records a defined kind; the same kind may be defined by several engines, with the same schemas. */
export function recordJobKind(kind: string, schemas: JobKindSchemas | undefined): void {
  const known = definedKinds.get(kind);
  if (known && schemas && JSON.stringify(known) !== JSON.stringify(schemas)) {
    throw new Error(`job kind "${kind}" is defined twice with different params or result schemas`);
  }
  definedKinds.set(kind, schemas ?? known);
}

/** The kinds defined so far in this process, by name. */
export function definedJobKinds(): ReadonlyMap<string, JobKindSchemas | undefined> {
  return new Map([...definedKinds].sort(([a], [b]) => a.localeCompare(b)));
}
