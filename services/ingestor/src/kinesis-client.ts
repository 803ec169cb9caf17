import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ResourceInUseException } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * A Kinesis client; with an endpoint (kinesalite) it speaks HTTP/1.1 with dummy credentials,
 * which the emulator needs, and otherwise the SDK's defaults reach AWS.
 */
export function createKinesisClient(endpoint?: string): KinesisClient {
  if (!endpoint) return new KinesisClient({});
  return new KinesisClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
}

/** Creates the stream unless it exists, and waits until it is ACTIVE. */
export async function ensureStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < 250; attempt++) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`stream ${name} did not become active`);
}
