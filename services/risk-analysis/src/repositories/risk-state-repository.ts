import { withTransaction, type Pool, type PoolClient } from '@closecross/db';
import type { AnalysisResult } from '@closecross/quant';
import type { ServiceName, WorkerRecord } from '../backends/compute-backend.ts';
import type { AnalysisParams } from '../schemas/analyses.ts';
import type { AuditRecord } from '../schemas/reference.ts';
import type { Static } from '@sinclair/typebox';

/** `failed`: the last /warmup failed after the earlier workers were stopped, so nothing is warm. */
export type ScaleState = 'warming' | 'ready' | 'terminated' | 'failed';

export interface Scale {
  service: ServiceName;
  resources: number;
  state: ScaleState;
  warmupBillableMs: number;
  warmupCost: number;
  workers: WorkerRecord[];
  currentAnalysisId: string | null;
}

/** Everything that defines an analysis (the API's AnalysisParams), with the service and side narrowed to what was accepted. */
export type AnalysisRequest = Static<typeof AnalysisParams> & { s: ServiceName; t: 'buy' | 'sell' };

export interface StoredResult extends AnalysisResult {
  symbol: string;
  start: string;
  end: string;
  bars: number;
}

export type AnalysisStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface AnalysisRow {
  id: string;
  status: AnalysisStatus;
  params: AnalysisRequest;
  progress: number;
  result: StoredResult | null;
  billableMs: number | null;
  cost: number | null;
  error: string | null;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const analysisColumns = `id, status, params, progress, result, billable_ms as "billableMs", cost, error, attempts,
  created_at as "createdAt", started_at as "startedAt", finished_at as "finishedAt"`;

/** The risk service's state, all of it in Postgres so every task answers the same. */
export class RiskStateRepository {
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }

  async scale(): Promise<Scale | undefined> {
    const result = await this.pool.query(
      `select service, resources, state, warmup_billable_ms as "warmupBillableMs", warmup_cost as "warmupCost", workers,
              current_analysis_id as "currentAnalysisId" from risk_scale where id = 1`,
    );
    return result.rows[0];
  }

  async saveScale(scale: Omit<Scale, 'currentAnalysisId'>): Promise<void> {
    await this.pool.query(
      `insert into risk_scale (id, service, resources, state, warmup_billable_ms, warmup_cost, workers, updated_at)
       values (1, $1, $2, $3, $4, $5, $6, now())
       on conflict (id) do update set service = excluded.service, resources = excluded.resources, state = excluded.state,
         warmup_billable_ms = excluded.warmup_billable_ms, warmup_cost = excluded.warmup_cost, workers = excluded.workers, updated_at = now()`,
      [scale.service, scale.resources, scale.state, scale.warmupBillableMs, scale.warmupCost, JSON.stringify(scale.workers)],
    );
  }

  async updateScale(patch: Partial<Pick<Scale, 'state' | 'workers' | 'warmupBillableMs' | 'warmupCost'>>): Promise<void> {
    await this.pool.query(
      `update risk_scale set state = coalesce($1::text, state), workers = coalesce($2::jsonb, workers),
         warmup_billable_ms = warmup_billable_ms + coalesce($3::float8, 0), warmup_cost = warmup_cost + coalesce($4::float8, 0), updated_at = now()
       where id = 1`,
      [patch.state ?? null, patch.workers ? JSON.stringify(patch.workers) : null, patch.warmupBillableMs ?? null, patch.warmupCost ?? null],
    );
  }

  /** /reset: the results and their time and cost go; the warmed scale stays. */
  async clearCurrent(): Promise<void> {
    await this.pool.query('update risk_scale set current_analysis_id = null, updated_at = now() where id = 1');
  }

  /** An analysis the reference's POST /analyse runs in the request. */
  async createAnalysis(id: string, params: AnalysisRequest): Promise<void> {
    await this.pool.query(`insert into risk_analysis (id, status, params, started_at, attempts) values ($1, 'running', $2, now(), 1)`, [
      id,
      JSON.stringify(params),
    ]);
  }

  /**
   * Stores the result, writes its audit record, and (for the reference API) makes it the
   * current result, in one statement (one round trip, one transaction): a reader sees all of it or
   * none, and nothing of it when the row is no longer running. The audit's request fields are the
   * row's own params, merged in by Postgres.
   */
  async completeAnalysis(id: string, result: StoredResult, billing: { billableMs: number; cost: number }, makeCurrent: boolean): Promise<void> {
    await this.pool.query(
      `with updated as (
         update risk_analysis set status = 'succeeded', progress = 1, result = $2, billable_ms = $3, cost = $4, finished_at = now()
         where id = $1 and status = 'running' returning id, params
       ), audited as (
         insert into risk_audit (analysis_id, record)
         select id, $5::jsonb || jsonb_build_object('s', params->'s', 'r', params->'r', 'h', params->'h', 'd', params->'d', 't', params->'t',
                                                   'p', params->'p', 'seed', params->'seed')
         from updated
       )
       update risk_scale set current_analysis_id = $1, updated_at = now() where id = 1 and $6 and exists (select 1 from updated)`,
      [id, JSON.stringify(result), billing.billableMs, billing.cost, JSON.stringify(auditResultFields(id, result, billing)), makeCurrent],
    );
  }

  /**
   * Stores the result of an analysis run as a job (POST /analyses) with its audit record, in one
   * transaction; a second run of the same job (a retry after its task died) records nothing more.
   */
  async recordJobAnalysis(
    id: string,
    params: AnalysisRequest,
    result: StoredResult,
    billing: { billableMs: number; cost: number },
    startedAt: Date,
  ): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const inserted = await client.query(
        `insert into risk_analysis (id, status, params, progress, result, billable_ms, cost, attempts, started_at, finished_at)
         values ($1, 'succeeded', $2, 1, $3, $4, $5, 1, $6, now()) on conflict (id) do nothing`,
        [id, JSON.stringify(params), JSON.stringify(result), billing.billableMs, billing.cost, startedAt],
      );
      if (inserted.rowCount === 1) await this.recordAudit(client, id, params, result, billing);
    });
  }

  private async recordAudit(
    client: PoolClient,
    id: string,
    params: AnalysisRequest,
    result: StoredResult,
    billing: { billableMs: number; cost: number },
  ): Promise<void> {
    await client.query('insert into risk_audit (analysis_id, record) values ($1, $2)', [
      id,
      JSON.stringify({ ...auditRequestFields(params), ...auditResultFields(id, result, billing) } satisfies Omit<AuditRecord, 'recorded_at'>),
    ]);
  }

  async failAnalysis(id: string, error: string): Promise<void> {
    await this.pool.query(`update risk_analysis set status = 'failed', error = $2, finished_at = now() where id = $1`, [id, error]);
  }

  async analysis(id: string): Promise<AnalysisRow | undefined> {
    const result = await this.pool.query(`select ${analysisColumns} from risk_analysis where id = $1`, [id]);
    return result.rows[0];
  }

  async currentAnalysis(): Promise<AnalysisRow | undefined> {
    const result = await this.pool.query(`select ${analysisColumns} from risk_analysis where id = (select current_analysis_id from risk_scale where id = 1)`);
    return result.rows[0];
  }

  async audit(): Promise<AuditRecord[]> {
    const result = await this.pool.query(
      `select record || jsonb_build_object('recorded_at', to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) as record
         from risk_audit order by id`,
    );
    return result.rows.map((row) => row.record);
  }
}

/** The audit record's fields that come from the result (the rest are the request's: `auditRequestFields`). */
function auditResultFields(id: string, result: StoredResult, billing: { billableMs: number; cost: number }) {
  return {
    profit_loss: result.totalProfitLoss,
    av95: result.averageVar95,
    av99: result.averageVar99,
    time: billing.billableMs,
    cost: billing.cost,
    symbol: result.symbol,
    start: result.start,
    end: result.end,
    analysis_id: id,
  };
}

/** The audit record's fields that come from the request; completeAnalysis has Postgres take the same ones from the row's params. */
function auditRequestFields(params: AnalysisRequest) {
  return { s: params.s, r: params.r, h: params.h, d: params.d, t: params.t, p: params.p, seed: params.seed };
}
