export { modelService, modelServiceWith, type ModelServiceOptions } from './plugin.ts';
export { loadModelConfig, modelConfigSpec, type ModelConfig } from './model-config.ts';
export { artifactStoreFor } from '@closecross/contracts/artifact-writer';
