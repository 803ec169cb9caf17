// Module resolution hooks of every strategy thread. A user's strategy imports `@closecross/engine`
// from wherever its folder is (STRATEGIES_DIR outside this repository's packages, an image's
// /strategies), where no node_modules holds it: the specifier always resolves to this package, so a
// strategy and the host that runs it share one engine. And a strategy is an ES module whatever
// folder it sits in: a TypeScript file with no `"type": "module"` package.json above it would
// otherwise load as CommonJS, where its imports of the engine fail.
//
// The format is decided here, not taken from the next hook: what the chain answers for such a file
// depends on Node and tsx. Node 24 answers `null` for a `.ts` file with no package.json above it (its
// type is left to syntax detection at load time, which then picks CommonJS for tsx's output); tsx
// answers `commonjs` when a package.json without `"type"` is above it; Node's own type stripping
// says `commonjs-typescript` or `module-typescript`. Every one of those is a strategy's TypeScript,
// and it loads as an ES module. A strategy's `.js` file is an ES module too: tsx would otherwise
// compile its `import`s to `require`s. Only `.cts`/`.cjs` say CommonJS on purpose, and keep it;
// dependencies (node_modules) keep what their packages say.
const engineIndex = new URL('../index.ts', import.meta.url).href;
const strategySource = /\.(ts|tsx|mts|js)$/;

/** The format a strategy thread loads a resolved URL in: an ES module for TypeScript and JavaScript outside node_modules. */
export function strategyFormat(url, format) {
  if (!url.startsWith('file:')) return format;
  const { pathname } = new URL(url);
  if (!strategySource.test(pathname) || pathname.includes('/node_modules/')) return format;
  return 'module';
}

export async function resolve(specifier, context, nextResolve) {
  // Resolved by the next hook (tsx's), so the TypeScript source loads as every other module does.
  const resolved = await nextResolve(specifier === '@closecross/engine' ? engineIndex : specifier, context);
  const format = strategyFormat(resolved.url, resolved.format);
  return format === resolved.format ? resolved : { ...resolved, format };
}
