import type { ServiceDeclaration } from '@closecross/platform';

/**
 * Checks of the hand-written deployment files against the service declarations: each returns
 * what is missing or wrong, one sentence a problem, so a new service's gaps are named at once.
 */

type ComposeFile = { services: Record<string, any> };

/** docker-compose.yml: each declared service built from its image target, health-checked on its health path, after Postgres, behind the proxy. */
export function composeProblems(compose: ComposeFile, declarations: readonly ServiceDeclaration[]): string[] {
  const problems: string[] = [];
  for (const { name, server, healthPath, usesDatabase } of declarations) {
    const service = compose.services[name];
    if (!service) {
      problems.push(`docker-compose.yml has no service ${name} (declared in services/${name}/service.ts)`);
      continue;
    }
    if (service.build?.context !== '.' || service.build?.target !== server.image)
      problems.push(`compose service ${name} must build { context: ., target: ${server.image} }`);
    const check = (service.healthcheck?.test ?? []) as string[];
    if (!check.join(' ').includes(healthPath)) problems.push(`compose service ${name} has no health check on ${healthPath}`);
    if (usesDatabase && service.depends_on?.postgres?.condition !== 'service_healthy')
      problems.push(`compose service ${name} must start after postgres is healthy`);
    if (compose.services.proxy?.depends_on?.[name]?.condition !== 'service_healthy') problems.push(`the compose proxy must wait for ${name} to be healthy`);
  }
  return problems;
}

interface DockerStage {
  name: string;
  lines: string[];
}

export function dockerStages(dockerfile: string): DockerStage[] {
  const stages: DockerStage[] = [];
  for (const line of dockerfile.replace(/\\\n/g, ' ').split('\n')) {
    const from = /^FROM \S+ AS ([\w-]+)$/.exec(line);
    if (from) stages.push({ name: from[1]!, lines: [] });
    else if (line.trim() && !line.startsWith('#')) stages.at(-1)?.lines.push(line.trim());
  }
  return stages;
}

/** The Dockerfile: each declared image is a stage that copies its service's deployed folder and runs the declared entry. */
export function dockerfileProblems(dockerfile: string, declarations: readonly ServiceDeclaration[]): string[] {
  const stages = dockerStages(dockerfile);
  const problems: string[] = [];
  for (const declaration of declarations) {
    for (const entry of [declaration.server, ...(declaration.workers ?? [])]) {
      const stage = stages.find((candidate) => candidate.name === entry.image);
      if (!stage) {
        problems.push(`the Dockerfile has no stage ${entry.image} (declared by ${declaration.name})`);
        continue;
      }
      const folder = stage.lines.map((line) => /^COPY --from=build (?:--chown=\S+ )?\/deploy\/([\w-]+) /.exec(line)?.[1]).find(Boolean);
      if (folder !== declaration.name) problems.push(`stage ${entry.image} must copy /deploy/${declaration.name}, copies ${folder ?? 'nothing'}`);
      const cmd = stage.lines.find((line) => line.startsWith('CMD '));
      const args = cmd ? (JSON.parse(cmd.slice(4)) as string[]) : [];
      // A Lambda image's CMD names `module.handler`; any other runs the file with node.
      const runs = args[0] === 'node' ? args.at(-1) : args[0]?.replace(/\.handler$/, '');
      if (runs !== entry.file && runs !== entry.file.replace(/\.m?[jt]s$/, ''))
        problems.push(`stage ${entry.image} must run ${entry.file}, its CMD runs ${runs ?? 'nothing'}`);
    }
  }
  return problems;
}
