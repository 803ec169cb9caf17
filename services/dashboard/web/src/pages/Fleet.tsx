import type { ResponseOf } from '@closecross/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { ErrorNote, QueryState } from '../components/QueryState';
import { QueryTable } from '../components/QueryTable';
import { formatAge, formatDateTime, formatNumber } from '../lib/format';
import { progressLabel, type JobView } from '../lib/jobs';
import { can, cancelScopeOf } from '../lib/permissions';
import { useMe } from '../session';

/** Workers of every kind, the ingestor's lag and rejects, schedules, and recent jobs. */
export default function Fleet() {
  const me = useMe();
  const client = useQueryClient();
  const workers = useQuery({ queryKey: ['workers'], queryFn: () => unwrap(api.GET('/workers')), refetchInterval: 5_000 });
  const ingest = useQuery({ queryKey: ['ingest-status'], queryFn: () => unwrap(api.GET('/ingest/status')), refetchInterval: 5_000 });
  const schedules = useQuery({ queryKey: ['schedules'], queryFn: () => unwrap(api.GET('/schedules')) });
  const jobs = useQuery({
    queryKey: ['jobs', 'recent'],
    queryFn: () => unwrap(api.GET('/jobs', { params: { query: { limit: 25 } } })),
    refetchInterval: 3_000,
  });
  const cancel = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/jobs/{id}/cancel', { params: { path: { id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: ['jobs'] }),
  });
  const toggle = useMutation({
    // PUT takes a schedule's params back as GET /schedules answered them (the same JSON object type).
    mutationFn: (schedule: ResponseOf<'/schedules'>['schedules'][number]) =>
      unwrap(
        api.PUT('/schedules/{name}', {
          params: { path: { name: schedule.name } },
          body: {
            kind: schedule.kind,
            cron: schedule.cron,
            timezone: schedule.timezone,
            trading_days_only: schedule.trading_days_only,
            params: schedule.params,
            enabled: !schedule.enabled,
          },
        }),
      ),
    onSettled: () => client.invalidateQueries({ queryKey: ['schedules'] }),
  });

  return (
    <section aria-labelledby="fleet-title">
      <h1 id="fleet-title">Fleet</h1>
      <h2>Workers</h2>
      <QueryTable
        query={workers}
        rows={(data) => data.workers}
        empty="No worker has registered."
        headers={['Kind', 'Host / pid', 'Live', 'Heartbeat', 'Load', 'Holds']}
        row={(worker) => (
          <tr key={worker.id}>
            {/* Job runners of one process differ only by the kinds they run (their pool). */}
            <td>{worker.kind === 'jobs' && worker.pool ? `jobs (${worker.pool.split(',').join(', ')})` : worker.kind}</td>
            <td>
              {worker.host} / {worker.pid}
            </td>
            <td>{worker.live ? 'yes' : 'no'}</td>
            <td>{formatAge(worker.heartbeat_age_ms)}</td>
            <td>{formatNumber(worker.load)}</td>
            <td>{worker.holds.join(', ') || '—'}</td>
          </tr>
        )}
      />

      <h2>Ingestion</h2>
      <QueryState query={ingest}>
        {(status) => (
          <>
            <p>
              {status.running ? 'Consuming' : 'Not consuming'} <code>{status.stream}</code>: {formatNumber(status.rowsPerSecond)} rows/s,{' '}
              {formatNumber(status.rowsWritten, 0)} rows written, <strong>{status.rejects}</strong> rejects ({status.table.rejects} stored),{' '}
              {status.correctedRowIds} corrected row ids.
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">Shard</th>
                  <th scope="col">Held here</th>
                  <th scope="col">Lag (ms behind)</th>
                  <th scope="col">Rows</th>
                  <th scope="col">Rejects</th>
                </tr>
              </thead>
              <tbody>
                {status.shards.map((shard) => (
                  <tr key={shard.shardId}>
                    <td>{shard.shardId}</td>
                    <td>{shard.held ? 'yes' : 'no'}</td>
                    <td>{formatNumber(shard.millisBehindLatest, 0)}</td>
                    <td>{formatNumber(shard.rowsWritten, 0)}</td>
                    <td>{shard.rejects}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </QueryState>

      <h2>Schedules</h2>
      {toggle.isError && <ErrorNote error={toggle.error} />}
      <QueryTable
        query={schedules}
        rows={(data) => data.schedules}
        empty="No schedule."
        headers={['Name', 'Kind', 'Cron', 'Next run', 'Last tick', 'Enabled']}
        row={(schedule) => (
          <tr key={schedule.name}>
            <td>{schedule.name}</td>
            <td>{schedule.kind}</td>
            <td>
              <code>{schedule.cron}</code> {schedule.timezone}
              {schedule.trading_days_only ? ' (trading days)' : ''}
            </td>
            <td>{formatDateTime(schedule.next_run)}</td>
            <td>{formatDateTime(schedule.last_tick)}</td>
            <td>
              {can(me, 'admin') ? (
                <button type="button" onClick={() => toggle.mutate(schedule)}>
                  {schedule.enabled ? 'Pause' : 'Resume'}
                </button>
              ) : schedule.enabled ? (
                'yes'
              ) : (
                'paused'
              )}
            </td>
          </tr>
        )}
      />

      <h2>Recent jobs</h2>
      {cancel.isError && <ErrorNote error={cancel.error} />}
      <QueryState query={jobs} isEmpty={(data) => data.jobs.length === 0} empty="No job yet.">
        {(data) => (
          <JobsTable
            jobs={data.jobs as unknown as (JobView & { kind: string; created_at: string; created_by: string | null })[]}
            canCancel={(kind) => can(me, cancelScopeOf(kind))}
            onCancel={(id) => cancel.mutate(id)}
          />
        )}
      </QueryState>
    </section>
  );
}

export function JobsTable({
  jobs,
  canCancel,
  onCancel,
}: {
  jobs: (JobView & { kind: string; created_at: string; created_by: string | null })[];
  canCancel: (kind: string) => boolean;
  onCancel: (id: string) => void;
}) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Status</th>
          <th scope="col">Created</th>
          <th scope="col">By</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id}>
            <td>{job.kind}</td>
            <td>
              <span className={`status status-${job.status}`}>{job.status}</span> {job.status === 'running' ? progressLabel(job) : (job.error ?? '')}
            </td>
            <td>{formatDateTime(job.created_at)}</td>
            <td>{job.created_by ?? '—'}</td>
            <td>
              {(job.status === 'queued' || job.status === 'running') && canCancel(job.kind) && (
                <button type="button" onClick={() => onCancel(job.id)}>
                  Cancel
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
