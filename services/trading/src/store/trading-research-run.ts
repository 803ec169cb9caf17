/** SQL on trading_research_run: a research run's spec (what its trials share), written once. */
import type { Pool } from 'pg';

/** Stores a run's spec; a run stored already keeps its first (its trials were drawn from it). */
export async function insertResearchRun(pool: Pool, id: string, kind: string, spec: unknown): Promise<void> {
  await pool.query('insert into trading_research_run (id, kind, spec) values ($1, $2, $3) on conflict (id) do nothing', [id, kind, JSON.stringify(spec)]);
}

/** A run's spec as stored, or undefined. */
export async function researchRunSpec<Spec>(pool: Pool, id: string): Promise<Spec | undefined> {
  return (await pool.query<{ spec: Spec }>('select spec from trading_research_run where id = $1', [id])).rows[0]?.spec;
}
