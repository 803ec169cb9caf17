/**
 * Writes the local reverse proxy's nginx config from the services' declarations, the same route
 * table the ALB rules are made from: `pnpm proxy:config` after declaring a service or changing its paths.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultService, routeTableOf, type ServiceRoutes } from '@closecross/platform';
import { loadDeclarations } from '../lib/declarations.ts';

const repositoryRoutes = routeTableOf(await loadDeclarations());

/** An ALB path pattern (`*` any run, `?` one character) as an anchored nginx regex location. */
export function nginxLocation(pattern: string): string {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return `~ ^${regex}$`;
}

export function renderProxyConfig(table: readonly ServiceRoutes[] = repositoryRoutes): string {
  const upstream = (service: string) => `http://${service}:8080`;
  const locations = table.flatMap((entry) =>
    entry.pathPatterns.map((pattern) => `    location ${nginxLocation(pattern)} { proxy_pass ${upstream(entry.service)}; }`),
  );
  return `# Generated from services/*/service.ts by infra/proxy/render-proxy-config.ts (pnpm proxy:config): do not edit.
events {}
http {
  client_max_body_size 64m;
  proxy_read_timeout 600s;
  server {
    listen 8080;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $http_host;
    proxy_set_header X-Request-Id $request_id;
${locations.join('\n')}
    location / { proxy_pass ${upstream(defaultService)}; }
  }
}
`;
}

export const proxyConfigPath = fileURLToPath(new URL('./nginx.conf', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(proxyConfigPath, renderProxyConfig());
  console.log(`wrote ${proxyConfigPath}`);
}
