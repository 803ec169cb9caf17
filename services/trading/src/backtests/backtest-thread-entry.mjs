// Entry of a backtest thread: the engine and strategies are TypeScript, and a user's strategy imports
// @closecross/engine from its own folder (STRATEGIES_DIR, anywhere), so the thread registers what the
// engine's own strategy threads register first: tsx, then the engine's resolve hook
// (packages/engine/src/isolation/register-thread.mjs, found through the engine package itself).
const engineIndex = import.meta.resolve('@closecross/engine');
const { registerStrategyThread } = await import(new URL('./isolation/register-thread.mjs', engineIndex).href);

registerStrategyThread();
await import('./backtest-thread.ts');
