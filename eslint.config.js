import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import boundaries. A service is deployed alone (its own image, its own production
// dependencies), so it may reach another service only over HTTP, and what several share lives in
// packages/ (@closecross/contracts for data shapes, @closecross/db for storage). Packages are
// below the services and never import one. Two places compose services and are exempt:
// packages/local-system, the composition root of `pnpm start` that mounts every service in one
// process, and infra/, which composes them for deployment (and reads their config specs).
const services = readdirSync(new URL('./services/', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const packageOf = (service) => [`@closecross/${service}`, `@closecross/${service}/*`];
// A relative path climbing out of the importing folder into a service's folder:
// '../../market-data/src/plugin.ts' from a sibling service, '../../services/model/...' from packages/.
const relativeInto = (service) => `^(\\.\\./)+(services/)?${escape(service)}(/|$)`;

const restrictedImports = (patterns) => ['error', { patterns }];
const serviceBoundary = (service, { allowPackageImports }) => {
  const others = services.filter((other) => other !== service);
  return restrictedImports([
    ...(allowPackageImports
      ? []
      : [
          {
            group: others.flatMap(packageOf),
            message:
              'A service never imports another service: share the shape through @closecross/contracts (or storage through @closecross/db) and call the other service over HTTP.',
          },
        ]),
    ...others.map((other) => ({ regex: relativeInto(other), message: `No reaching into services/${other}: import what it shares from a package.` })),
  ]);
};
const noServices = restrictedImports([
  {
    group: services.flatMap(packageOf),
    message: 'Packages sit below the services and never import one (only packages/local-system, the composition root, mounts them).',
  },
  ...services.map((service) => ({ regex: relativeInto(service), message: `No reaching into services/${service} from a package.` })),
]);

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/cdk.out/**', '.data/**', 'packages/db/migrations/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
  ...services.map((service) => ({
    files: [`services/${service}/**/*.{ts,js,mjs}`],
    rules: { 'no-restricted-imports': serviceBoundary(service, { allowPackageImports: false }) },
  })),
  // A service's tests and benchmarks may mount another service (declared as a devDependency, as the
  // model and risk tests mount market-data to load rows and bars), never reach into its files.
  ...services.map((service) => ({
    files: [`services/${service}/test/**/*.{ts,js,mjs}`, `services/${service}/bench/**/*.{ts,js,mjs}`],
    rules: { 'no-restricted-imports': serviceBoundary(service, { allowPackageImports: true }) },
  })),
  {
    files: ['packages/**/*.{ts,js,mjs}', 'tests/**/*.{ts,js,mjs}'],
    ignores: ['packages/local-system/**'],
    rules: { 'no-restricted-imports': noServices },
  },
);
