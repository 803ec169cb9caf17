import type { AddressInfo } from 'node:net';
import { ListStreamsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient, ensureStream } from '@closecross/kinesis';
// @ts-expect-error kinesalite ships no types
import kinesalite from 'kinesalite';

export interface KinesisEmulator {
  endpoint: string;
  client: KinesisClient;
  createStream(name: string, shards: number): Promise<void>;
  stop(): Promise<void>;
}

/** kinesalite (an in-memory Kinesis) on 127.0.0.1, with a client set up the way it needs. */
export async function startKinesisEmulator(): Promise<KinesisEmulator> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const emulator = await connectKinesis(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    ...emulator,
    async stop() {
      emulator.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client for an emulator already running at `endpoint` (waits until it answers). */
export async function connectKinesis(endpoint: string): Promise<Omit<KinesisEmulator, 'stop'>> {
  const client = createKinesisClient(endpoint);
  for (let attempt = 0; ; attempt++) {
    try {
      await client.send(new ListStreamsCommand({}));
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { endpoint, client, createStream: (name: string, shards: number) => ensureStream(client, name, shards) };
}
