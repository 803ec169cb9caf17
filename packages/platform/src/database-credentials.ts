import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PoolConfig } from 'pg';
import { ConfigError } from './config.ts';
import { timeoutSettings } from './database-pool.ts';
import type { PlatformConfig } from './platform-config.ts';

/** The part of the Secrets Manager client we use; tests pass a stub of this shape. */
export interface SecretsClient {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string | undefined }>;
}

/** The JSON that RDS writes into a generated secret. */
interface RdsSecret {
  username: string;
  password: string;
  host: string;
  port?: number | string;
  dbname?: string;
}

/** `source` names where the secret came from in errors, never its value. */
function parseRdsSecret(source: string, secretString: string | undefined): RdsSecret {
  let parsed: Partial<RdsSecret>;
  try {
    parsed = JSON.parse(secretString ?? '') as Partial<RdsSecret>;
  } catch {
    throw new ConfigError([`${source} is not JSON`]);
  }
  const missing = (['username', 'password', 'host'] as const).filter((key) => !parsed[key]);
  if (missing.length > 0) {
    throw new ConfigError([`${source} lacks ${missing.join(', ')}`]);
  }
  return parsed as RdsSecret;
}

function sslOption(mode: PlatformConfig['DB_SSL']): PoolConfig['ssl'] {
  if (mode === 'disable') return false;
  return { rejectUnauthorized: mode === 'verify-full' };
}

function poolConfigOf(secret: RdsSecret, common: PoolConfig): PoolConfig {
  return {
    ...common,
    user: secret.username,
    password: secret.password,
    host: secret.host,
    port: Number(secret.port ?? 5432),
    database: secret.dbname ?? 'postgres',
  };
}

/**
 * Resolves where the database is, first found wins: the RDS secret ECS injected
 * (DB_SECRET_JSON; how the CDK stack runs tasks), the RDS secret read by id (DB_SECRET_ID), or
 * DATABASE_URL. Either secret keeps the password out of the task definition.
 */
export async function resolveDatabaseConfig(
  config: Pick<PlatformConfig, 'DATABASE_URL' | 'DB_SECRET_JSON' | 'DB_SECRET_ID' | 'DB_SSL' | 'DB_POOL_MAX' | 'AWS_REGION'> &
    Partial<Pick<PlatformConfig, 'DB_CONNECT_TIMEOUT_MS' | 'DB_STATEMENT_TIMEOUT_MS'>>,
  secretsClient?: SecretsClient,
): Promise<PoolConfig> {
  const common: PoolConfig = {
    max: config.DB_POOL_MAX,
    ssl: sslOption(config.DB_SSL),
    ...timeoutSettings({
      ...(config.DB_CONNECT_TIMEOUT_MS === undefined ? {} : { connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS }),
      ...(config.DB_STATEMENT_TIMEOUT_MS === undefined ? {} : { statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS }),
    }),
  };
  if (config.DB_SECRET_JSON) return poolConfigOf(parseRdsSecret('DB_SECRET_JSON', config.DB_SECRET_JSON), common);
  if (config.DB_SECRET_ID) {
    const client = secretsClient ?? new SecretsManagerClient(config.AWS_REGION ? { region: config.AWS_REGION } : {});
    const response = await client.send(new GetSecretValueCommand({ SecretId: config.DB_SECRET_ID }));
    return poolConfigOf(parseRdsSecret(`DB_SECRET_ID secret "${config.DB_SECRET_ID}"`, response.SecretString), common);
  }
  if (!config.DATABASE_URL) throw new ConfigError(['DATABASE_URL is required (or set DB_SECRET_JSON or DB_SECRET_ID)']);
  return { ...common, connectionString: config.DATABASE_URL };
}
