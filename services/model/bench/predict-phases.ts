/**
 * Where a day's POST /predict goes, phase by phase (issue 23). The service runs in processes of its
 * own (model-server.ts with MODEL_BENCH_PHASES=1, which prints each request's server-side
 * timestamps), one per variant (its predictor's threads: `1,2` compares one thread reading and
 * predicting a day whole with two reading and predicting half each), and this process is their
 * client, sending pre-encoded bytes as a REST client does, to each variant in turn (A B A B ...).
 * Prints per variant the median milliseconds (and spread) from the client's request to: the
 * server's request (headers read), body read, handed to the predict threads, parsed, predicted
 * (the answer's JSON written), sent, the client holding the answer and having parsed it; and the
 * service's CPU per request by thread (from /proc, 10 ms ticks), with the load average.
 * With PHASES_NICE=-15 (root only) every thread of the services and this process runs at that
 * priority after the warm-up: on a host others load, the timings come near a quiet host's (the
 * predict threads otherwise run at nice 10 and wait behind everyone's work).
 * Usage: predict-phases.ts [requests per variant, 15] [thread counts, 1,2]
 */
import http from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareRows } from '@closecross/contracts';
import { upsertStockRows, withTransaction } from '@closecross/db';
import { median, spawnTsx, startBenchPostgres, waitFor, type RunningProcess } from '@closecross/tests/support';
import { rowsWithSignal } from '../test/build-app.ts';

const requests = Number(process.argv[2] ?? 15);
const variants = (process.argv[3] ?? '1,2').split(',');
const postgres = await startBenchPostgres();
const { pool, url } = await postgres.database();
await withTransaction(pool, (client) => upsertStockRows(client, prepareRows(rowsWithSignal([0, 1, 2, 3, 4], 200, 1))));
const storeFolder = mkdtempSync(path.join(os.tmpdir(), 'closecross-model-phases-'));
const now = () => performance.timeOrigin + performance.now();
const servers: Array<{ variant: string; process: RunningProcess; base: string }> = [];
try {
  for (const variant of variants) {
    const server = spawnTsx(
      fileURLToPath(new URL('./model-server.ts', import.meta.url)),
      {
        MODEL_BENCH_PHASES: '1',
        MODEL_BENCH_PREDICT_THREADS: variant,
        ...(process.env.PHASES_NODE_OPTIONS ? { NODE_OPTIONS: process.env.PHASES_NODE_OPTIONS } : {}),
      },
      [url, `file://${storeFolder}`],
    );
    let base = '';
    await waitFor(async () => ((base = /^listening (\S+)$/m.exec(server.output())?.[1] ?? ''), base !== ''), 120_000, 'the model service to listen');
    servers.push({ variant, process: server, base });
  }

  interface Timed {
    sent: number;
    received: number;
    parsed: number;
    answer: any;
  }
  const post = (base: string, route: string, body: Buffer) =>
    new Promise<Timed>((resolve, reject) => {
      const sent = now();
      const request = http.request(
        `${base}${route}`,
        { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const received = now();
            const answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            resolve({ sent, received, parsed: now(), answer });
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const base = servers[0]!.base;
  const get = async (route: string) => (await fetch(`${base}${route}`)).json() as Promise<any>;

  // 200 rounds kept (a slow learning rate: the best round is the last), as the model bench's model.
  const trainBody = { model_name: 'phases', start_date_id: 0, end_date_id: 4, rounds: 200, folds: 1, early_stopping_rounds: 200, params: { eta: 0.005 } };
  const trained = (await post(base, '/train-model/', Buffer.from(JSON.stringify(trainBody)))).answer;
  let job: any;
  await waitFor(async () => ((job = await get(`/jobs/${trained.job_id}`)), job.status === 'succeeded' || job.status === 'failed'), 600_000, 'training');
  if (job.status !== 'succeeded') throw new Error(job.error);
  const modelId = job.result.model_id as number;
  const day = rowsWithSignal([20], 200, 99).slice(0, 11_000);
  const body = Buffer.from(JSON.stringify({ model_id: modelId, rows: day }));
  console.log(
    `model ${modelId} (${job.result.rounds} rounds), a day of ${day.length} rows, ${(body.length / 1e6).toFixed(2)} MB; load average before ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const answers = new Set<string>();
  for (const server of servers) for (let i = 0; i < 3; i++) answers.add(JSON.stringify((await post(server.base, '/predict', body)).answer)); // warm-up
  if (answers.size !== 1) throw new Error('the variants answered differently');

  const niceness = process.env.PHASES_NICE;
  if (niceness) {
    for (const pid of [process.pid, ...servers.map((server) => server.process.child.pid!)])
      for (const tid of readdirSync(`/proc/${pid}/task`)) os.setPriority(Number(tid), Number(niceness));
  }
  const threadTicks = (pid: number) => {
    const ticks = new Map<string, number>();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(`${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}#${tid}`, Number(fields[11]) + Number(fields[12]));
    }
    return ticks;
  };
  const phasesOf = (server: RunningProcess) =>
    server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('phases '))
      .map((line) => {
        const [times, pauses] = line.slice('phases '.length).split(' ');
        return { times: JSON.parse(times!) as Record<string, number>, pauses: JSON.parse(pauses!) as Record<string, number> };
      });
  const cpu = new Map(servers.map((server) => [server.variant, { before: threadTicks(server.process.child.pid!), after: new Map<string, number>() }]));
  const rows = new Map<string, Record<string, number>[]>(servers.map((server) => [server.variant, []]));
  const loads: number[] = [];
  const gcPauses = new Map<string, Record<string, number>>(servers.map((server) => [server.variant, {}]));
  for (let i = 0; i < requests; i++) {
    for (const server of i % 2 ? [...servers].reverse() : servers) {
      const timed = await post(server.base, '/predict', body);
      if (timed.answer.predictions?.length !== day.length) throw new Error(`bad answer ${JSON.stringify(timed.answer).slice(0, 200)}`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      const found = phasesOf(server.process).find(({ times }) => times.request! >= timed.sent && times.request! <= timed.received);
      if (!found) throw new Error('the service printed no phases for a request');
      const { times: phases, pauses } = found;
      for (const [kind, ms] of Object.entries(pauses)) gcPauses.get(server.variant)![kind] = (gcPauses.get(server.variant)![kind] ?? 0) + ms;
      const at = (time: number) => time - timed.sent;
      rows.get(server.variant)!.push({
        ...Object.fromEntries(Object.entries(phases).map(([phase, time]) => [phase, at(time)])),
        clientReceived: at(timed.received),
        clientParsed: at(timed.parsed),
      });
    }
    loads.push(os.loadavg()[0]!);
  }
  for (const server of servers) cpu.get(server.variant)!.after = threadTicks(server.process.child.pid!);
  console.log(
    `${requests} requests per variant, interleaved${niceness ? `, every thread at nice ${niceness}` : ''}; load average ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}`,
  );
  for (const server of servers) {
    const timed = rows.get(server.variant)!;
    console.log(`predict threads: ${server.variant}`);
    for (const phase of Object.keys(timed[0]!)) {
      const values = timed.map((row) => row[phase]!);
      console.log(
        `  ${phase.padEnd(16)} median ${median(values).toFixed(1).padStart(6)} ms  (${Math.min(...values).toFixed(1)} to ${Math.max(...values).toFixed(1)})`,
      );
    }
    const { before, after } = cpu.get(server.variant)!;
    let total = 0;
    const threads: string[] = [];
    for (const [name, ticks] of after) {
      const spent = ((ticks - (before.get(name) ?? 0)) * 10) / requests;
      total += spent;
      if (spent > 0) threads.push(`${name.replace(/#.*/, '')} ${spent.toFixed(1)}`);
    }
    const pauses = Object.entries(gcPauses.get(server.variant)!).map(([kind, ms]) => `${kind} ${(ms / requests).toFixed(1)}`);
    console.log(`  the event loop's GC pauses per request (ms): ${pauses.join(', ') || 'none'}`);
    console.log(`  CPU per request: all threads ${total.toFixed(1)} ms; ${threads.join(', ')}`);
  }
} finally {
  for (const server of servers) {
    server.process.child.kill('SIGTERM');
    await server.process.exited;
  }
  rmSync(storeFolder, { recursive: true, force: true });
  await pool.end();
  await postgres.stop();
}
