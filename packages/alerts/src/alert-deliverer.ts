import { utcIsoText } from '@closecross/platform';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { AlertsConfig } from './alerts-config.ts';
import type { ChannelKind, OutgoingAlert, TelegramChannelConfig, WebhookChannelConfig } from './channels/channel-config.ts';
import type { SendResult } from './channels/send-result.ts';
import { sendTelegram } from './channels/telegram-channel.ts';
import { sendWebhook } from './channels/webhook-channel.ts';
import { retryDelayMs, type RetrySchedule } from './retry-schedule.ts';

export interface DelivererLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface AlertDelivererOptions {
  pool: Pool;
  log: DelivererLogger;
  config: AlertsConfig;
  /** Deliveries claimed (and sent at once) per round. */
  batchSize?: number;
}

interface ClaimedDelivery {
  id: string;
  attempts: number;
  lease_token: string;
  alert_id: string;
  event: string;
  payload: Record<string, unknown>;
  created_at: string;
  channel_id: string | null;
  channel_kind: ChannelKind | null;
  channel_config: Record<string, unknown> | null;
  channel_enabled: boolean | null;
}

/**
 * Sends due deliveries. Any number of deliverers (one per task that mounts the module) share the
 * outbox: each claims rows with FOR UPDATE SKIP LOCKED and a lease, so a delivery is with one of
 * them at a time, and one whose deliverer died is claimed again when the lease ends. A delivery is
 * marked sent only after its channel answered 2xx, by the deliverer still holding its lease.
 *
 * That is at-least-once: a crash between the channel's answer and the mark resends it (once per
 * such crash). Receivers make it once by the delivery id (webhooks: `Idempotency-Key`); Telegram
 * cannot, so its text shows the id and a person sees the repeat for what it is.
 */
export class AlertDeliverer {
  private readonly pool: Pool;
  private readonly log: DelivererLogger;
  private readonly config: AlertsConfig;
  private readonly schedule: RetrySchedule;
  private readonly batchSize: number;
  /** Deliveries this deliverer has claimed since it was made (retries included). */
  claimedCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private running = false;
  private again = false;

  constructor(options: AlertDelivererOptions) {
    this.pool = options.pool;
    this.log = options.log;
    this.config = options.config;
    this.batchSize = options.batchSize ?? 20;
    this.schedule = { baseMs: options.config.ALERTS_RETRY_BASE_MS, maxMs: options.config.ALERTS_RETRY_MAX_MS, maxAttempts: options.config.ALERTS_MAX_ATTEMPTS };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Looks for due deliveries now (after a local write, say) rather than at the next poll. */
  wake(): void {
    if (!this.running) return;
    if (this.round) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.round = this.deliverDue()
      .catch((error) => {
        this.log.error({ err: error }, 'alert delivery round failed');
        return 0;
      })
      .then((claimed) => {
        this.round = undefined;
        if (!this.running) return;
        const more = claimed === this.batchSize || this.again;
        this.again = false;
        if (more) setImmediate(() => this.wake());
        else this.timer = setTimeout(() => this.wake(), this.config.ALERTS_POLL_MS).unref();
      });
  }

  /** Stops polling and waits for the round in hand; its claimed rows are settled before this returns. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.round;
  }

  /** One round: claims up to a batch of due deliveries, sends them together, settles each. Answers how many were claimed. */
  async deliverDue(): Promise<number> {
    const claimed = await this.claim();
    this.claimedCount += claimed.length;
    // One delivery's bookkeeping failing leaves it to its lease; the others still settle.
    await Promise.all(
      claimed.map((delivery) =>
        this.deliver(delivery).catch((error) =>
          this.log.error({ err: error, deliveryId: delivery.id }, 'alert delivery not recorded; retried when its lease ends'),
        ),
      ),
    );
    return claimed.length;
  }

  private async claim(): Promise<ClaimedDelivery[]> {
    const result = await this.pool.query<ClaimedDelivery>(
      `with due as (
         select id from alert_delivery
         where status in ('pending', 'sending') and next_attempt_at <= now()
         order by next_attempt_at
         limit $1
         for update skip locked
       ), claimed as (
         update alert_delivery d set status = 'sending', attempts = d.attempts + 1, lease_token = $2,
           next_attempt_at = now() + make_interval(secs => $3), updated_at = now()
         from due where d.id = due.id
         returning d.id, d.attempts, d.lease_token, d.alert_id, d.channel_id
       )
       select claimed.id, claimed.attempts, claimed.lease_token, claimed.alert_id::text as alert_id, a.event, a.payload,
         ${utcIsoText('a.created_at')} as created_at,
         claimed.channel_id, c.kind as channel_kind, c.config as channel_config, c.enabled as channel_enabled
       from claimed join alert a on a.id = claimed.alert_id left join alert_channel c on c.id = claimed.channel_id`,
      [this.batchSize, randomUUID(), this.config.ALERTS_LEASE_SECONDS],
    );
    return result.rows;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    if (!delivery.channel_kind || !delivery.channel_enabled) {
      await this.settle(delivery, 'cancelled', {
        error: delivery.channel_kind ? 'channel disabled before the delivery was sent' : 'channel deleted before the delivery was sent',
      });
      return;
    }
    const alert: OutgoingAlert = {
      deliveryId: delivery.id,
      alertId: delivery.alert_id,
      event: delivery.event,
      payload: delivery.payload,
      createdAt: delivery.created_at,
    };
    let result: SendResult;
    try {
      result =
        delivery.channel_kind === 'telegram'
          ? await sendTelegram(delivery.channel_config as unknown as TelegramChannelConfig, alert, {
              apiUrl: this.config.ALERTS_TELEGRAM_API_URL,
              defaultToken: this.config.ALERTS_TELEGRAM_BOT_TOKEN,
              timeoutMs: this.config.ALERTS_SEND_TIMEOUT_MS,
            })
          : await sendWebhook(delivery.channel_config as unknown as WebhookChannelConfig, alert, {
              timeoutMs: this.config.ALERTS_SEND_TIMEOUT_MS,
              allowNetworks: this.config.ALERTS_WEBHOOK_ALLOW_NETWORKS,
            });
    } catch (error) {
      result = { outcome: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
    const log = { deliveryId: delivery.id, alertId: delivery.alert_id, event: delivery.event, attempt: delivery.attempts };
    if (result.outcome === 'sent') {
      await this.settle(delivery, 'sent', { statusCode: result.statusCode });
      return;
    }
    if (result.outcome === 'retry' && delivery.attempts < this.schedule.maxAttempts) {
      const waitMs = Math.max(retryDelayMs(this.schedule, delivery.attempts), result.retryAfterMs ?? 0);
      this.log.warn({ ...log, error: result.error, retryInMs: waitMs }, 'alert delivery attempt failed; retrying');
      await this.settle(delivery, 'pending', { error: result.error, statusCode: result.statusCode, waitMs });
      return;
    }
    const error = result.outcome === 'retry' ? `gave up after ${delivery.attempts} attempts; last: ${result.error}` : result.error;
    this.log.error({ ...log, event: 'alert_delivery_failed', alertEvent: delivery.event, error }, 'alert delivery failed');
    await this.settle(delivery, 'failed', { error, statusCode: result.statusCode });
  }

  /** Records an attempt's outcome, only while this deliverer still holds the lease it claimed with. */
  private async settle(
    delivery: ClaimedDelivery,
    status: 'sent' | 'pending' | 'failed' | 'cancelled',
    outcome: { error?: string; statusCode?: number | undefined; waitMs?: number },
  ): Promise<void> {
    const settled = await this.pool.query(
      // A sent delivery keeps no earlier attempt's error: last_error says why it is not sent, if it is not.
      `update alert_delivery set status = $3, last_error = case when $3 = 'sent' then null else coalesce($4, last_error) end, last_status_code = coalesce($5, last_status_code),
         sent_at = case when $3 = 'sent' then now() else sent_at end,
         next_attempt_at = case when $3 = 'pending' then now() + make_interval(secs => $6::float8 / 1000) else next_attempt_at end,
         lease_token = null, updated_at = now()
       where id = $1 and lease_token = $2 and status = 'sending'`,
      [delivery.id, delivery.lease_token, status, outcome.error ?? null, outcome.statusCode ?? null, outcome.waitMs ?? 0],
    );
    if (settled.rowCount !== 1)
      this.log.warn({ deliveryId: delivery.id }, 'alert delivery lease lost before its outcome was recorded; another deliverer owns it');
  }
}
