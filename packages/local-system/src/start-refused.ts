/** A start that cannot go ahead, for a reason the user can fix: start.ts prints the message alone (no stack) and exits 1. */
export class StartRefusedError extends Error {
  override name = 'StartRefusedError';
}
