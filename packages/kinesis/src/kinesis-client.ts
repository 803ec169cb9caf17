import { KinesisClient } from '@aws-sdk/client-kinesis';
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
