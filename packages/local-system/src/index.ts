export { startLocalSystem, type LocalSystem } from './local-system.ts';
export { loadLocalConfig, runtimeFileName, type LocalConfig } from './local-config.ts';
export { routeTable, serviceDeclarations, serviceModules, servicesRoot, type LocalResources } from './service-modules.ts';
