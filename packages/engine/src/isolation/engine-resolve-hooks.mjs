// Module resolution hooks of every strategy thread. A user's strategy imports `@closecross/engine`
// from wherever its folder is (STRATEGIES_DIR outside this repository's packages, an image's
// /strategies), where no node_modules holds it: the specifier always resolves to this package, so a
// strategy and the host that runs it share one engine. And a strategy is an ES module whatever
// folder it sits in: a TypeScript file with no `"type": "module"` package.json above it would
// otherwise load as CommonJS, where its imports of the engine fail.
const engineIndex = new URL('../index.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  // Resolved by the next hook (tsx's), so the TypeScript source loads as every other module does.
  const resolved = await nextResolve(specifier === '@closecross/engine' ? engineIndex : specifier, context);
  const userTypeScript = resolved.url.startsWith('file:') && /\.tsx?$/.test(resolved.url) && !resolved.url.includes('/node_modules/');
  return userTypeScript && resolved.format === 'commonjs' ? { ...resolved, format: 'module' } : resolved;
}
