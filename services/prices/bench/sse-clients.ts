/**
 * The bench's SSE clients, in a process of their own so that reading 50 streams is not charged to
 * the service. Forked by prices.bench.ts with the stream URL and a client count; answers `ready`
 * once every stream is open, and on `stop` sends what each client saw. Loopback URLs only, and at
 * most 200 clients: this is a load generator for the local bench, not a tool to point elsewhere.
 *
 * Frames are counted on the raw bytes (no decoding). Every client takes the latency of the first
 * tick of each chunk it reads (a chunk's oldest tick, give or take the order of symbols in a
 * batch); client 0 takes the latency of every tick. Latency is the client's clock minus the
 * worker's `received_at`: one machine, one clock.
 */
import http from 'node:http';

const [url, countText] = process.argv.slice(2);
const count = Number(countText);
if (!url || !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+\//.test(url)) throw new Error(`sse-clients: a loopback http URL is required, got ${url}`);
if (!Number.isInteger(count) || count < 1 || count > 200) throw new Error(`sse-clients: 1 to 200 clients, got ${countText}`);

const frameEnd = Buffer.from('\n\n');
const stamp = Buffer.from('"received_at":');

interface ClientTally {
  frames: number;
  /** Frames from the end of the warm-up. */
  windowFrames: number;
  chunkLatencies: number[];
  tickLatencies: number[];
}

/** The number after `"received_at":` at `at`, when the chunk holds all of it. */
function stampAt(chunk: Buffer, at: number): number | undefined {
  let value = 0;
  let index = at + stamp.length;
  for (; index < chunk.length; index++) {
    const digit = chunk[index]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return index < chunk.length && index > at + stamp.length ? value : undefined;
}

function open(index: number): Promise<{ tally: ClientTally; request: http.ClientRequest }> {
  const tally: ClientTally = { frames: 0, windowFrames: 0, chunkLatencies: [], tickLatencies: [] };
  return new Promise((resolve, reject) => {
    const request = http.get(url!, { headers: { accept: 'text/event-stream' }, agent: false }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`stream answered ${response.statusCode}`));
      let lastByte = 0;
      response.on('data', (chunk: Buffer) => {
        const now = Date.now();
        // A frame end split across two reads counts once.
        if (lastByte === 10 && chunk[0] === 10) tally.frames++;
        for (let at = chunk.indexOf(frameEnd); at >= 0; at = chunk.indexOf(frameEnd, at + 2)) tally.frames++;
        lastByte = chunk[chunk.length - 1]!;
        const first = chunk.indexOf(stamp);
        const firstStamp = first >= 0 ? stampAt(chunk, first) : undefined;
        if (firstStamp !== undefined) tally.chunkLatencies.push(now - firstStamp);
        if (index === 0) {
          for (let at = first; at >= 0; at = chunk.indexOf(stamp, at + stamp.length)) {
            const value = stampAt(chunk, at);
            if (value !== undefined) tally.tickLatencies.push(now - value);
          }
        }
      });
      response.on('error', () => undefined);
      resolve({ tally, request });
    });
    request.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
  });
}

const clients = await Promise.all(Array.from({ length: count }, (_, index) => open(index)));
process.send!({ type: 'ready' });
let cpuFrom = process.cpuUsage();
process.on('message', (message: { type: string }) => {
  if (message.type === 'mark') {
    // The warm-up is over: latency and CPU from here.
    for (const { tally } of clients) {
      tally.chunkLatencies.length = tally.tickLatencies.length = 0;
      tally.windowFrames = -tally.frames;
    }
    cpuFrom = process.cpuUsage();
    return;
  }
  if (message.type !== 'stop') return;
  const cpu = process.cpuUsage(cpuFrom);
  for (const client of clients) client.request.destroy();
  // The comment line the stream opens with is a frame too: not a tick.
  const tallies = clients.map(({ tally }) => ({ ...tally, frames: Math.max(0, tally.frames - 1), windowFrames: tally.windowFrames + tally.frames }));
  process.send!({ type: 'tallies', tallies, cpu }, () => process.exit(0));
});
