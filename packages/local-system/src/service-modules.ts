import { alertsModule } from '@closecross/alerts';
import { jobsModule } from '@closecross/jobs';
import { loadServiceDeclarations, routeTableOf, type ServiceDeclaration, type ServiceModule } from '@closecross/platform';

/** Where the services live: every `services/<name>/service.ts` is one service. */
export const servicesRoot = new URL('../../../services/', import.meta.url);

/** The declarations of this repository's services, in folder order. */
export const serviceDeclarations: readonly ServiceDeclaration[] = await loadServiceDeclarations(servicesRoot);

/** Which service owns which paths: the table the ALB rules and the nginx proxy are made from too. */
export const routeTable = routeTableOf(serviceDeclarations);

export interface LocalResources {
  kinesisEndpoint: string;
  stream: string;
  artifactsDir: string;
}

/**
 * The declared services' modules, mounted together at the same paths the ALB routes to each.
 * Each module carries its declaration's patterns, so createService checks its routes against
 * them and that no two services claim a path. The local stand-ins for AWS reach the services as
 * the variables their settings read, as docker compose passes them.
 */
export async function serviceModules(local: LocalResources, declarations: readonly ServiceDeclaration[] = serviceDeclarations): Promise<ServiceModule<any>[]> {
  const environment = {
    // On one machine, s=lambda and s=ecs run for real as local processes (the VaR handler, the VaR worker).
    RISK_AWS_BACKENDS: 'local-processes',
    ...process.env,
    KINESIS_ENDPOINT: local.kinesisEndpoint,
    INGEST_STREAM: local.stream,
    ARTIFACT_STORE_URL: `file://${local.artifactsDir}`,
  };
  const modules = await Promise.all(
    declarations.map(async (declaration) => {
      const module = await declaration.module(environment);
      if (module.name !== declaration.name)
        throw new Error(`the module of ${declaration.name} is named ${module.name}: a module is named after its declaration`);
      return { ...module, pathPatterns: declaration.pathPatterns };
    }),
  );
  // The one job API, once for the whole process; each service's engine runs its own kinds.
  // Alerts too: their routes and the one deliverer of this process.
  return [...modules, jobsModule, alertsModule];
}
