/** SQL on trading_square_off for reading: the latest square-offs with what each did. */
import { utcIsoText } from '@closecross/platform';
import type { Pool } from 'pg';
import type { SquareOffRow } from '../schemas/risk.ts';

export async function latestSquareOffs(pool: Pool, limit = 50): Promise<SquareOffRow[]> {
  const result = await pool.query<SquareOffRow>(
    `select id, scope, requested_by, reason, status, result, ${utcIsoText('started_at')} as started_at from trading_square_off order by started_at desc limit $1`,
    [limit],
  );
  return result.rows;
}
