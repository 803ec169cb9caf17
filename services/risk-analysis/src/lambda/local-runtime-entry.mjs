// One execution environment of the local Lambda runtime (the lambda backend on `pnpm start`): it
// loads the deployable entry, var-lambda.mjs, as the Lambda runtime does, and runs one event at
// a time. It leaves with its parent (the IPC channel closes).
const { handler } = await import('./var-lambda.mjs');

process.on('disconnect', () => process.exit(0));
process.on('message', async ({ id, event }) => {
  const started = performance.now();
  try {
    const result = await handler(event);
    process.send({ id, result, durationMs: performance.now() - started, maxMemoryMb: process.memoryUsage().rss / 1048576 });
  } catch (error) {
    const failure = { errorMessage: String(error?.message ?? error), errorType: error?.name ?? 'Error' };
    process.send({ id, error: failure, durationMs: performance.now() - started, maxMemoryMb: process.memoryUsage().rss / 1048576 });
  }
});
process.send({ ready: true });
