import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { ArtifactKeyOutsideStoreError, ArtifactNotAFileError, ArtifactNotFoundError, artifactStoreFor } from '../src/artifact-writer.ts';

// The file store both services use: the model service writes and reads whole objects, market-data
// streams them out; each must tell "nothing there" apart from a store that failed.
const store = () => artifactStoreFor(`file://${mkdtempSync(path.join(os.tmpdir(), 'closecross-artifact-store-'))}`);

describe('the file artifact store', () => {
  it('gives back what was put, whole and as a stream with its size', async () => {
    const artifacts = store();
    await artifacts.put('trained_models/xgb_1.json', Buffer.from('{"learner":{}}'), 'application/json');
    expect((await artifacts.get('trained_models/xgb_1.json')).toString()).toBe('{"learner":{}}');
    const { body, bytes } = await artifacts.open('trained_models/xgb_1.json');
    expect(bytes).toBe(14);
    expect(await text(body)).toBe('{"learner":{}}');
  });

  it('says a missing key, a key under a file and a folder are not found, the folder as no file', async () => {
    const artifacts = store();
    await artifacts.put('trained_models/xgb_1.json', Buffer.from('{}'), 'application/json');
    for (const read of [(key: string) => artifacts.get(key), (key: string) => artifacts.open(key)]) {
      await expect(read('trained_models/none.json')).rejects.toThrow(ArtifactNotFoundError);
      await expect(read('trained_models/xgb_1.json/more')).rejects.toThrow(ArtifactNotFoundError);
      await expect(read('trained_models')).rejects.toThrow(ArtifactNotAFileError);
    }
  });

  it('refuses a key that would leave its folder, reading and writing', async () => {
    const artifacts = store();
    await expect(artifacts.get('../../etc/passwd')).rejects.toThrow(ArtifactKeyOutsideStoreError);
    await expect(artifacts.open('../../etc/passwd')).rejects.toThrow(ArtifactKeyOutsideStoreError);
    await expect(artifacts.put('../escape.txt', Buffer.from(''), 'text/plain')).rejects.toThrow(RangeError);
  });

  it('names the URL it cannot use', () => {
    expect(() => artifactStoreFor('ftp://host/x')).toThrow('ARTIFACT_STORE_URL must be s3://bucket/prefix or file://path, got "ftp://host/x"');
  });
});
