import { alertEventNames, type AlertEvent } from './alert-events.ts';

/** A pg Pool or PoolClient: pass the client of the transaction the alert belongs to. */
export interface Queryable {
  query<Row extends Record<string, unknown> = any>(text: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

export interface RecordedAlert {
  /** Every alert is kept, whether or not a channel wants it. */
  alertId: string;
  /** One per channel, each the id its receiver deduplicates on. */
  deliveryIds: string[];
}

/**
 * Writes an alert (always) and a pending delivery per channel that wants it, through `db`: inside the
 * caller's transaction, so the alert commits with the change it reports or not at all. The
 * deliverers send it after the commit.
 */
export async function recordAlert(db: Queryable, alert: AlertEvent): Promise<RecordedAlert> {
  if (!(alertEventNames as readonly string[]).includes(alert.event)) throw new Error(`unknown alert event "${alert.event}"`);
  const recorded = await db.query<{ alert_id: string }>('select alert_record($1, $2::jsonb)::text as alert_id', [alert.event, JSON.stringify(alert.payload)]);
  const alertId = recorded.rows[0]!.alert_id;
  const deliveries = await db.query<{ id: string }>('select id from alert_delivery where alert_id = $1 order by channel_name', [alertId]);
  return { alertId, deliveryIds: deliveries.rows.map((row) => row.id) };
}
