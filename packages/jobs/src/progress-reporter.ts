/**
 * Progress writes that never pile up: a handler may report every round, but at most one write is
 * in flight and the latest report wins.
 */
export function coalescingReporter(write: (stage: string, progress: number) => Promise<void>) {
  let pending: { stage: string; progress: number } | undefined;
  let writing: Promise<void> | undefined;
  const drain = async () => {
    while (pending) {
      const { stage, progress } = pending;
      pending = undefined;
      await write(stage, progress).catch(() => undefined);
    }
    writing = undefined;
  };
  return {
    report(stage: string, progress: number): void {
      pending = { stage, progress };
      writing ??= drain();
    },
    flush: (): Promise<void> => writing ?? Promise.resolve(),
  };
}
