// Training, backtests and optimisations run real jobs: on a shared two-core machine they get minutes, not the suite default.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sharedDataPath } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunningSystem, type RunningSystem } from '../../client/test/running-system.ts';
import { runCli } from './run-cli.ts';

const auctionRows = sharedDataPath('data/optiver/train_sample_krithiktoure.csv')!;
const aaplDaily = sharedDataPath('data/daily/AAPL.csv')!;
let system: RunningSystem;
let scratch: string;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  system = await startRunningSystem();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'closecross-cli-research-'));
  env = { CLOSECROSS_URL: system.url, CLOSECROSS_API_KEY: system.apiKey, CLOSECROSS_CONFIG: path.join(scratch, 'config.json') };
});
afterAll(async () => {
  await system?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('closecross data, models, risk and strategies against a running system', () => {
  it('data load stores the real auction rows in batches, data export rows reads them back as CSV and JSON', async () => {
    const load = await cli('data', 'load', auctionRows, '--batch', '5000', '--json');
    expect(load.code, load.stderr).toBe(0);
    expect(load.json()).toMatchObject({ received: 19_999, written: 19_999, requests: 4, committed: true });
    // Progress goes to stderr, line by line off a terminal.
    expect(load.stderr).toMatch(/load: 2303646\/2303646 bytes 19999 rows/);

    const again = await cli('data', 'load', auctionRows, '--json', '-q');
    expect(again.json()).toMatchObject({ received: 19_999, written: 0 });
    expect(again.stderr).toBe('');

    const csv = await cli('data', 'export', 'rows', '--date-id', '1', '--stock-id', '3');
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    const expected = (await readFile(auctionRows, 'utf8')).split('\n').filter((line) => /^3,1,/.test(line));
    expect(lines).toHaveLength(expected.length + 1);
    expect(lines[0]).toMatch(/^stock_id,date_id,seconds_in_bucket,/);
    const json = await cli('data', 'export', 'rows', '--date-id', '1', '--stock-id', '3', '--json');
    const rows = json.json<{ row_id: string; wap: number }[]>();
    expect(rows.map((row) => row.row_id).sort()).toEqual(expected.map((line) => line.split(',')[16]!.trim()).sort());
  }, 180_000);

  it('data replay sends a file bucket by bucket', async () => {
    const file = path.join(scratch, 'replay.csv');
    const [header, ...body] = (await readFile(auctionRows, 'utf8')).split('\n');
    // The first three buckets of day 0 (200 stocks each at most), renumbered as day 40.
    const firstBuckets = body.filter((line) => /^\d+,0,(0|10|20),/.test(line)).map((line) => line.replace(/^(\d+),0,/, '$1,40,'));
    await writeFile(file, [header, ...firstBuckets].join('\n'));
    const replay = await cli('data', 'replay', file, '--json');
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.json()).toMatchObject({ buckets: 3, received: firstBuckets.length, written: firstBuckets.length });
  });

  it('data bars import takes a Yahoo daily CSV (symbol from the file name); data export bars gives them back', async () => {
    const imported = await cli('data', 'bars', 'import', aaplDaily, '--json');
    expect(imported.code, imported.stderr).toBe(0);
    const lines = (await readFile(aaplDaily, 'utf8')).trim().split('\n').length - 1;
    expect(imported.json()).toMatchObject({ symbol: 'AAPL', kind: 'daily', received: lines, written: lines });
    const exported = await cli('data', 'export', 'bars', 'AAPL', '--start', '2021-08-02', '--end', '2021-08-06');
    expect(exported.stdout.trim().split('\n')).toHaveLength(6);
    expect(exported.stdout).toMatch(/^date,open,high,low,close/);
  });

  it('models train, infer, download (predictions and artifact), predict reproduces the download, report', async () => {
    const trained = await cli('models', 'train', 'cli-model', '--start-date-id', '0', '--end-date-id', '1', '--rounds', '5', '--folds', '1', '--json');
    expect(trained.code, trained.stderr).toBe(0);
    const { model_id: modelId } = trained.json<{ model_id: number }>();
    expect(trained.stderr).toMatch(/train cli-model: 100% succeeded/);

    const inferred = await cli('models', 'infer', String(modelId), '--date-id', '1', '--json', '-q');
    expect(inferred.code, inferred.stderr).toBe(0);
    const { inference_id: inferenceId, rows } = inferred.json<{ inference_id: number; rows: number }>();
    expect(rows).toBe(9_494);

    const out = path.join(scratch, 'predictions.csv');
    const download = await cli('models', 'download', 'predictions', String(inferenceId), '--out', out);
    expect(download.code, download.stderr).toBe(0);
    const downloaded = (await readFile(out, 'utf8')).trim().split('\n');
    expect(downloaded[0]).toBe('row_id,stock_id,seconds_in_bucket,prediction,target');
    expect(downloaded).toHaveLength(9_495);
    const asJson = (await cli('models', 'download', 'predictions', String(inferenceId), '--json')).json<{
      predictions: { row_id: string; prediction: number }[];
    }>();
    expect(asJson.predictions).toHaveLength(9_494);

    // /predict on a few of the day's rows gives the predictions the inference stored.
    const [header, ...body] = (await readFile(auctionRows, 'utf8')).split('\n');
    const few = body.filter((line) => /^\d+,1,/.test(line)).slice(0, 25);
    const fewFile = path.join(scratch, 'few.csv');
    await writeFile(fewFile, [header, ...few].join('\n'));
    const predicted = (await cli('models', 'predict', String(modelId), fewFile, '--json')).json<{ row_id: string; prediction: number }[]>();
    const stored = new Map(asJson.predictions.map((row) => [row.row_id, row.prediction]));
    expect(predicted).toHaveLength(25);
    for (const row of predicted) expect(row.prediction).toBeCloseTo(stored.get(row.row_id)!, 5);

    const artifact = await cli('models', 'download', 'artifact', String(modelId));
    expect(JSON.parse(artifact.stdout)).toHaveProperty('learner');

    const report = (await cli('models', 'report', String(modelId), '--json')).json<{ model_id: number; validation_mae: number; zero_mae: number }>();
    expect(report).toMatchObject({ model_id: modelId });
    expect(report.validation_mae).toBeGreaterThan(0);
    const listed = await cli('models', 'list');
    expect(listed.stdout).toMatch(new RegExp(`│ ${modelId}\\s+│ cli-model`));
  }, 180_000);

  it('risk analyse runs the reference flow on AAPL and gives the chart URL of this server', async () => {
    const analysed = await cli('risk', 'analyse', '--symbol', 'AAPL', '--shots', '2000', '--side', 'buy', '--seed', '5', '--json');
    expect(analysed.code, analysed.stderr).toBe(0);
    const result = analysed.json<{ chart_url: string; averages: { var95: number; var99: number }; total_profit_loss: { profit_loss: number } }>();
    expect(result.chart_url.startsWith(`${system.url}/chart`)).toBe(true);
    expect(result.averages.var99).toBeLessThan(result.averages.var95);
    expect(result.averages.var95).toBeLessThan(0);
    expect(typeof result.total_profit_loss.profit_loss).toBe('number');
  });

  it('strategies create, list and backtest (summary, trades and equity CSVs); optimize ranks its trials', async () => {
    const created = await cli('strategies', 'create', '--name', 'aapl-3c', '--universe', 'AAPL', '--code', 'three_candles', '--allocation', '100000', '--json');
    expect(created.code, created.stderr).toBe(0);
    const strategyId = created.json<{ id: number }>().id;
    expect((await cli('strategies', 'list', '--json')).json<{ id: number; name: string }[]>()).toEqual([
      expect.objectContaining({ id: strategyId, name: 'aapl-3c' }),
    ]);

    const trades = path.join(scratch, 'trades.csv');
    const equity = path.join(scratch, 'equity.csv');
    const backtest = await cli('strategies', 'backtest', String(strategyId), '--trades', trades, '--equity', equity, '--json');
    expect(backtest.code, backtest.stderr).toBe(0);
    const summary = backtest.json<{ summary: { bars: number; startingCash: number } }>().summary;
    expect(summary).toMatchObject({ bars: (await readFile(aaplDaily, 'utf8')).trim().split('\n').length - 1, startingCash: 100_000 });
    expect((await readFile(trades, 'utf8')).split('\n')[0]).toMatch(/^symbol,direction,quantity,/);
    expect((await readFile(equity, 'utf8')).split('\n')[0]).toBe('time,equity,drawdown,exposure');

    const optimize = await cli(
      'strategies',
      'optimize',
      String(strategyId),
      '--space',
      'body=0.005:0.02:0.005',
      '--method',
      'grid',
      '--budget',
      '4',
      '--objective',
      'net_profit',
      '--json',
    );
    expect(optimize.code, optimize.stderr).toBe(0);
    const outcome = optimize.json<{ trials: { done: number }; best: { parameters: { body: number } }; top: { rank: number }[] }>();
    expect(outcome.trials.done).toBe(4);
    expect(outcome.top.map((trial) => trial.rank)).toEqual([1, 2, 3, 4]);
    expect([0.005, 0.01, 0.015, 0.02]).toContain(outcome.best.parameters.body);
    expect(optimize.stderr).toMatch(/optimize strategy \d+: 100% succeeded/);
  }, 180_000);
});
