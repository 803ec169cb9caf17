/**
 * What a credential may do. Every route states one of these (or `public`) in `config.scope`,
 * next to its schema; the service factory refuses to start when a route states none.
 */
export const scopes = ['read', 'ingest', 'models', 'risk', 'trade', 'admin'] as const;
export type Scope = (typeof scopes)[number];

/**
 * What a route states: a scope; `authenticated` for any valid credential (who am I, sign out);
 * `public` for anyone (sign-in itself, and the platform's probes).
 */
export type RouteScope = Scope | 'authenticated' | 'public';

/** What each role of a person grants. An admin holds every scope. */
export const roleScopes = {
  viewer: ['read'],
  trader: ['read', 'trade', 'risk'],
  analyst: ['read', 'models', 'risk'],
  admin: [...scopes],
} as const satisfies Record<string, readonly Scope[]>;
export type Role = keyof typeof roleScopes;
export const roles = Object.keys(roleScopes) as Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a caller needs for this route; `public` for none. */
    scope?: RouteScope;
    /**
     * A GET (or HEAD) that changes state, kept for clients that call it so (the reference's
     * `/terminate`, `/reset`): a session cookie alone is then not enough, as for a write; the
     * CSRF token must come with it, and the request is audited. API keys are unaffected.
     */
    stateChanging?: boolean;
  }
}
