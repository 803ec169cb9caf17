import type { ResponseOf } from '@closecross/client';
import type { Command } from 'commander';
import type { Context } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { integer, oneOf, type Run } from './shared.ts';

export function operationCommands(program: Command, run: Run): void {
  const risk = program.command('risk').description('Value at risk of the trading signals');
  risk
    .command('analyse')
    .alias('analyze')
    .description('The reference flow: warm up the compute, run the analysis, print VaR 95/99, the P&L and the chart URL')
    .option('--symbol <symbol>', 'whose bars (stored first with data bars import)', 'NVDA')
    .option('--history <h>', 'closes before the signal day used for mean and std', integer('--history', 1), 101)
    .option('--shots <d>', 'Monte Carlo draws per resource', integer('--shots', 1), 10_000)
    .option('--side <t>', 'buy or sell', oneOf('--side', ['buy', 'sell'] as const), 'sell')
    .option('--days <p>', 'days after the signal at which profit or loss is taken', integer('--days', 1), 7)
    .option('--service <s>', 'compute: local, lambda or ecs', 'local')
    .option('--resources <r>', 'parallel compute resources', integer('--resources', 1), 1)
    .option('--start <date>', 'first day, YYYY-MM-DD')
    .option('--end <date>', 'last day, YYYY-MM-DD')
    .option('--seed <n>', 'the draws are reproducible from it', integer('--seed'))
    .action(
      run(
        async (
          cx: Context,
          options: {
            symbol: string;
            history: number;
            shots: number;
            side: string;
            days: number;
            service: string;
            resources: number;
            start?: string;
            end?: string;
            seed?: number;
          },
        ) => {
          const client = cx.client();
          const bar = cx.progress('risk', 4, 'steps');
          try {
            bar.update(0, `warming up ${options.resources} ${options.service} resource(s)`);
            await client.json('POST', '/warmup', { body: { s: options.service, r: options.resources } });
            // Warm-up of lambda or ecs takes a while; local is at once. Bounded: two minutes.
            for (let waited = 0; ; waited++) {
              const ready = await client.json<ResponseOf<'/scaled_ready'>>('GET', '/scaled_ready');
              if (ready.warm === 'true') break;
              if (waited >= 120) throw new CliError('the compute did not warm up within two minutes (GET /scaled_ready stays "false")', exitCodes.tryLater);
              await new Promise((resolve) => setTimeout(resolve, 1_000));
            }
            bar.update(0.25, 'analysing');
            await client.json('POST', '/analyse', {
              body: {
                h: options.history,
                d: options.shots,
                t: options.side,
                p: options.days,
                symbol: options.symbol,
                ...(options.start ? { start: options.start } : {}),
                ...(options.end ? { end: options.end } : {}),
                ...(options.seed !== undefined ? { seed: options.seed } : {}),
              },
            });
            bar.update(0.75, 'reading the results');
            const [averages, total, chart, cost] = await Promise.all([
              client.json<ResponseOf<'/get_avg_vars9599'>>('GET', '/get_avg_vars9599'),
              client.json<ResponseOf<'/get_tot_profit_loss'>>('GET', '/get_tot_profit_loss'),
              client.json<ResponseOf<'/get_chart_url'>>('GET', '/get_chart_url'),
              client.json<ResponseOf<'/get_time_cost'>>('GET', '/get_time_cost'),
            ]);
            bar.update(1, 'done');
            bar.stop();
            cx.emit({ symbol: options.symbol, averages, total_profit_loss: total, chart_url: chart.url, time_cost: cost }, () =>
              cx.record({
                symbol: options.symbol,
                'average var95': averages.var95,
                'average var99': averages.var99,
                'total profit/loss': total.profit_loss,
                'billable ms': cost.billable_time,
                'cost USD': cost.cost,
                chart: chart.url,
              }),
            );
          } finally {
            bar.stop();
          }
        },
      ),
    );

  const alerts = program.command('alerts').description('Alerts and their channels');
  alerts
    .command('test')
    .description('Send a test message to one channel, or every enabled one')
    .option('--channel-id <id>', 'one channel')
    .option('--text <text>', 'the message')
    .action(
      run(async (cx: Context, options: { channelId?: string; text?: string }) => {
        const client = cx.client();
        const alert = await client.unwrap(
          client.api.POST('/alerts/test', {
            body: { ...(options.channelId ? { channel_id: options.channelId } : {}), ...(options.text ? { text: options.text } : {}) },
          }),
        );
        cx.emit(alert, () => {
          cx.line(`Test alert ${alert.id}:`);
          cx.table(
            alert.deliveries as Record<string, unknown>[],
            ['channel_name', 'status', 'attempts', 'last_error'].map((field) => ({ header: field, value: (row: Record<string, unknown>) => row[field] })),
            '(no enabled channel)',
          );
        });
      }),
    );

  const jobs = program.command('jobs').description('Jobs of every kind: list, watch, cancel');
  jobs
    .command('list')
    .description('Jobs, newest first')
    .option('--kind <kind>', 'train, inference, risk-analysis, backtest...')
    .option('--status <status>', 'queued, running, succeeded, failed, cancelled')
    .option('--limit <n>', 'at most', integer('--limit', 1), 20)
    .action(
      run(async (cx: Context, options: { kind?: string; status?: string; limit: number }) => {
        const answer = await cx
          .client()
          .json<{ jobs: Record<string, unknown>[] }>('GET', '/jobs', { query: { kind: options.kind, status: options.status, limit: options.limit } });
        cx.emit(answer.jobs, () =>
          cx.table(
            answer.jobs,
            ['id', 'kind', 'status', 'stage', 'progress', 'created_by', 'created_at', 'error'].map((field) => ({
              header: field,
              value: (row: Record<string, unknown>) => row[field],
            })),
          ),
        );
      }),
    );
  jobs
    .command('watch <job-id>')
    .description('Follow a job to its end with a progress bar (exit 8 when it fails or is cancelled)')
    .action(
      run(async (cx: Context, jobId: string) => {
        const job = await cx.followJob(jobId, `job ${jobId.slice(0, 8)}`);
        cx.emit(job, () => cx.record({ id: job.id, kind: job.kind, status: job.status, stage: job.stage, result: job.result }));
      }),
    );
  jobs
    .command('cancel <job-id>')
    .description('Cancel a job (a running one is stopped)')
    .action(
      run(async (cx: Context, jobId: string) => {
        const job = await cx.client().json<{ id: string; status: string; cancel_requested: boolean }>('POST', `/jobs/${encodeURIComponent(jobId)}/cancel`);
        cx.emit(job, () => cx.line(`Job ${job.id}: ${job.status}${job.cancel_requested ? ' (cancel requested)' : ''}`));
      }),
    );
}
