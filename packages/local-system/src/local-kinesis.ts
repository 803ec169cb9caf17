import type { AddressInfo } from 'node:net';
import { createKinesisClient, ensureStream } from '@closecross/kinesis';
// @ts-expect-error kinesalite ships no types
import kinesalite from 'kinesalite';

/**
 * An in-process Kinesis (kinesalite, in memory) with the stream created, so `pnpm replay` has
 * somewhere to send. Its records live only as long as the process.
 */
export async function startLocalKinesis(port: number, stream: string, shards: number) {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createKinesisClient(endpoint);
  try {
    await ensureStream(client, stream, shards);
  } finally {
    client.destroy();
  }
  return { endpoint, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
