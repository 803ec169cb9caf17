import { readFile, writeFile } from 'node:fs/promises';
import type { ResponseOf } from '@closecross/client';
import type { Command } from 'commander';
import type { Context } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { integer, list, newerRoute, oneOf, positiveNumber, type Run } from './shared.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

async function jsonFile(cx: Context, file: string): Promise<Record<string, unknown>> {
  const text =
    file === '-'
      ? await new Promise<string>((resolve, reject) => {
          let input = '';
          cx.io.stdin.setEncoding('utf8');
          cx.io.stdin.on('data', (chunk) => (input += chunk));
          cx.io.stdin.on('end', () => resolve(input));
          cx.io.stdin.on('error', reject);
        })
      : await readFile(file, 'utf8');
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('a JSON object is expected');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`, exitCodes.usage);
  }
}

function valueOf(text: string): string | number | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  return text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}

/** `name=value` pairs: a strategy's fixed parameters. */
function parameterPairs(pairs: readonly string[]): Record<string, string | number | boolean> {
  const parameters: Record<string, string | number | boolean> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--param ${JSON.stringify(pair)}: name=value is expected (e.g. period=14)`, exitCodes.usage);
    parameters[pair.slice(0, at)] = valueOf(pair.slice(at + 1));
  }
  return parameters;
}

/** `--space period=5:30:5` (min:max[:step]) or `--space side=long,short` (choices). */
export function searchSpace(entries: readonly string[]): Record<string, unknown> {
  const space: Record<string, unknown> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    const range = entry.slice(at + 1);
    if (at <= 0 || range === '') throw new CliError(`--space ${JSON.stringify(entry)}: name=min:max[:step] or name=a,b,c is expected`, exitCodes.usage);
    const bounds = range.split(':');
    if (bounds.length >= 2 && bounds.length <= 3 && bounds.every((bound) => bound !== '' && Number.isFinite(Number(bound)))) {
      const [min, max, step] = bounds.map(Number);
      space[entry.slice(0, at)] = { min, max, ...(step !== undefined ? { step } : {}) };
    } else space[entry.slice(0, at)] = { values: list(range).map(valueOf) };
  }
  return space;
}

interface BacktestResult {
  summary?: Record<string, unknown>;
  [field: string]: unknown;
}

export function strategyCommands(program: Command, run: Run): void {
  const strategies = program.command('strategies').description('Strategies: list, create, backtest, optimize');

  strategies
    .command('list')
    .description('Every strategy')
    .action(
      run(async (cx: Context) => {
        const client = cx.client();
        const { strategies: rows } = await client.unwrap(client.api.GET('/trading/strategies'));
        cx.emit(rows, () =>
          cx.table(rows, [
            { header: 'id', value: (row) => row.id },
            { header: 'name', value: (row) => row.name },
            { header: 'code', value: (row) => row.code },
            { header: 'universe', value: (row) => row.universe.join(',') },
            { header: 'approval', value: (row) => row.approval },
            { header: 'allocation', value: (row) => row.allocation },
            { header: 'enabled', value: (row) => row.enabled },
          ]),
        );
      }),
    );

  strategies
    .command('create')
    .description('Create a strategy from flags, a JSON file (--file, - for stdin), or both (flags win)')
    .option('--file <json>', 'the strategy as POST /trading/strategies takes it')
    .option('--name <name>', 'its name')
    .option('--universe <symbols>', 'comma-separated symbols with stored bars')
    .option('--code <code>', 'three_candles, rsi, moving_average_crossover, or a module of STRATEGIES_DIR')
    .option('--param <name=value>', 'a parameter of the code (repeatable)', collect, [])
    .option('--allocation <cash>', 'its capital', positiveNumber('--allocation'))
    .option('--approval <mode>', 'manual (signals wait for a person) or auto', oneOf('--approval', ['manual', 'auto'] as const))
    .option('--account <id>', 'the trading account', 'paper')
    .option('--disabled', 'create it switched off')
    .action(
      run(
        async (
          cx: Context,
          options: {
            file?: string;
            name?: string;
            universe?: string;
            code?: string;
            param: string[];
            allocation?: number;
            approval?: string;
            account: string;
            disabled?: boolean;
          },
        ) => {
          const body: Record<string, unknown> = {
            account_id: options.account,
            ...(options.file ? await jsonFile(cx, options.file) : {}),
            ...(options.name ? { name: options.name } : {}),
            ...(options.universe ? { universe: list(options.universe) } : {}),
            ...(options.code ? { code: options.code } : {}),
            ...(options.param.length > 0 ? { parameters: parameterPairs(options.param) } : {}),
            ...(options.allocation !== undefined ? { allocation: options.allocation } : {}),
            ...(options.approval ? { approval: options.approval } : {}),
            ...(options.disabled ? { enabled: false } : {}),
          };
          for (const field of ['name', 'universe', 'allocation'])
            if (body[field] === undefined) throw new CliError(`--${field} (or "${field}" in --file) is needed`, exitCodes.usage);
          const created = await cx.client().json<Record<string, unknown>>('POST', '/trading/strategies', { body });
          cx.emit(created, () =>
            cx.line(`Created strategy ${String(created.id)} (${String(created.name)}): closecross strategies backtest ${String(created.id)}`),
          );
        },
      ),
    );

  strategies
    .command('backtest <strategy-id>')
    .description('Backtest a stored strategy on the engine, as a job with its progress; prints the summary')
    .option('--start <date>', 'first day of bars, YYYY-MM-DD')
    .option('--end <date>', 'last day of bars, YYYY-MM-DD')
    .option('--starting-cash <cash>', "default: the strategy's allocation", positiveNumber('--starting-cash'))
    .option('--trades <file>', 'also save the trades as CSV')
    .option('--equity <file>', 'also save the equity curve as CSV')
    .option('--no-wait', 'answer the job id at once')
    .action(
      run(
        async (
          cx: Context,
          strategyId: string,
          options: { start?: string; end?: string; startingCash?: number; trades?: string; equity?: string; wait: boolean },
        ) => {
          const client = cx.client();
          const id = integer('strategy-id', 1)(strategyId);
          const started = await client.json<ResponseOf<'/trading/backtests', 'post'>>('POST', '/trading/backtests', {
            body: {
              strategy_id: id,
              ...(options.start ? { start: options.start } : {}),
              ...(options.end ? { end: options.end } : {}),
              ...(options.startingCash ? { starting_cash: options.startingCash } : {}),
            },
          });
          if (!options.wait) return cx.emit(started, () => cx.line(`Backtest queued: job ${started.job_id}`));
          await cx.followJob(started.job_id, `backtest strategy ${id}`);
          const backtest = await client.json<{ result?: BacktestResult }>('GET', `/trading/backtests/${started.job_id}`);
          for (const [file, suffix] of [
            [options.trades, 'trades.csv'],
            [options.equity, 'equity.csv'],
          ] as const) {
            if (!file) continue;
            await writeFile(file, await (await client.request('GET', `/trading/backtests/${started.job_id}/${suffix}`)).text());
            cx.note(`${suffix.replace('.csv', '')} written to ${file}`);
          }
          const summary = backtest.result?.summary ?? {};
          cx.emit({ job_id: started.job_id, summary }, () => {
            cx.line(`Backtest ${started.job_id} of strategy ${id}:`);
            cx.record(Object.fromEntries(Object.entries(summary).filter(([, value]) => typeof value !== 'object' || value === null)));
          });
        },
      ),
    );

  strategies
    .command('optimize <strategy-id>')
    .description("Search a strategy's parameters (trials are backtests), as a job with its progress; prints the best trials")
    .option('--space <name=range>', 'a searched parameter: name=min:max[:step] or name=a,b,c (repeatable)', collect, [])
    .option('--method <method>', 'grid, random or tpe', oneOf('--method', ['grid', 'random', 'tpe'] as const), 'grid')
    .option('--budget <n>', 'trials at most', integer('--budget', 1), 50)
    .option(
      '--objective <objective>',
      'sharpe, sortino, net_profit, calmar or profit_with_max_drawdown',
      oneOf('--objective', ['sharpe', 'sortino', 'net_profit', 'calmar', 'profit_with_max_drawdown'] as const),
      'sharpe',
    )
    .option('--start <date>', 'first day of bars, YYYY-MM-DD')
    .option('--end <date>', 'last day of bars, YYYY-MM-DD')
    .option('--seed <n>', 'random and TPE draws are reproducible from it', integer('--seed'))
    .option('--file <json>', 'the whole request as POST /trading/optimizations takes it (flags win)')
    .option('--top <n>', 'trials shown', integer('--top', 1), 10)
    .option('--no-wait', 'answer the job id at once')
    .action(
      run(
        async (
          cx: Context,
          strategyId: string,
          options: {
            space: string[];
            method: string;
            budget: number;
            objective: string;
            start?: string;
            end?: string;
            seed?: number;
            file?: string;
            top: number;
            wait: boolean;
          },
        ) => {
          const client = cx.client();
          const id = integer('strategy-id', 1)(strategyId);
          const body: Record<string, unknown> = {
            ...(options.file ? await jsonFile(cx, options.file) : {}),
            strategy_id: id,
            method: options.method,
            budget: options.budget,
            objective: options.objective,
            ...(options.space.length > 0 ? { space: searchSpace(options.space) } : {}),
            ...(options.start ? { start: options.start } : {}),
            ...(options.end ? { end: options.end } : {}),
            ...(options.seed !== undefined ? { seed: options.seed } : {}),
          };
          if (!body.space) throw new CliError('--space is needed (e.g. --space period=5:30:5)', exitCodes.usage);
          const started = await newerRoute('Optimisation', () =>
            client.json<ResponseOf<'/trading/optimizations', 'post'>>('POST', '/trading/optimizations', { body }),
          );
          if (!options.wait) return cx.emit(started, () => cx.line(`Optimisation queued: job ${started.job_id}`));
          await cx.followJob(started.job_id, `optimize strategy ${id}`);
          const outcome = await client.json<ResponseOf<'/trading/optimizations/{id}'>>('GET', `/trading/optimizations/${started.job_id}`);
          const top = (outcome.top ?? []).slice(0, options.top);
          cx.emit(outcome, () => {
            cx.line(`Optimisation ${started.job_id} of strategy ${id} (${options.method}, ${options.objective}, ${outcome.trials?.done ?? 0} trials):`);
            cx.table(top, [
              { header: 'rank', value: (trial) => trial.rank },
              { header: 'parameters', value: (trial) => trial.parameters },
              { header: options.objective, value: (trial) => trial.objective },
              { header: 'sharpe', value: (trial) => trial.figures?.sharpe },
              { header: 'net profit', value: (trial) => trial.figures?.net_profit },
              { header: 'max drawdown %', value: (trial) => trial.figures?.max_drawdown_pct },
            ]);
          });
        },
      ),
    );
}
