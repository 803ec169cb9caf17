import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The app is served at /app by the dashboard service, same origin as the APIs.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  mode: 'production',
  // The build may run inside a test process (NODE_ENV=test): React's production build regardless.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  // Vite's own JSX transform (oxc) with React's automatic runtime: no plugin needed for a build.
  oxc: { jsx: { runtime: 'automatic', importSource: 'react', development: false } },
  build: {
    outDir: fileURLToPath(new URL('../dist/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be an inline script, which the platform's CSP (script-src 'self') refuses.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 300,
    rolldownOptions: {
      // React Query marks its modules "use client" for server components; meaningless in this bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: { '^/(?!app)': 'http://127.0.0.1:8080' } },
});
