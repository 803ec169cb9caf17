import type { AddressInfo } from 'node:net';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
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
  const client = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await client.send(new ListStreamsCommand({}));
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    endpoint,
    client,
    async createStream(name: string, shards: number) {
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      for (let i = 0; i < 100; i++) {
        const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`stream ${name} did not become active`);
    },
  };
}
