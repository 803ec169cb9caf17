import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
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

export function lambdaImageCode(target: string): lambda.DockerImageCode {
  return lambda.DockerImageCode.fromImageAsset(repositoryRoot, { file: 'Dockerfile', target, platform });
}

/** The container health check ECS runs: the image's HEALTHCHECK, which ECS does not read. */
export function healthCheckOf(port: number, healthPath = '/health'): ecs.HealthCheck {
  return {
    command: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${port}${healthPath}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
    interval: Duration.seconds(15),
    timeout: Duration.seconds(5),
    retries: 3,
    startPeriod: Duration.seconds(30),
  };
}
