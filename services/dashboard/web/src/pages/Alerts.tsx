import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError, unwrap } from '../api/client';
import { Field, FormError } from '../components/Field';
import { ErrorNote, QueryState } from '../components/QueryState';
import { QueryTable } from '../components/QueryTable';
import { alertEvents, alertSummary, deliverySummary, eventLabel } from '../lib/alerts';
import { apiErrorsFor, type FieldErrors } from '../lib/field-errors';
import { formatDateTime } from '../lib/format';
import { can } from '../lib/permissions';
import { useMe } from '../session';

/** What was alerted and how each delivery went (anyone); channels, their event switches and a test message (admins). */
export default function Alerts() {
  const me = useMe();
  const [event, setEvent] = useState('');
  const alerts = useQuery({
    queryKey: ['alerts', 'page', event],
    queryFn: () => unwrap(api.GET('/alerts', { params: { query: { limit: 50, ...(event ? { event } : {}) } } })),
    refetchInterval: 10_000,
  });
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      {can(me, 'admin') ? <Channels /> : <p className="muted">Channels and their switches are set by an admin.</p>}
      <h2>Latest alerts</h2>
      <div className="row">
        <label>
          Event
          <select value={event} onChange={(change) => setEvent(change.target.value)}>
            <option value="">every event</option>
            {[...alertEvents, 'test'].map((name) => (
              <option key={name} value={name}>
                {eventLabel(name)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryTable
        query={alerts}
        rows={(data) => data.alerts}
        empty="No alert yet."
        testId="alerts"
        headers={['When', 'Event', 'What', 'Deliveries']}
        row={(alert) => (
          <tr key={alert.id}>
            <td>{formatDateTime(alert.created_at)}</td>
            <td>{eventLabel(alert.event, alert.payload)}</td>
            <td>{alertSummary(alert.event, alert.payload)}</td>
            <td>{deliverySummary(alert.deliveries)}</td>
          </tr>
        )}
      />
    </section>
  );
}

type Channel = NonNullable<Awaited<ReturnType<typeof listChannels>>>['channels'][number];
const listChannels = () => unwrap(api.GET('/alerts/channels'));

/**
 * Every channel as a column of switches, one row per event; each switch saves at once. Switches
 * follow the click in the page and are keyed by the stored value, so the stored one wins when it differs.
 */
function Channels() {
  const client = useQueryClient();
  const channels = useQuery({ queryKey: ['alert-channels'], queryFn: listChannels });
  const refresh = () => client.invalidateQueries({ queryKey: ['alert-channels'] });
  const change = useMutation({
    mutationFn: ({ id, body }: { id: string; body: { events?: Record<string, boolean>; enabled?: boolean } }) =>
      unwrap(api.PATCH('/alerts/channels/{id}', { params: { path: { id } }, body })),
    // The switch moves at once (the cached channel changed ahead of the answer); a refusal puts it back on refresh.
    onMutate: async ({ id, body }) => {
      await client.cancelQueries({ queryKey: ['alert-channels'] });
      client.setQueryData<{ channels: Channel[] }>(
        ['alert-channels'],
        (data) =>
          data && {
            channels: data.channels.map((channel) =>
              channel.id === id ? { ...channel, enabled: body.enabled ?? channel.enabled, events: { ...channel.events, ...body.events } } : channel,
            ),
          },
      );
    },
    onSettled: refresh,
  });
  const remove = useMutation({ mutationFn: (id: string) => unwrap(api.DELETE('/alerts/channels/{id}', { params: { path: { id } } })), onSettled: refresh });
  const [testResult, setTestResult] = useState<string | null>(null);
  const test = useMutation({
    mutationFn: (channel: Channel) =>
      unwrap(api.POST('/alerts/test', { body: { channel_id: channel.id, text: `Test from the Closecross dashboard to ${channel.name}` } })),
    onMutate: () => setTestResult(null),
    onSuccess: (alert) => {
      setTestResult(`Test message: ${deliverySummary(alert.deliveries)}.`);
      void client.invalidateQueries({ queryKey: ['alerts'] });
    },
  });
  return (
    <>
      <h2>Channels</h2>
      <QueryState
        query={channels}
        isEmpty={(data) => data.channels.length === 0}
        empty="No channel: alerts are kept here but sent nowhere. Add a Telegram chat or a webhook below."
      >
        {(data) => (
          <table data-testid="alert-channels">
            <thead>
              <tr>
                <th scope="col">Event</th>
                {data.channels.map((channel) => (
                  <th scope="col" key={channel.id}>
                    {channel.name}{' '}
                    <span className="muted">
                      ({channel.kind}: {channel.config.chat_id ?? channel.config.url ?? '—'}
                      {channel.config.format ? `, ${channel.config.format}` : ''})
                    </span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">channel on</th>
                {data.channels.map((channel) => (
                  <td key={channel.id}>
                    <input
                      key={String(channel.enabled)}
                      type="checkbox"
                      aria-label={`${channel.name} enabled`}
                      defaultChecked={channel.enabled}
                      onChange={(event) => change.mutate({ id: channel.id, body: { enabled: event.target.checked } })}
                    />
                  </td>
                ))}
              </tr>
              {alertEvents.map((name) => (
                <tr key={name}>
                  <th scope="row">{eventLabel(name)}</th>
                  {data.channels.map((channel) => (
                    <td key={channel.id}>
                      <input
                        key={String(channel.events[name] ?? false)}
                        type="checkbox"
                        aria-label={`${eventLabel(name)} to ${channel.name}`}
                        defaultChecked={channel.events[name] ?? false}
                        onChange={(event) => change.mutate({ id: channel.id, body: { events: { [name]: event.target.checked } } })}
                      />
                    </td>
                  ))}
                </tr>
              ))}
              <tr>
                <th scope="row">
                  <span className="visually-hidden">Actions</span>
                </th>
                {data.channels.map((channel) => (
                  <td key={channel.id}>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`Send a test message to ${channel.name}`}
                      disabled={test.isPending}
                      onClick={() => test.mutate(channel)}
                    >
                      Send test
                    </button>{' '}
                    <button
                      type="button"
                      className="link"
                      aria-label={`Delete channel ${channel.name}`}
                      onClick={() => window.confirm(`Delete the channel ${channel.name}? Its unsent deliveries are cancelled.`) && remove.mutate(channel.id)}
                    >
                      Delete
                    </button>
                  </td>
                ))}
              </tr>
            </tbody>
          </table>
        )}
      </QueryState>
      {test.isPending && <p role="status">Sending the test message…</p>}
      {testResult && <p role="status">{testResult}</p>}
      {[change, remove, test].map((mutation, index) => mutation.isError && <ErrorNote key={index} error={mutation.error} />)}
      <NewChannel />
    </>
  );
}

function NewChannel() {
  const client = useQueryClient();
  const [kind, setKind] = useState<'telegram' | 'webhook'>('webhook');
  const [errors, setErrors] = useState<FieldErrors>({});
  const fields = ['name', 'config.url', 'config.chat_id', 'config.bot_token', 'config.format'];
  const create = useMutation({
    mutationFn: (body: { name: string; kind: 'telegram' | 'webhook'; config: Record<string, string> }) => unwrap(api.POST('/alerts/channels', { body })),
    onSuccess: () => setErrors({}),
    onError: (error) => setErrors(apiErrorsFor(error instanceof ApiError ? error.message : String(error), fields)),
    onSettled: () => client.invalidateQueries({ queryKey: ['alert-channels'] }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const element = event.currentTarget;
    const form = new FormData(element);
    const value = (name: string) => String(form.get(name) ?? '').trim();
    const found: FieldErrors = {};
    if (!/^[\w .@:-]{1,100}$/.test(value('name'))) found.name = 'A name: letters, digits, space, _ . @ : -';
    if (kind === 'webhook' && !/^https?:\/\/\S+$/.test(value('config.url'))) found['config.url'] = 'An http(s) URL.';
    if (kind === 'telegram' && !/^-?\d+$|^@\w+$/.test(value('config.chat_id')))
      found['config.chat_id'] = 'A chat id (digits, negative for groups) or @channel.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const config: Record<string, string> =
      kind === 'webhook'
        ? { url: value('config.url'), format: value('config.format') }
        : { chat_id: value('config.chat_id'), ...(value('config.bot_token') ? { bot_token: value('config.bot_token') } : {}) };
    create.mutate({ name: value('name'), kind, config }, { onSuccess: () => element.reset() });
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="new-channel" noValidate>
      <h2 id="new-channel">New channel</h2>
      <div className="row">
        <Field label="Channel name" name="name" errors={errors}>
          {(props) => <input {...props} autoComplete="off" />}
        </Field>
        <label>
          Kind
          <select value={kind} onChange={(event) => setKind(event.target.value as 'telegram' | 'webhook')}>
            <option value="webhook">webhook</option>
            <option value="telegram">Telegram</option>
          </select>
        </label>
        {kind === 'webhook' ? (
          <>
            <Field label="Webhook URL" name="config.url" errors={errors} className="wide">
              {(props) => <input {...props} type="url" placeholder="https://hooks.slack.com/…" autoComplete="off" />}
            </Field>
            <Field label="Body" name="config.format" errors={errors}>
              {(props) => (
                <select {...props} defaultValue="json">
                  <option value="json">JSON</option>
                  <option value="slack">Slack</option>
                  <option value="discord">Discord</option>
                </select>
              )}
            </Field>
          </>
        ) : (
          <>
            <Field label="Chat id" name="config.chat_id" errors={errors}>
              {(props) => <input {...props} autoComplete="off" />}
            </Field>
            <Field label="Bot token" name="config.bot_token" errors={errors} hint="empty: the service's ALERTS_TELEGRAM_BOT_TOKEN">
              {(props) => <input {...props} type="password" autoComplete="off" />}
            </Field>
          </>
        )}
        <button type="submit" disabled={create.isPending}>
          Add channel
        </button>
      </div>
      <p className="muted">A new channel gets every event; switch off the ones it should not get above.</p>
      <FormError errors={errors} />
      {create.isSuccess && <p role="status">Added {create.data.name}.</p>}
    </form>
  );
}
