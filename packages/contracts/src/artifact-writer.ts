import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { artifactLocationOf, FileArtifactReader, S3ArtifactReader, type ArtifactReader } from './artifact-store.ts';

export { ArtifactKeyOutsideStoreError, ArtifactNotAFileError, ArtifactNotFoundError } from './artifact-store.ts';

/** The artifact store with writes: the model service's (see ./artifact-store for the readers and why they are apart). */
export interface ArtifactStore extends ArtifactReader {
  put(key: string, body: Buffer, contentType: string): Promise<void>;
}

export class FileArtifactStore extends FileArtifactReader implements ArtifactStore {
  async put(key: string, body: Buffer): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, body);
  }
}

export class S3ArtifactStore extends S3ArtifactReader implements ArtifactStore {
  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Body: body, ContentType: contentType }));
  }
}

/** The store, with writes, that a URL (ARTIFACT_STORE_URL) names: `s3://bucket/prefix` or `file://path`. */
export function artifactStoreFor(url: string, s3?: { endpoint?: string | undefined; client?: S3Client }): ArtifactStore {
  const location = artifactLocationOf(url, s3);
  return location.kind === 's3' ? new S3ArtifactStore(location.bucket, location.prefix, location.client) : new FileArtifactStore(location.root);
}
