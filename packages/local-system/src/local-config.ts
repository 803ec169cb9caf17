import path from 'node:path';
import { ConfigError, env, loadConfig, loopbackAddress, platformConfigSpec } from '@closecross/platform';

export const localConfigSpec = {
  DATA_DIR: env.string({ default: './.data', description: 'folder of the local system: the Postgres cluster and artifacts' }),
  HOST: env.string({ default: '127.0.0.1', description: 'address to listen on' }),
  PORT: env.int({ default: 8080, min: 0, max: 65535, description: 'port of the local system' }),
  LOCAL_PG_PORT: env.int({ default: 0, min: 0, max: 65535, description: 'port of the embedded Postgres; 0 picks a free one' }),
  LOCAL_KINESIS_PORT: env.int({ default: 0, min: 0, max: 65535, description: 'port of the in-process Kinesis emulator; 0 picks a free one' }),
  LOCAL_STREAM: env.string({ default: 'closecross-auction', description: 'stream of the local Kinesis emulator' }),
  LOCAL_STREAM_SHARDS: env.int({ default: 2, min: 1, max: 50, description: 'shards of the local stream' }),
  AUTH_DISABLED: env.boolean({ default: false, description: 'turn sign-in off; refused unless HOST is loopback' }),
  // The same variable, default and bounds as each service's own settings.
  RATE_LIMIT_PER_MINUTE: platformConfigSpec.RATE_LIMIT_PER_MINUTE,
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info', description: 'pino log level' }),
};

export function loadLocalConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(localConfigSpec, source);
  if (config.AUTH_DISABLED && !loopbackAddress(config.HOST)) {
    throw new ConfigError([`AUTH_DISABLED: sign-in may be switched off only when HOST is loopback (127.0.0.1 or ::1), got "${config.HOST}"`]);
  }
  return { ...config, DATA_DIR: path.resolve(config.DATA_DIR) };
}

export type LocalConfig = ReturnType<typeof loadLocalConfig>;

/** Written at start so the command-line tools can find the running system without options. */
export const runtimeFileName = 'local-system.json';
