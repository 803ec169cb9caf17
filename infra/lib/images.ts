import { fileURLToPath } from 'node:url';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Images come from the repository's one Dockerfile, a target per service. Synth only stages the
 * build context (sources and lockfile; `.dockerignore` leaves out the rest); `cdk deploy` builds
 * and pushes the images, which needs a Docker engine.
 */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Fargate tasks and the Lambda run x86_64: Debian's libxgboost0 and koffi are built for it here. */
const platform = Platform.LINUX_AMD64;

export function serviceImage(target: string): ecs.ContainerImage {
  return ecs.ContainerImage.fromAsset(repositoryRoot, { file: 'Dockerfile', target, platform });
}

export function varLambdaCode(): lambda.DockerImageCode {
  return lambda.DockerImageCode.fromImageAsset(repositoryRoot, { file: 'Dockerfile', target: 'var-lambda', platform });
}
