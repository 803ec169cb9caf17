import { JsonObject } from '@closecross/jobs';
import { defaulted } from '@closecross/platform';
import { Type, type TBoolean } from '@sinclair/typebox';
import { alertEventNames, type AlertEventName } from '../alert-events.ts';
import { deliveryStatuses } from '../alert-history.ts';
import { webhookFormats } from '../channels/channel-config.ts';

const Timestamp = Type.String({ description: 'ISO 8601, UTC' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const ChannelName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\w .@:-]+$', description: 'unique; letters, digits, space, _ . @ : -' });
export const ChannelId = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const EventSwitchesBody = Type.Record(Type.String(), Type.Boolean(), {
  description: `switches by event name, e.g. {"job_succeeded": false}; events: ${alertEventNames.join(', ')}`,
});
const JobKinds = Nullable(
  Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
    maxItems: 100,
    description: 'job kinds whose job_failed / job_succeeded this channel gets; null: every kind',
  }),
);

const ChannelConfigBody = Type.Object(
  {
    chat_id: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()])),
    bot_token: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    url: Type.Optional(Type.String({ maxLength: 2000 })),
    format: Type.Optional(Type.Union(webhookFormats.map((format) => Type.Literal(format)))),
  },
  {
    additionalProperties: false,
    description: 'telegram: chat_id and optionally bot_token (else ALERTS_TELEGRAM_BOT_TOKEN); webhook: url and format (json, slack or discord)',
  },
);

export const ChannelCreateBody = Type.Object(
  {
    name: ChannelName,
    kind: Type.Union([Type.Literal('telegram'), Type.Literal('webhook')]),
    config: ChannelConfigBody,
    events: Type.Optional(EventSwitchesBody),
    job_kinds: Type.Optional(JobKinds),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ChannelChangeBody = Type.Object(
  {
    name: Type.Optional(ChannelName),
    config: Type.Optional(ChannelConfigBody),
    events: Type.Optional(EventSwitchesBody),
    job_kinds: Type.Optional(JobKinds),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ChannelViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  config: Type.Object({
    chat_id: Type.Optional(Type.String()),
    bot_token: Type.Optional(Nullable(Type.String({ description: 'only the bot id: the secret part is never shown' }))),
    url: Type.Optional(Type.String({ description: 'origin and the last characters only' })),
    format: Type.Optional(Type.String()),
  }),
  // Every event is a key, so a client's types name the events (the dashboard lists its switches from them).
  events: Type.Object(Object.fromEntries(alertEventNames.map((name) => [name, Type.Boolean()])) as Record<AlertEventName, TBoolean>, {
    description: 'on or off, for every event',
  }),
  job_kinds: JobKinds,
  enabled: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
  secret: Type.Optional(
    Type.String({
      description:
        "a webhook's signing secret (HMAC-SHA256 key of X-Closecross-Signature): only in the answer that creates the channel or renews its secret; never shown again",
    }),
  ),
});

export const DeliveryViewSchema = Type.Object({
  id: Type.String({ description: 'the delivery id: Idempotency-Key / X-Closecross-Delivery of webhooks, the last line of a Telegram message' }),
  channel_id: Nullable(Type.String()),
  channel_name: Type.String(),
  status: Type.Union(deliveryStatuses.map((status) => Type.Literal(status))),
  attempts: Type.Integer(),
  last_error: Nullable(Type.String()),
  last_status_code: Nullable(Type.Integer()),
  next_attempt_at: Nullable(Timestamp),
  sent_at: Nullable(Timestamp),
  updated_at: Timestamp,
});

export const AlertViewSchema = Type.Object({
  id: Type.String(),
  event: Type.String(),
  payload: JsonObject({ description: 'what the event says, by event' }),
  created_at: Timestamp,
  deliveries: Type.Array(DeliveryViewSchema),
});

export const AlertListQuery = Type.Object({
  limit: defaulted(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  before_id: Type.Optional(Type.String({ pattern: '^\\d{1,18}$', description: "the previous page's next_before_id" })),
  event: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(Type.Union(deliveryStatuses.map((status) => Type.Literal(status)))),
  channel_id: Type.Optional(Type.String({ format: 'uuid' })),
});

export const TestBody = Type.Object(
  {
    channel_id: Type.Optional(Type.String({ format: 'uuid', description: 'one channel; absent: every enabled channel' })),
    text: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
