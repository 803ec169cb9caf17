import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveDatabaseConfig, type SecretsClient } from '../src/index.ts';

const base = { DB_SSL: 'disable' as const, DB_POOL_MAX: 5, AWS_REGION: 'eu-west-1', DATABASE_URL: undefined, DB_SECRET_JSON: undefined };

/** A stub at the SDK boundary: records the command it was sent and answers a fixed secret. */
function secretsStub(secretString: string | undefined) {
  const sent: GetSecretValueCommand[] = [];
  const client: SecretsClient = {
    async send(command) {
      sent.push(command);
      return { SecretString: secretString };
    },
  };
  return { client, sent };
}

describe('resolveDatabaseConfig', () => {
  it('reads the RDS secret when DB_SECRET_ID is set', async () => {
    const rdsSecret = JSON.stringify({ username: 'app', password: 'p@ss', host: 'db.internal', port: 5433, dbname: 'closecross', engine: 'postgres' });
    const { client, sent } = secretsStub(rdsSecret);
    const config = await resolveDatabaseConfig({ ...base, DB_SECRET_ID: 'closecross/db', DB_SSL: 'require' }, client);
    expect(sent[0]!.input).toEqual({ SecretId: 'closecross/db' });
    expect(config).toMatchObject({ user: 'app', password: 'p@ss', host: 'db.internal', port: 5433, database: 'closecross', max: 5 });
    expect(config.ssl).toEqual({ rejectUnauthorized: false });
  });

  it('prefers the secret over DATABASE_URL', async () => {
    const { client } = secretsStub(JSON.stringify({ username: 'u', password: 'p', host: 'h' }));
    const config = await resolveDatabaseConfig({ ...base, DATABASE_URL: 'postgres://x@y/z', DB_SECRET_ID: 's' }, client);
    expect(config.connectionString).toBeUndefined();
    expect(config).toMatchObject({ host: 'h', port: 5432, database: 'postgres' });
  });

  it('fails clearly on a secret that lacks fields or is not JSON', async () => {
    await expect(resolveDatabaseConfig({ ...base, DB_SECRET_ID: 's' }, secretsStub('{"username":"u"}').client)).rejects.toThrow(
      'DB_SECRET_ID secret "s" lacks password, host',
    );
    await expect(resolveDatabaseConfig({ ...base, DB_SECRET_ID: 's' }, secretsStub('nope').client)).rejects.toBeInstanceOf(ConfigError);
  });

  it('takes the secret ECS injected (DB_SECRET_JSON) without calling Secrets Manager', async () => {
    const { client, sent } = secretsStub('{}');
    const injected = JSON.stringify({ username: 'app', password: 'p@ss', host: 'db.internal', port: '5432', dbname: 'closecross' });
    const config = await resolveDatabaseConfig({ ...base, DB_SECRET_JSON: injected, DB_SECRET_ID: 'ignored', DB_SSL: 'require' }, client);
    expect(sent).toHaveLength(0);
    expect(config).toMatchObject({ user: 'app', password: 'p@ss', host: 'db.internal', port: 5432, database: 'closecross' });
  });

  it('names DB_SECRET_JSON, not its value, when the injected secret is bad', async () => {
    const attempt = resolveDatabaseConfig({ ...base, DB_SECRET_JSON: '{"username":"u","password":"hunter2"}', DB_SECRET_ID: undefined });
    await expect(attempt).rejects.toThrow('DB_SECRET_JSON lacks host');
    await expect(resolveDatabaseConfig({ ...base, DB_SECRET_JSON: 'hunter2', DB_SECRET_ID: undefined })).rejects.toThrow(
      /^(?!.*hunter2).*DB_SECRET_JSON is not JSON/s,
    );
  });

  it('uses DATABASE_URL without a secret', async () => {
    const config = await resolveDatabaseConfig({ ...base, DATABASE_URL: 'postgres://a:b@c/d', DB_SECRET_ID: undefined });
    expect(config).toMatchObject({ connectionString: 'postgres://a:b@c/d', ssl: false });
  });
});
