import { fromNumber, roundFixed, toDecimalString } from '@closecross/engine';
import pg from 'pg';

/**
 * Money columns are PostgreSQL `numeric` (exact); node-postgres hands them over as text. They are
 * read as JS numbers, as the API's JSON has numbers: the exact decimal "-13" is the number -13,
 * and sums and products done in SQL stay exact until this edge. (Process-wide, like the platform's
 * int8 parser; no other service has numeric columns.)
 */
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => Number(value));

/** Decimals booked for a computed amount (a fee): past them a double's binary noise begins. */
export const bookedDigits = 8;

/** An amount computed in floating point (a fee from bps), as the exact decimal text stored for it. */
export function bookedDecimal(value: number, digits = bookedDigits): string {
  return toDecimalString(roundFixed(fromNumber(value), digits));
}
