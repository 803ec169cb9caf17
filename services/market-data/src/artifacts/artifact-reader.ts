import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * Read access to the model service's artifact store (S3 on AWS, a folder on a laptop), for the
 * downloads of model artifacts and inference predictions. The model service writes the store;
 * market-data only reads, streaming each object through to the caller.
 */
export interface ArtifactReader {
  /** The object under `key` as a stream, with its size when the store tells it. */
  open(key: string): Promise<{ body: Readable; bytes: number | undefined }>;
}

/** Nothing under the key: missing, a folder, or a key that would leave the store. Final: a 404 or 422, never worth a retry. */
export class ArtifactMissingError extends Error {}

export class FileArtifactReader implements ArtifactReader {
  private readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }
  async open(key: string) {
    const target = path.resolve(this.root, key);
    if (!target.startsWith(this.root + path.sep)) throw new ArtifactMissingError(`${key} is not a key of the artifact store`);
    try {
      const info = await stat(target);
      if (!info.isFile()) throw new ArtifactMissingError(`${key} is a folder of the artifact store, not a file`);
      return { body: createReadStream(target), bytes: info.size };
    } catch (error) {
      const code = (error as { code?: string }).code;
      // ENOTDIR: a segment of the key is a file (trained_models/x.json/more): nothing there either.
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new ArtifactMissingError(`no artifact ${key}`, { cause: error });
      throw error;
    }
  }
}

export class S3ArtifactReader implements ArtifactReader {
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly client: S3Client;
  constructor(bucket: string, prefix: string, client: S3Client) {
    this.bucket = bucket;
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
    this.client = client;
  }
  async open(key: string) {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix ? `${this.prefix}/${key}` : key }));
      // On Node the SDK's body is the HTTP response itself: a Readable, streamed as it arrives.
      return { body: response.Body as Readable, bytes: response.ContentLength };
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') throw new ArtifactMissingError(`no artifact ${key}`, { cause: error });
      throw error;
    }
  }
}

/**
 * The reader of the store a URL names, as the model service's ARTIFACT_STORE_URL does:
 * `s3://bucket/prefix` (with an emulator's endpoint when given) or `file:///abs` / `file://relative`.
 */
export function artifactReaderFor(url: string, s3?: { endpoint?: string | undefined; client?: S3Client }): ArtifactReader {
  if (url.startsWith('s3://')) {
    const { host, pathname } = new URL(url);
    const config: S3ClientConfig = s3?.endpoint
      ? {
          endpoint: s3.endpoint,
          forcePathStyle: true,
          region: process.env.AWS_REGION ?? 'us-east-1',
          // An emulator's keys: the environment's when set (MinIO), else s3rver's fixed ones.
          ...(process.env.AWS_ACCESS_KEY_ID ? {} : { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {};
    return new S3ArtifactReader(host, pathname, s3?.client ?? new S3Client(config));
  }
  if (url.startsWith('file://')) {
    const rest = url.slice('file://'.length);
    return new FileArtifactReader(rest.startsWith('/') ? fileURLToPath(url) : rest);
  }
  throw new RangeError(`ARTIFACT_STORE_URL must be s3://bucket/prefix or file://path, got "${url}"`);
}
