import v8 from 'node:v8';

/**
 * When V8 starts marking the old generation for a full GC: in the background once half the room
 * the last GC left under the heap's limit is used, at once at 85 %. V8's own rule starts it whenever
 * the room left is less than the young generation's capacity. Node 24 sizes that capacity from the
 * host's memory (64 MB here), and V8 sets the limit only about that far above the live heap when a
 * service allocates little between GCs, as a service does whose large data (bodies, features)
 * lives in ArrayBuffers. So the rule held right after every GC: the model service marked its whole
 * heap (about 45 MB, ~90 ms of CPU on V8's helper threads) every one to three `POST /predict` calls
 * of a day, taking a core from the predict threads. Measured on a day's /predict, 40 calls each,
 * interleaved with the service before the change: full GCs 13 -> 3, the service's CPU a call 78 ->
 * 64 ms, the median answer 45.9 -> 41.1 ms. Starting later (70 %) left too little room to mark
 * during a burst of allocation: parsing a 7 MB body held the event loop up to 51 ms (V8's rule and
 * 50 %: 24 to 37 ms; packages/platform/test/sliced-json.test.ts).
 */
export const markingTriggerFlags = ['--incremental-marking-soft-trigger=50', '--incremental-marking-hard-trigger=85'] as const;

let set = false;

/**
 * Sets markingTriggerFlags for this process (its worker threads too: V8's flags are the process's),
 * once. Called by createService; a process that never creates a service keeps V8's rule.
 */
export function startFullGcByHeapShare(): void {
  if (set) return;
  set = true;
  for (const flag of markingTriggerFlags) v8.setFlagsFromString(flag);
}
