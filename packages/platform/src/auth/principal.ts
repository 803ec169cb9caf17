import type { Scope } from './scopes.ts';

/** Who is calling, and what they may do. */
export interface Principal {
  kind: 'key' | 'session' | 'local';
  /** The key's or the user's id. */
  id: string;
  /** The key's name or the username, for the audit. */
  name: string;
  scopes: ReadonlySet<Scope>;
  /** Cookie sessions only: the token a write must echo in `x-csrf-token`. */
  csrfToken?: string;
  role?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the platform before any handler runs; undefined on public routes without credentials. */
    principal: Principal | undefined;
  }
}
