import { ErrorResponse } from '@closecross/platform';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Pool } from 'pg';
import { AlertHistory, type AlertView } from '../alert-history.ts';
import { ChannelStore, type ChannelInput, type ChannelStoreOptions } from '../channel-store.ts';
import { AlertListQuery, AlertViewSchema, ChannelChangeBody, ChannelCreateBody, ChannelId, ChannelViewSchema, TestBody } from './alert-schemas.ts';

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export interface AlertsRoutesOptions {
  pool: Pool;
  /** What channel creation checks against: the allowed webhook networks and the system's Telegram token. */
  channelRules: ChannelStoreOptions;
  /** Asks this task's deliverer to look now (a test message need not wait for the poll). */
  wakeDeliverer: () => void;
  /** How long POST /alerts/test waits for its deliveries to settle before answering 202. */
  testWaitMs: number;
}

const settled = (alert: AlertView) => alert.deliveries.every((delivery) => delivery.status !== 'pending' && delivery.status !== 'sending');

/** Channels with their switches (admin), the alert history (read), and a test message (admin). */
export function alertsRoutes(options: AlertsRoutesOptions): FastifyPluginAsyncTypebox {
  return async (app) => {
    const channels = new ChannelStore(options.pool, options.channelRules);
    const history = new AlertHistory(options.pool);

    app.get(
      '/alerts',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Alerts, newest first, each with its deliveries: channel, status, attempts, last error',
          querystring: AlertListQuery,
          response: { 200: Type.Object({ alerts: Type.Array(AlertViewSchema), next_before_id: Type.Union([Type.String(), Type.Null()]) }), ...errors },
        },
        config: { scope: 'read' },
      },
      async (request) => history.list(request.query),
    );

    app.get(
      '/alerts/:id',
      {
        schema: {
          tags: ['alerts'],
          summary: 'One alert with its deliveries',
          params: Type.Object({ id: Type.String({ pattern: '^\\d{1,18}$' }) }),
          response: { 200: AlertViewSchema, ...errors },
        },
        config: { scope: 'read' },
      },
      async (request) => history.get(request.params.id),
    );

    app.post(
      '/alerts/test',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Send a test message to one channel or every enabled one; 200 once sent or failed, 202 while still trying',
          body: TestBody,
          response: { 200: AlertViewSchema, 202: AlertViewSchema, ...errors },
        },
        config: { scope: 'admin' },
      },
      async (request, reply) => {
        const alertId = await history.recordTest(request.body.channel_id, request.body.text);
        options.wakeDeliverer();
        const deadline = Date.now() + options.testWaitMs;
        let alert = await history.get(alertId);
        while (!settled(alert) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          alert = await history.get(alertId);
        }
        return reply.status(settled(alert) ? 200 : 202).send(alert);
      },
    );

    app.get(
      '/alerts/channels',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Every channel with its event switches (secrets shortened)',
          response: { 200: Type.Object({ channels: Type.Array(ChannelViewSchema) }), ...errors },
        },
        config: { scope: 'admin' },
      },
      async () => ({ channels: await channels.list() }),
    );

    app.get(
      '/alerts/channels/:id',
      { schema: { tags: ['alerts'], summary: 'One channel', params: ChannelId, response: { 200: ChannelViewSchema, ...errors } }, config: { scope: 'admin' } },
      async (request) => channels.get(request.params.id),
    );

    app.post(
      '/alerts/channels',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Create a Telegram or webhook channel; events left out of `events` are on',
          body: ChannelCreateBody,
          response: { 201: ChannelViewSchema, ...errors },
        },
        config: { scope: 'admin' },
      },
      async (request, reply) => reply.status(201).send(await channels.create(request.body as ChannelInput)),
    );

    app.patch(
      '/alerts/channels/:id',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Change a channel: name, config (merged), event switches (merged), job kinds, enabled',
          params: ChannelId,
          body: ChannelChangeBody,
          response: { 200: ChannelViewSchema, ...errors },
        },
        config: { scope: 'admin' },
      },
      async (request) => channels.change(request.params.id, request.body),
    );

    app.post(
      '/alerts/channels/:id/secret',
      {
        schema: {
          tags: ['alerts'],
          summary: "Renew a webhook channel's signing secret; the answer shows the new one, the only time it is shown",
          params: ChannelId,
          response: { 200: ChannelViewSchema, ...errors },
        },
        config: { scope: 'admin' },
      },
      async (request) => channels.renewSecret(request.params.id),
    );

    app.delete(
      '/alerts/channels/:id',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Delete a channel; its unsent deliveries are cancelled',
          params: ChannelId,
          response: { 204: Type.Null(), ...errors },
        },
        config: { scope: 'admin' },
      },
      async (request, reply) => {
        await channels.remove(request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
