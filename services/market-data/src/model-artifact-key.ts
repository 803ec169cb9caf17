import { badRequest } from '@closecross/platform';
import type { Pool } from '@closecross/db';
import { isFolderOfRegisteredKeys } from './repositories/catalog-repository.ts';

/** The folders the model service writes into the artifact store: a model's artifact is a file inside one. */
const storeFolders = new Set(['trained_models', 'inference_data']);

/**
 * A model's artifact key must name a file. The registration cannot see the store, but it can tell
 * a folder when the key is one the model service writes into, or a prefix of keys already
 * registered (`trained_models` when `trained_models/x.json` exists): such a model would answer
 * 422 on every /predict. Checked after the key's shape (checkObjectKey).
 */
export async function refuseFolderArtifactKey(pool: Pool, key: string | null | undefined): Promise<void> {
  if (key === null || key === undefined) return;
  const folder = storeFolders.has(key) || (await isFolderOfRegisteredKeys(pool, key));
  if (folder) {
    throw badRequest(
      `body/model_artifact_path "${key}" names a folder of the artifact store, not a file: give the artifact's own key, such as "trained_models/<name>.json"`,
    );
  }
}
