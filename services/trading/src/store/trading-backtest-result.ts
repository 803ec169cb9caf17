/** SQL on trading_backtest_result: one report per backtest job, gzip-compressed JSON in a bytea. */
import type { BacktestSummary } from '@closecross/engine';
import type { Pool } from 'pg';

export interface StoredBacktest {
  id: string;
  strategy: string;
  code: string;
  sourceHash: string;
  interval: string;
  summary: BacktestSummary;
  reportGzip: Buffer;
  reportBytes: number;
}

/** Stores a run's report (a retried job replaces its own); answers the bytes stored. */
export async function storeBacktestResult(pool: Pool, stored: StoredBacktest): Promise<number> {
  await pool.query(
    `insert into trading_backtest_result (job_id, strategy, code, source_hash, interval, summary, report_gzip, report_bytes) values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (job_id) do update set strategy = excluded.strategy, code = excluded.code, source_hash = excluded.source_hash, interval = excluded.interval,
       summary = excluded.summary, report_gzip = excluded.report_gzip, report_bytes = excluded.report_bytes, created_at = now()`,
    [stored.id, stored.strategy, stored.code, stored.sourceHash, stored.interval, JSON.stringify(stored.summary), stored.reportGzip, stored.reportBytes],
  );
  return stored.reportGzip.byteLength;
}

/** A job's compressed report, when it stored one. */
export async function backtestReportGzip(pool: Pool, id: string): Promise<Buffer | undefined> {
  return (await pool.query<{ report_gzip: Buffer }>('select report_gzip from trading_backtest_result where job_id = $1', [id])).rows[0]?.report_gzip;
}
