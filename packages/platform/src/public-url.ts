import { ConfigError } from './config.ts';

export type PublicQuery = Record<string, string | number | boolean | null | undefined>;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * An absolute URL of this API for a client to follow (`/chart?analysis=…`), built from
     * PUBLIC_BASE_URL alone: no request header (Host, X-Forwarded-Host, X-Forwarded-Proto) can
     * steer it to another host or scheme.
     */
    publicUrl(path: string, query?: PublicQuery): string;
  }
}

/** The base every returned URL starts with: PUBLIC_BASE_URL, else this task's own address. */
export function publicBaseUrlOf(config: { PUBLIC_BASE_URL?: string | undefined; HOST: string; PORT: number }): string {
  if (config.PUBLIC_BASE_URL) return config.PUBLIC_BASE_URL;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.PORT}`;
}

/** Checks a base URL once: http or https, a host, and no query, fragment or credentials. */
export function checkPublicBaseUrl(raw: string): URL {
  let base: URL;
  try {
    base = new URL(raw);
  } catch {
    throw new ConfigError([`PUBLIC_BASE_URL must be a URL, got "${raw}"`]);
  }
  const problems: string[] = [];
  if (base.protocol !== 'http:' && base.protocol !== 'https:') problems.push(`PUBLIC_BASE_URL must be http or https, got "${base.protocol}"`);
  if (!base.hostname) problems.push('PUBLIC_BASE_URL needs a host');
  if (base.search || base.hash || base.username || base.password) problems.push('PUBLIC_BASE_URL must have no query, fragment or credentials');
  if (problems.length > 0) throw new ConfigError(problems);
  return base;
}

/**
 * `base` + `path` (an absolute path of ours, kept under the base's own path prefix) + `query`,
 * every value percent-encoded. A path that is not one of ours (`//evil.example`, `http:…`, a
 * backslash) is refused rather than joined.
 */
export function publicUrl(baseUrl: string, path: string, query: PublicQuery = {}): string {
  const base = checkPublicBaseUrl(baseUrl);
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\') || /[\s?#]/.test(path)) {
    throw new Error(`publicUrl: "${path}" is not an absolute path of this API`);
  }
  const url = new URL(base.origin);
  url.pathname = base.pathname.replace(/\/+$/, '') + path;
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null) url.searchParams.append(name, String(value));
  return url.toString();
}
