import { ConflictError, NotFoundError, utcIsoColumn, utcIsoText } from '@closecross/platform';
import { withTransaction } from '@closecross/db';
import type { Pool } from 'pg';
import { testEventName } from './alert-events.ts';

export const deliveryStatuses = ['pending', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export interface DeliveryView {
  /** What the receiver deduplicates on. */
  id: string;
  channel_id: string | null;
  channel_name: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  last_status_code: number | null;
  next_attempt_at: string | null;
  sent_at: string | null;
  updated_at: string;
}

export interface AlertView {
  id: string;
  event: string;
  payload: Record<string, unknown>;
  created_at: string;
  deliveries: DeliveryView[];
}

export interface AlertFilter {
  limit: number;
  /** Paging: alerts older than this id (the previous page's next_before_id). */
  before_id?: string | undefined;
  event?: string | undefined;
  /** Alerts with at least one delivery in this status. */
  status?: DeliveryStatus | undefined;
  channel_id?: string | undefined;
}

/** What was sent, when, where, and how it went: alerts newest first, each with its deliveries. */
export class AlertHistory {
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }

  async list(filter: AlertFilter): Promise<{ alerts: AlertView[]; next_before_id: string | null }> {
    const alerts = await this.pool.query<Omit<AlertView, 'deliveries'>>(
      `select a.id::text as id, a.event, a.payload, ${utcIsoColumn('a.created_at', 'created_at')} from alert a
       where ($2::bigint is null or a.id < $2) and ($3::text is null or a.event = $3)
         and ($4::text is null and $5::uuid is null
              or exists (select 1 from alert_delivery d where d.alert_id = a.id and ($4::text is null or d.status = $4) and ($5::uuid is null or d.channel_id = $5)))
       order by a.id desc limit $1`,
      [filter.limit, filter.before_id ?? null, filter.event ?? null, filter.status ?? null, filter.channel_id ?? null],
    );
    const deliveries = await this.deliveriesOf(alerts.rows.map((alert) => alert.id));
    const page = alerts.rows.map((alert) => ({ ...alert, deliveries: deliveries.get(alert.id) ?? [] }));
    return { alerts: page, next_before_id: page.length === filter.limit ? page.at(-1)!.id : null };
  }

  async get(id: string): Promise<AlertView> {
    const alert = (
      await this.pool.query<Omit<AlertView, 'deliveries'>>(`select id::text as id, event, payload, ${utcIsoColumn('created_at')} from alert where id = $1`, [
        id,
      ])
    ).rows[0];
    if (!alert) throw new NotFoundError(`alert ${id} does not exist`);
    return { ...alert, deliveries: (await this.deliveriesOf([id])).get(id) ?? [] };
  }

  /** Writes a test message to one channel, or every enabled one; no event switch applies. */
  async recordTest(channelId: string | undefined, text: string | undefined): Promise<string> {
    return withTransaction(this.pool, async (client) => {
      const channels = await client.query<{ id: string; name: string; enabled: boolean }>(
        'select id, name, enabled from alert_channel where ($1::uuid is null and enabled) or id = $1 order by name',
        [channelId ?? null],
      );
      if (channels.rows.length === 0)
        throw new NotFoundError(channelId ? `alert channel ${channelId} does not exist` : 'no enabled alert channel: create one with POST /alerts/channels');
      if (!channels.rows[0]!.enabled) throw new ConflictError(`alert channel ${channels.rows[0]!.name} is disabled: PATCH it with {"enabled": true} first`);
      const payload = { text: text ?? null, channel: channels.rows.map((channel) => channel.name).join(', ') };
      const alert = await client.query<{ id: string }>('insert into alert (event, payload) values ($1, $2) returning id::text as id', [
        testEventName,
        JSON.stringify(payload),
      ]);
      const alertId = alert.rows[0]!.id;
      await client.query(
        'insert into alert_delivery (alert_id, channel_id, channel_name) select $1, id, name from unnest($2::uuid[], $3::text[]) as c(id, name)',
        [alertId, channels.rows.map((c) => c.id), channels.rows.map((c) => c.name)],
      );
      return alertId;
    });
  }

  private async deliveriesOf(alertIds: string[]): Promise<Map<string, DeliveryView[]>> {
    const byAlert = new Map<string, DeliveryView[]>();
    if (alertIds.length === 0) return byAlert;
    const rows = await this.pool.query<DeliveryView & { alert_id: string }>(
      `select alert_id::text as alert_id, id, channel_id, channel_name, status, attempts, last_error, last_status_code,
         case when status in ('pending', 'sending') then ${utcIsoText('next_attempt_at')} end as next_attempt_at,
         ${utcIsoColumn('sent_at')}, ${utcIsoColumn('updated_at')}
       from alert_delivery where alert_id = any($1::bigint[]) order by alert_id, channel_name`,
      [alertIds],
    );
    for (const { alert_id: alertId, ...delivery } of rows.rows) byAlert.set(alertId, [...(byAlert.get(alertId) ?? []), delivery]);
    return byAlert;
  }
}
