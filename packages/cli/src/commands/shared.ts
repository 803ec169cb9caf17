import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { Context } from '../context.ts';
import { CliError, exitCodes } from '../exit-codes.ts';
import { ClosecrossApiError } from '@closecross/client';

/** Wraps a command's action: gives it the Context built from the global options. */
export type Run = <Args extends unknown[]>(action: (cx: Context, ...args: Args) => Promise<void>) => (...args: unknown[]) => Promise<void>;

/** A comma-separated option value (`--universe AAPL,MSFT`), read as one CSV line: an item may be quoted (`"a,b"`). */
export function list(text: string): string[] {
  let records: string[][];
  try {
    records = parse(text, { trim: true, relax_column_count: true, skip_empty_lines: true });
  } catch (error) {
    throw new CliError(`${JSON.stringify(text)}: not a comma-separated list (${(error as Error).message})`, exitCodes.usage);
  }
  return records.flat().filter(Boolean);
}

/** A whole number from a command-line value, or a usage error naming the option. */
export function integer(name: string, min = 0) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min)
      throw new CliError(`${name} ${JSON.stringify(text)}: a whole number from ${min} is expected`, exitCodes.usage);
    return value;
  };
}

export function positiveNumber(name: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new CliError(`${name} ${JSON.stringify(text)}: a number above 0 is expected`, exitCodes.usage);
    return value;
  };
}

export function oneOf<const T extends string>(name: string, allowed: readonly T[]) {
  return (text: string): T => {
    if (!(allowed as readonly string[]).includes(text))
      throw new CliError(`${name} ${JSON.stringify(text)}: one of ${allowed.join(', ')} is expected`, exitCodes.usage);
    return text as T;
  };
}

/** A route this server may not have yet: its 404 for an unknown route becomes "not available on this server". */
export async function newerRoute<T>(description: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ClosecrossApiError && error.status === 404 && /^(No route for |Route .* not found)/.test(error.message)) {
      throw new CliError(
        `${description} is not available on this server (${error.method} ${error.url.split('?')[0]} answered 404): it needs a newer Closecross`,
        exitCodes.notAvailable,
      );
    }
    throw error;
  }
}

export type { Command };
