import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * The model artifact store (S3 on AWS, a folder on a laptop), as one layout for every service that
 * touches it: market-data streams objects out as downloads through this module's readers; the model
 * service writes and reads whole objects through `./artifact-writer`, which adds `put`. The two are
 * apart so a service that only reads reaches no write call (its task role is drawn from the SDK
 * calls its code can reach). Keys are the store's own (`trained_models/<name>.json`), never its URI.
 */
export interface ArtifactReader {
  get(key: string): Promise<Buffer>;
  /** The object under `key` as a stream, with its size when the store tells it. */
  open(key: string): Promise<{ body: Readable; bytes: number | undefined }>;
  /** A URI naming the object, e.g. s3://bucket/prefix/key or file:///path. */
  uri(key: string): string;
}

/** No object under the key: missing, or (ArtifactNotAFileError) a folder or prefix of others. Final, never worth a retry. */
export class ArtifactNotFoundError extends Error {}

/** The key names a folder (the file store) or a prefix of other keys, not an object. */
export class ArtifactNotAFileError extends ArtifactNotFoundError {}

/** A key that would leave the file store's folder (`../x`): no key of the store. A RangeError, as bad input. */
export class ArtifactKeyOutsideStoreError extends RangeError {}

/** The file store's answer to a failed read, in the store's error classes where it means "nothing there". */
function fileError(key: string, error: unknown): unknown {
  const code = (error as { code?: string }).code;
  // ENOTDIR: a segment of the key is a file (trained_models/x.json/more): nothing there either.
  if (code === 'ENOENT' || code === 'ENOTDIR') return new ArtifactNotFoundError(`no artifact ${key}`, { cause: error });
  if (code === 'EISDIR') return new ArtifactNotAFileError(`${key} is a folder, not an artifact`, { cause: error });
  return error;
}

export class FileArtifactReader implements ArtifactReader {
  protected readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }
  protected pathOf(key: string): string {
    const target = path.resolve(this.root, key);
    if (!target.startsWith(this.root + path.sep)) throw new ArtifactKeyOutsideStoreError(`key escapes the store: ${key}`);
    return target;
  }
  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      throw fileError(key, error);
    }
  }
  async open(key: string): Promise<{ body: Readable; bytes: number | undefined }> {
    const target = this.pathOf(key);
    const info = await stat(target).catch((error: unknown) => {
      throw fileError(key, error);
    });
    if (!info.isFile()) throw new ArtifactNotAFileError(`${key} is a folder, not an artifact`);
    return { body: createReadStream(target), bytes: info.size };
  }
  uri(key: string): string {
    return `file://${this.pathOf(key)}`;
  }
}

export class S3ArtifactReader implements ArtifactReader {
  protected readonly client: S3Client;
  protected readonly bucket: string;
  protected readonly prefix: string;
  constructor(bucket: string, prefix: string, client: S3Client) {
    this.client = client;
    this.bucket = bucket;
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
  }
  protected keyOf(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }
  private async object(key: string) {
    try {
      return await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') throw new ArtifactNotFoundError(`no artifact ${key}`, { cause: error });
      throw error;
    }
  }
  async get(key: string): Promise<Buffer> {
    return Buffer.from(await (await this.object(key)).Body!.transformToByteArray());
  }
  async open(key: string): Promise<{ body: Readable; bytes: number | undefined }> {
    const response = await this.object(key);
    // On Node the SDK's body is the HTTP response itself: a Readable, streamed as it arrives.
    return { body: response.Body as Readable, bytes: response.ContentLength };
  }
  uri(key: string): string {
    return `s3://${this.bucket}/${this.keyOf(key)}`;
  }
}

/** Where a URL (ARTIFACT_STORE_URL) points: `s3://bucket/prefix` or `file:///abs/path` / `file://relative/path`. */
export type ArtifactLocation = { kind: 's3'; bucket: string; prefix: string; client: S3Client } | { kind: 'file'; root: string };

/** The location a store URL names (an S3 endpoint such as an emulator's may be given). */
export function artifactLocationOf(url: string, s3?: { endpoint?: string | undefined; client?: S3Client }): ArtifactLocation {
  if (url.startsWith('s3://')) {
    const { host, pathname } = new URL(url);
    const config: S3ClientConfig = s3?.endpoint
      ? {
          endpoint: s3.endpoint,
          forcePathStyle: true,
          region: process.env.AWS_REGION ?? 'us-east-1',
          // An emulator's keys: the environment's when set (MinIO), else s3rver's fixed ones.
          ...(process.env.AWS_ACCESS_KEY_ID ? {} : { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }),
          // Emulators store streamed uploads wrongly when the SDK adds its default checksums.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {};
    return { kind: 's3', bucket: host, prefix: pathname, client: s3?.client ?? new S3Client(config) };
  }
  if (url.startsWith('file://')) {
    const rest = url.slice('file://'.length);
    return { kind: 'file', root: rest.startsWith('/') ? fileURLToPath(url) : rest };
  }
  throw new RangeError(`ARTIFACT_STORE_URL must be s3://bucket/prefix or file://path, got "${url}"`);
}

/** A reader of the store a URL (ARTIFACT_STORE_URL) names. */
export function artifactReaderFor(url: string, s3?: { endpoint?: string | undefined; client?: S3Client }): ArtifactReader {
  const location = artifactLocationOf(url, s3);
  return location.kind === 's3' ? new S3ArtifactReader(location.bucket, location.prefix, location.client) : new FileArtifactReader(location.root);
}
