import { alertsConfigSpec } from '@closecross/alerts/config';
import { env, loadConfig, type ConfigOf } from '@closecross/platform';

/** Where the model service keeps artifacts and predictions: market-data reads them for the downloads. */
export const artifactStoreConfigSpec = {
  ARTIFACT_STORE_URL: env.string({
    default: 'file://./.data/artifacts',
    description: "the model service's artifact store, read for downloads: s3://bucket/prefix or file://folder",
  }),
  S3_ENDPOINT: env.optionalUrl('S3 endpoint (an emulator); AWS when unset'),
};
export type ArtifactStoreConfig = ConfigOf<typeof artifactStoreConfigSpec>;
export const loadArtifactStoreConfig = (source: NodeJS.ProcessEnv = process.env): ArtifactStoreConfig => loadConfig(artifactStoreConfigSpec, source);

/** Every setting a market-data task reads: the alerts module it mounts, and the artifact store. */
export const marketDataConfigSpec = { ...alertsConfigSpec, ...artifactStoreConfigSpec };
