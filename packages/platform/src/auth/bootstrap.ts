import type { AuthServices } from './authentication.ts';
import { scopes } from './scopes.ts';

export interface BootstrapAdmin {
  /** An API key holding every scope, registered under the name `bootstrap-admin`. */
  apiKey?: string | undefined;
  /** The dashboard password of `username` (role admin). */
  password?: string | undefined;
  username?: string | undefined;
}

/**
 * Makes sure the first admin exists: on AWS from the Secrets Manager secret ECS injects, locally
 * from DATA_DIR/local-system.json. Idempotent, so every task may run it at every start.
 */
export async function ensureBootstrapAdmin(services: AuthServices, admin: BootstrapAdmin): Promise<void> {
  if (admin.apiKey) {
    if (admin.apiKey.length < 24) throw new Error('the bootstrap admin API key must have at least 24 characters');
    await services.keys.ensure(admin.apiKey, { name: 'bootstrap-admin', scopes });
  }
  if (admin.password) await services.users.ensure({ username: admin.username ?? 'admin', password: admin.password, role: 'admin' });
}
