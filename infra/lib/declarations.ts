import { loadServiceDeclarations, type ServiceDeclaration, type WorkerEntryPoint } from '@closecross/platform';

/** The services the stack deploys: every `services/<name>/service.ts` of the repository. */
export const servicesRoot = new URL('../../services/', import.meta.url);

export function loadDeclarations(): Promise<ServiceDeclaration[]> {
  return loadServiceDeclarations(servicesRoot);
}

/** The one declared worker that runs as `runs` (the VaR Lambda, the VaR worker task), with the service that declares it. */
export function declaredWorker(
  declarations: readonly ServiceDeclaration[],
  runs: WorkerEntryPoint['runs'],
): { owner: ServiceDeclaration; worker: WorkerEntryPoint } {
  const found = declarations.flatMap((owner) => (owner.workers ?? []).filter((worker) => worker.runs === runs).map((worker) => ({ owner, worker })));
  if (found.length !== 1)
    throw new Error(`the stack deploys exactly one ${runs} worker; the declarations have ${found.map(({ worker }) => worker.name).join(', ') || 'none'}`);
  return found[0]!;
}
