export { startLocalSystem, type LocalSystem } from './local-system.ts';
export { loadLocalConfig, runtimeFileName, type LocalConfig } from './local-config.ts';
export { serviceModules } from './service-modules.ts';
