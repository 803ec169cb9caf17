/**
 * examples/python against a running system: every service mounted in one process (as `pnpm start`
 * does) on the suite's PostgreSQL, listening on loopback, real AAPL bars and real auction rows,
 * and an API key made through the API with only the scopes the scripts use. Each script runs in
 * Debian's Python (python3-requests, -pandas, -matplotlib, -xgboost); what it printed and wrote is
 * checked against what the API answers.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceModules } from '@closecross/local-system';
import { createService, type Service } from '@closecross/platform';
import {
  createTestDatabase,
  sharedDataPath,
  spawnCommand,
  startKinesisEmulator,
  waitFor,
  type KinesisEmulator,
  type TestDatabase,
} from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const examples = fileURLToPath(new URL('../../examples/python/', import.meta.url));
const dailyFolder = sharedDataPath('data/daily');
const optiverFolder = sharedDataPath('data/optiver');
// Debian's packages install for Debian's interpreter; a python3 earlier on PATH (pyenv, a venv) may lack them.
const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const debianPackages = 'python3-requests python3-pandas python3-matplotlib python3-xgboost python3-nbconvert python3-ipykernel';
const adminKey = `python-examples-admin-${'x'.repeat(32)}`;

let database: TestDatabase;
let kinesis: KinesisEmulator;
let workDir: string;
let app: Service;
let base: string;
let key: string;

const auth = () => ({ authorization: `Bearer ${key}` });
async function getJson(route: string): Promise<any> {
  const response = await fetch(`${base}${route}`, { headers: auth() });
  if (response.status !== 200) throw new Error(`GET ${route} answered ${response.status}: ${await response.text()}`);
  return response.json();
}
async function getText(route: string): Promise<string> {
  const response = await fetch(`${base}${route}`, { headers: auth() });
  if (response.status !== 200) throw new Error(`GET ${route} answered ${response.status}: ${await response.text()}`);
  return response.text();
}
async function post(route: string, body: string | object, contentType = 'application/json'): Promise<any> {
  const response = await fetch(`${base}${route}`, {
    method: 'POST',
    headers: { ...auth(), 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`POST ${route} answered ${response.status}: ${await response.text()}`);
  return response.json();
}
async function finishedJob(id: string, timeoutMs: number): Promise<any> {
  let job: any;
  await waitFor(async () => ['succeeded', 'failed', 'cancelled'].includes((job = await getJson(`/jobs/${id}`)).status), timeoutMs, `job ${id}`);
  return job;
}

/** Runs one example script in its folder with the system's URL and the key; answers its exit code and output. */
async function runExample(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const run = spawnCommand(
    python,
    [script, ...args],
    { CLOSECROSS_URL: base, CLOSECROSS_KEY: key, PYTHONDONTWRITEBYTECODE: '1', MPLCONFIGDIR: path.join(workDir, 'matplotlib') },
    examples,
  );
  const code = await run.exited;
  return { code, output: run.output() };
}

/** A CSV with a header into objects of strings (the files here have no quoted cells). */
function csvObjects(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, index) => [names[index]!, cell])));
}
const numberOrNull = (cell: string | undefined) => (cell === undefined || cell === '' ? null : Number(cell));

/** The competition's auction rows as the API takes them (empty cells are nulls). */
function auctionRowsOf(csv: string, dateIds: number[]) {
  const integers = new Set(['stock_id', 'date_id', 'seconds_in_bucket', 'imbalance_buy_sell_flag', 'time_id']);
  return csvObjects(csv)
    .filter((row) => dateIds.includes(Number(row.date_id)))
    .map((row) =>
      Object.fromEntries(Object.entries(row).map(([name, cell]) => [name, name === 'row_id' ? cell : integers.has(name) ? Number(cell) : numberOrNull(cell)])),
    );
}

describe.skipIf(!dailyFolder || !optiverFolder)('examples/python against a running system (real AAPL bars, real auction rows of date_id 0 and 1)', () => {
  beforeAll(async () => {
    try {
      execFileSync(python, ['-c', 'import requests, pandas, matplotlib, xgboost'], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`${python} lacks the examples' packages: apt-get install -y --no-install-recommends ${debianPackages}`, { cause: error });
    }
    database = await createTestDatabase();
    kinesis = await startKinesisEmulator();
    workDir = await mkdtemp(path.join(os.tmpdir(), 'closecross-python-'));
    const modules = await serviceModules({ kinesisEndpoint: kinesis.endpoint, stream: 'python-examples', artifactsDir: path.join(workDir, 'artifacts') });
    app = await createService({ name: 'python-examples', modules, pool: database.pool, logLevel: 'silent', bootstrapAdmin: { apiKey: adminKey } });
    base = await app.listen({ host: '127.0.0.1', port: 0 });

    // The bootstrap admin makes the scripts a key of their own, with only the scopes they use.
    key = adminKey;
    key = (await post('/auth/keys', { name: 'python-examples', scopes: ['read', 'ingest', 'models', 'trade'] })).key;
    await post('/price_bars/AAPL', await readFile(path.join(dailyFolder!, 'AAPL.csv'), 'utf8'), 'text/csv');
    const rows = auctionRowsOf(await readFile(path.join(optiverFolder!, 'train_sample_krithiktoure.csv'), 'utf8'), [0, 1]);
    expect((await post('/stock_data/', { commit: true, data: rows })).written).toBe(rows.length);
  });
  afterAll(async () => {
    await app?.close();
    await kinesis?.stop();
    await database?.drop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('pull_data.py: AAPL daily bars and the auction rows of two days, 4,000 rows a page, land in pandas as the API answers them', async () => {
    const out = path.join(workDir, 'pull');
    const { code, output } = await runExample('pull_data.py', [
      '--symbols',
      'AAPL',
      '--start',
      '2021-01-01',
      '--end',
      '2021-06-30',
      '--date-ids',
      '0',
      '1',
      '--page-size',
      '4000',
      '--out',
      out,
    ]);
    expect(code, output).toBe(0);

    const apiBars = (await getJson('/price_bars/AAPL?start=2021-01-01&end=2021-06-30')).bars as { date: string; close: number; volume: number }[];
    expect(apiBars.length).toBeGreaterThan(100);
    const written = csvObjects(await readFile(path.join(out, 'bars_AAPL.csv'), 'utf8'));
    expect(written.map((bar) => [bar.date, Number(bar.close), Number(bar.volume)])).toEqual(apiBars.map((bar) => [bar.date, bar.close, bar.volume]));
    expect(output).toContain(`AAPL: ${apiBars.length} bars ${apiBars[0]!.date} .. ${apiBars.at(-1)!.date}, last close ${apiBars.at(-1)!.close}`);

    const apiRows = [...(await getJson('/stock_data/?date_id=0&page_size=50000')).data, ...(await getJson('/stock_data/?date_id=1&page_size=50000')).data] as {
      row_id: string;
      wap: number | null;
      far_price: number | null;
      target: number | null;
    }[];
    const writtenRows = csvObjects(await readFile(path.join(out, 'auction_rows.csv'), 'utf8'));
    expect(writtenRows).toHaveLength(apiRows.length);
    expect(writtenRows.map((row) => [row.row_id, numberOrNull(row.wap), numberOrNull(row.far_price), numberOrNull(row.target)])).toEqual(
      apiRows.map((row) => [row.row_id, row.wap, row.far_price, row.target]),
    );
    const stocks = new Set(apiRows.map((row) => row.row_id.split('_')[2])).size;
    expect(output).toContain(`auction rows: ${apiRows.length} rows, ${stocks} stocks, days [0, 1]`);
  });

  it("a script stops on the API's refusal with its message (exit 1), and without a key says how to set one", async () => {
    const out = path.join(workDir, 'refused');
    const badDate = await runExample('pull_data.py', ['--symbols', 'AAPL', '--start', '2021-13-45', '--out', out]);
    expect(badDate.code).toBe(1);
    expect(badDate.output.trim()).toBe('error: GET /price_bars/AAPL answered 400: querystring/start must match format "date"');

    const run = spawnCommand(python, ['pull_data.py', '--out', out], { CLOSECROSS_URL: base, CLOSECROSS_KEY: '' }, examples);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('CLOSECROSS_KEY is not set: export an API key');
  });

  it(
    'backtest_equity.py: backtests a moving-average crossover on AAPL, and its equity CSV, figures and PNG are the backtest the API reports',
    { timeout: 180_000 },
    async () => {
      const out = path.join(workDir, 'backtest');
      const { code, output } = await runExample('backtest_equity.py', ['--symbol', 'AAPL', '--fast', '10', '--slow', '50', '--quantity', '100', '--out', out]);
      expect(code, output).toBe(0);
      const backtestId = /^backtest ([0-9a-f-]{36})$/m.exec(output)?.[1];
      expect(backtestId, output).toBeDefined();

      const view = await getJson(`/trading/backtests/${backtestId}`);
      expect(view.status).toBe('succeeded');
      expect(view.params.strategy.code).toBe('moving_average_crossover');
      expect(view.params.strategy.parameters).toEqual({ fast: 10, slow: 50, quantity: 100, exit_on_opposite_signal: true });
      const apiCurve = csvObjects(await getText(`/trading/backtests/${backtestId}/equity.csv`));
      const writtenCurve = csvObjects(await readFile(path.join(out, 'equity.csv'), 'utf8'));
      expect(writtenCurve).toHaveLength(apiCurve.length);
      // pandas writes the times as "2016-08-24 20:00:00+00:00"; the API as ISO with milliseconds.
      expect(writtenCurve.map((point) => [Date.parse(point.time!), Number(point.equity), Number(point.drawdown)])).toEqual(
        apiCurve.map((point) => [Date.parse(point.time!), Number(point.equity), Number(point.drawdown)]),
      );
      expect(output).toContain(`realized ${view.result.realized}, unrealized ${view.result.unrealized}, closed trades ${view.result.trades.length}`);
      expect(view.result.trades.length).toBeGreaterThan(3);
      expect(JSON.parse(await readFile(path.join(out, 'backtest.json'), 'utf8'))).toEqual(view.result);

      // A real chart: a PNG of the size the script draws (10 x 6 inches at 110 dpi), with content.
      const png = await readFile(path.join(out, 'equity.png'));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1100, 660]);
      expect(png.length).toBeGreaterThan(30_000);
    },
  );

  it(
    "reproduce_predictions.py: downloads a model trained on date_id 0 and its inference of date_id 1, and python's xgboost gives the API's predictions to 1e-6",
    { timeout: 420_000 },
    async () => {
      // The service's defaults (400 rounds, early stopping, 3 folds) on the 10,505 labelled rows of day 0.
      const training = await post('/train-model/', { model_name: 'python_examples', date_id: 0 });
      const trained = await finishedJob(training.job_id, 300_000);
      expect(trained.status, JSON.stringify(trained.error)).toBe('succeeded');
      const modelId = trained.result.model_id as number;

      const out = path.join(workDir, 'predictions');
      const { code, output } = await runExample('reproduce_predictions.py', ['--model-id', String(modelId), '--date-id', '1', '--out', out]);
      // Exit 2: the system lacks a route the script needs (the predictions download or the artifact route).
      expect(code === 2 ? /this system has no route .*/.exec(output)?.[0] : code, output).toBe(0);
      const inferenceId = Number(/^inference (\d+): model (\d+), date_id 1, (\d+) predictions$/m.exec(output)?.[1]);
      expect(output).toMatch(new RegExp(`^inference ${inferenceId}: model ${modelId}, date_id 1, \\d+ predictions$`, 'm'));
      expect(output).toMatch(/^reproduced$/m);

      // The API's predictions (the JSON form of the download) against what python computed, row by row.
      const served = (await getJson(`/model-inferences/${inferenceId}/predictions?format=json`)) as {
        model_id: number;
        date_id: number;
        predictions: { row_id: string; prediction: number }[];
      };
      expect([served.model_id, served.date_id]).toEqual([modelId, 1]);
      const dayRows = (await getJson('/stock_data/?date_id=1&page_size=50000')).total_results as number;
      expect(served.predictions).toHaveLength(dayRows);
      const reproduced = csvObjects(await readFile(path.join(out, `reproduced_${inferenceId}.csv`), 'utf8'));
      expect(reproduced.map((row) => row.row_id)).toEqual(served.predictions.map((row) => row.row_id));
      const differences = reproduced.map((row, index) => Math.abs(Number(row.python_prediction) - served.predictions[index]!.prediction));
      expect(Math.max(...differences)).toBeLessThanOrEqual(1e-6);
      // Not a model predicting one constant: the rows' predictions differ, so the features had to be right.
      expect(new Set(served.predictions.map((row) => row.prediction.toFixed(4))).size).toBeGreaterThan(100);

      // The artifact the script downloaded is the one the API serves.
      expect(await readFile(path.join(out, `model_${modelId}.json`), 'utf8')).toBe(await getText(`/models/${modelId}/artifact`));
    },
  );

  it('optimize.py: a grid over the moving-average crossover on AAPL, its trials ranked as the API ranks them', { timeout: 600_000 }, async () => {
    const out = path.join(workDir, 'optimize');
    const { code, output } = await runExample('optimize.py', [
      '--symbol',
      'AAPL',
      '--fast',
      '5',
      '20',
      '5',
      '--slow',
      '40',
      '80',
      '20',
      '--objective',
      'sharpe',
      '--out',
      out,
    ]);
    // Exit 2: the system lacks POST /trading/optimizations (issue 24's research routes).
    expect(code === 2 ? /this system has no route .*/.exec(output)?.[0] : code, output).toBe(0);
    const runId = /^optimization ([0-9a-f-]{36})$/m.exec(output)?.[1];
    expect(runId, output).toBeDefined();

    const run = await getJson(`/trading/optimizations/${runId}`);
    expect(run.status).toBe('succeeded');
    expect(run.trials).toMatchObject({ done: 12, budget: 12 });
    const apiTrials = (await getJson(`/trading/optimizations/${runId}/trials`)).trials as {
      trial: number;
      rank: number | null;
      objective: number | null;
      parameters: { fast: number; slow: number };
    }[];
    expect(apiTrials).toHaveLength(12);
    const written = csvObjects(await readFile(path.join(out, 'trials.csv'), 'utf8'));
    const byTrial = new Map(apiTrials.map((trial) => [trial.trial, trial]));
    expect(written).toHaveLength(12);
    for (const row of written) {
      const trial = byTrial.get(Number(row.trial))!;
      expect([Number(row.param_fast), Number(row.param_slow), numberOrNull(row.rank), numberOrNull(row.objective)]).toEqual([
        trial.parameters.fast,
        trial.parameters.slow,
        trial.rank,
        trial.objective,
      ]);
    }
    // The grid: every (fast, slow) pair once.
    expect(new Set(apiTrials.map((trial) => `${trial.parameters.fast}/${trial.parameters.slow}`)).size).toBe(12);
    // Written best first, as the API ranks them.
    expect(written.map((row) => Number(row.trial))).toEqual(apiTrials.map((trial) => trial.trial));
    expect(written[0]!.rank).toBe('1');
    expect(output).toContain(
      `best sharpe ${run.overfitting.best_sharpe}, deflated sharpe ${run.overfitting.deflated_sharpe} over ${run.overfitting.trials} trials`,
    );
  });

  it('closecross.ipynb runs from top to bottom (nbconvert --execute) and its summary is what the API holds', { timeout: 900_000 }, async () => {
    const out = path.join(workDir, 'notebook');
    const run = spawnCommand(
      python,
      ['-m', 'nbconvert', '--to', 'notebook', '--execute', 'closecross.ipynb', '--output-dir', out, '--ExecutePreprocessor.timeout=1200'],
      {
        CLOSECROSS_URL: base,
        CLOSECROSS_KEY: key,
        CLOSECROSS_NOTEBOOK_OUT: out,
        PYTHONDONTWRITEBYTECODE: '1',
        PYDEVD_DISABLE_FILE_VALIDATION: '1',
        MPLCONFIGDIR: path.join(workDir, 'matplotlib'),
      },
      examples,
    );
    expect(await run.exited, run.output()).toBe(0);

    const executed = JSON.parse(await readFile(path.join(out, 'closecross.ipynb'), 'utf8')) as {
      cells: { cell_type: string; outputs?: { output_type: string; name?: string; text?: string | string[] }[] }[];
    };
    const codeCells = executed.cells.filter((cell) => cell.cell_type === 'code');
    expect(codeCells.flatMap((cell) => cell.outputs ?? []).filter((output) => output.output_type === 'error')).toEqual([]);
    // The backtest's chart is drawn inline.
    expect(JSON.stringify(codeCells)).toContain('image/png');
    const lastOutput = (codeCells.at(-1)!.outputs ?? [])
      .filter((output) => output.name === 'stdout')
      .map((output) => [output.text].flat().join(''))
      .join('');
    const summary = JSON.parse(lastOutput.trim()) as {
      bars: number;
      auction_rows: number;
      backtest: string;
      inference: number;
      largest_difference: number;
      optimization: string;
      trials: number;
    };

    expect(summary.bars).toBe((await getJson('/price_bars/AAPL')).bars.length);
    expect(summary.auction_rows).toBe((await getJson('/stock_data/?date_id=0&page_size=1')).total_results);
    expect((await getJson(`/trading/backtests/${summary.backtest}`)).status).toBe('succeeded');
    expect((await getJson(`/model-inferences/${summary.inference}`)).date_id).toBeTypeOf('number');
    expect(summary.largest_difference).toBeLessThanOrEqual(1e-6);
    expect(summary.trials).toBe((await getJson(`/trading/optimizations/${summary.optimization}/trials`)).trials.length);
  });
});
