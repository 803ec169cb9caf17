import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * The model artifact store (S3 on AWS, a folder on a laptop), as one layout for every service that
 * touches it: the model service writes and reads whole objects, market-data streams them out as
 * downloads. Keys are the store's own (`trained_models/<name>.json`), never its URI.
 */
export interface ArtifactStore {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
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

export class FileArtifactStore implements ArtifactStore {
  private readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
  }
  private pathOf(key: string): string {
    const target = path.resolve(this.root, key);
    if (!target.startsWith(this.root + path.sep)) throw new ArtifactKeyOutsideStoreError(`key escapes the store: ${key}`);
    return target;
  }
  async put(key: string, body: Buffer): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, body);
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

export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  constructor(bucket: string, prefix: string, client: S3Client) {
    this.client = client;
    this.bucket = bucket;
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
  }
  private keyOf(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }
  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Body: body, ContentType: contentType }));
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

/**
 * The store a URL (ARTIFACT_STORE_URL) names: `s3://bucket/prefix` (an S3 endpoint such as an
 * emulator's may be given), or `file:///abs/path` / `file://relative/path`.
 */
export function artifactStoreFor(url: string, s3?: { endpoint?: string | undefined; client?: S3Client }): ArtifactStore {
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
    return new S3ArtifactStore(host, pathname, s3?.client ?? new S3Client(config));
  }
  if (url.startsWith('file://')) {
    const rest = url.slice('file://'.length);
    return new FileArtifactStore(rest.startsWith('/') ? fileURLToPath(url) : rest);
  }
  throw new RangeError(`ARTIFACT_STORE_URL must be s3://bucket/prefix or file://path, got "${url}"`);
}
