export { createKinesisClient } from './kinesis-client.ts';
export { ensureStream } from './stream-setup.ts';
