import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@closecross/dev-postgres';
import { generateStockRows, spawnTsx, waitFor } from '@closecross/tests/support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '../src/index.ts';

const startEntry = fileURLToPath(new URL('../src/start.ts', import.meta.url));
const servicesFolder = fileURLToPath(new URL('../../../services/', import.meta.url));
const replayEntry = fileURLToPath(new URL('../../../services/ingestor/src/replay-cli.ts', import.meta.url));
const loadEntry = fileURLToPath(new URL('../../../services/ingestor/src/load-cli.ts', import.meta.url));
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'closecross-local-'));
  await chmod(dataDir, 0o755);
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

async function startSystem(port: number) {
  const system = spawnTsx(startEntry, { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
  await waitFor(async () => system.output().includes('Closecross is running'), 90_000, 'the local system');
  return system;
}

describe('pnpm start: the local system', () => {
  // Two starts of the whole system on a shared machine: more than the default minute.
  it(
    'serves every route at /docs, takes pnpm replay and pnpm load without options, keeps data across a restart, stops on SIGTERM',
    { timeout: 180_000 },
    async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const first = await startSystem(port);
      expect(first.output()).toContain(`${base}/docs`);

      const docs = (await (await fetch(`${base}/docs/json`)).json()) as { paths: object };
      const paths = Object.keys(docs.paths);
      const referenceRoutes = ['/healthcheck/', '/stock_data/', '/date_mappings/', '/models/', '/model-inferences/', '/price_bars/{symbol}'];
      const riskRoutes = [
        '/warmup',
        '/scaled_ready',
        '/get_warmup_cost',
        '/get_endpoints',
        '/analyse',
        '/get_sig_vars9599',
        '/get_avg_vars9599',
        '/get_sig_profit_loss',
        '/get_tot_profit_loss',
        '/get_chart_url',
        '/get_time_cost',
        '/get_audit',
        '/reset',
        '/terminate',
        '/scaled_terminated',
        '/chart',
        '/analyses',
        '/ingest/status',
        '/ingest/metrics',
        '/train-model/',
        '/inference-model/',
        '/jobs/{id}',
        '/jobs',
        '/predict',
        '/model-reports',
      ];
      for (const route of [...referenceRoutes, ...riskRoutes]) {
        expect(paths).toContain(route);
      }
      // Every folder under services/ with a declaration is mounted: the list comes from the tree, not from here.
      const declared = (await readdir(servicesFolder, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory() && existsSync(path.join(servicesFolder, entry.name, 'service.ts')))
        .map((entry) => entry.name);
      expect(routeTable.map((entry) => entry.service).sort()).toEqual(declared.sort());
      expect(declared).toEqual(expect.arrayContaining(['ingestor', 'market-data', 'model', 'risk-analysis']));

      const runtimeFile = path.join(dataDir, 'local-system.json');
      const runtime = JSON.parse(await readFile(runtimeFile, 'utf8'));
      expect(runtime.url).toBe(base);
      // The first start makes a local admin, prints its key and password once, and keeps them 0600.
      expect((await stat(runtimeFile)).mode & 0o777).toBe(0o600);
      expect(first.output()).toContain(`API key: ${runtime.admin.api_key}`);
      expect(first.output()).toContain(`admin / ${runtime.admin.password}`);
      const auth = { authorization: `Bearer ${runtime.admin.api_key}` };
      const get = (url: string) => fetch(url, { headers: auth });

      const rows = generateStockRows({ dateIds: [0], stocks: 5, buckets: 2 });
      const post = (headers: Record<string, string>) =>
        fetch(`${base}/stock_data/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ commit: true, data: rows }),
        });
      expect((await post({})).status).toBe(401);
      expect((await post(auth)).status).toBe(200);

      // `pnpm replay` and `pnpm load` with no options find the running system through DATA_DIR.
      const csv = path.join(dataDir, 'replay.csv');
      const replayed = generateStockRows({ dateIds: [42], stocks: 6, buckets: 5 });
      await writeFile(
        csv,
        [
          'stock_id,date_id,seconds_in_bucket,imbalance_size,imbalance_buy_sell_flag,reference_price,matched_size,far_price,near_price,bid_price,bid_size,ask_price,ask_size,wap,target,time_id,row_id',
          ...replayed.map((row) =>
            Object.values(row)
              .map((value) => (value === null ? '' : String(value)))
              .join(','),
          ),
        ].join('\n'),
      );
      const replay = spawnTsx(replayEntry, { DATA_DIR: dataDir }, [csv]);
      expect(await replay.exited).toBe(0);
      await waitFor(
        async () => ((await (await get(`${base}/stock_data/?date_id=42`)).json()) as { total_results: number }).total_results === 30,
        30_000,
        'replayed rows',
      );
      const load = spawnTsx(loadEntry, { DATA_DIR: dataDir }, [csv]);
      expect(await load.exited).toBe(0);
      expect(load.output()).toContain('loaded 30 rows (0 new, 0 updated)');
      const ingest = (await (await get(`${base}/ingest/status`)).json()) as { rowsWritten: number };
      expect(ingest.rowsWritten).toBe(30);

      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      // The admin survives a restart and is not printed again.
      expect(JSON.parse(await readFile(runtimeFile, 'utf8'))).toEqual({ admin: runtime.admin });
      const second = await startSystem(port);
      expect(second.output()).not.toContain('API key:');
      const read = (await (await get(`${base}/stock_data/?date_id=0&page_size=100`)).json()) as { data: { row_id: string }[] };
      expect(read.data.map((row: { row_id: string }) => row.row_id)).toEqual(rows.map((row) => row.row_id));
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    },
  );
});
