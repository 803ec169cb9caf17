/**
 * Exact money as fixed-point integers (as nautilus_trader does): a `Fixed` is a bigint counting
 * units of 10^-12. Twelve digits hold any price x quantity of our instruments exactly (equities:
 * price 4 digits x quantity up to 6; crypto: price 4 x quantity 8), so cash, fees, notionals and P&L
 * add up without a rounding error. Market data stays `number` (no allocation per bar); values become
 * Fixed only when something is booked (a fill, a valuation), and become text only at the edge
 * (PostgreSQL `numeric`, JSON), where `toDecimalString` writes them without trailing zeros.
 */

/** A decimal amount in units of 10^-FIXED_DIGITS. */
export type Fixed = bigint;

export const FIXED_DIGITS = 12;
export const FIXED_ONE: Fixed = 10n ** BigInt(FIXED_DIGITS);
export const FIXED_ZERO: Fixed = 0n;

const pow10: bigint[] = Array.from({ length: 2 * FIXED_DIGITS + 1 }, (_, i) => 10n ** BigInt(i));
const UNITS_PER_TEN_THOUSANDTH = pow10[FIXED_DIGITS - 4]!;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export type Rounding = 'half_even' | 'half_up' | 'down' | 'up' | 'floor' | 'ceiling';

/** Divides with a stated rounding (half_up: away from zero on a tie; down: toward zero). */
export function divRound(numerator: bigint, denominator: bigint, rounding: Rounding = 'half_even'): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) return divRound(-numerator, -denominator, rounding);
  const quotient = numerator / denominator; // truncated toward zero
  const remainder = numerator - quotient * denominator;
  if (remainder === 0n) return quotient;
  const negative = numerator < 0n;
  const awayFromZero = negative ? quotient - 1n : quotient + 1n;
  switch (rounding) {
    case 'down':
      return quotient;
    case 'up':
      return awayFromZero;
    case 'floor':
      return negative ? quotient - 1n : quotient;
    case 'ceiling':
      return negative ? quotient : quotient + 1n;
    default: {
      const twice = (remainder < 0n ? -remainder : remainder) * 2n;
      if (twice > denominator) return awayFromZero;
      if (twice < denominator) return quotient;
      if (rounding === 'half_up') return awayFromZero;
      return quotient % 2n === 0n ? quotient : awayFromZero;
    }
  }
}

const decimalPattern = /^([+-])?(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^([+-])?\.(\d+)(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a decimal string ("123.45", "-0.1", "1e-7", PostgreSQL numeric text) exactly. Digits past
 * the 12th decimal are rounded half-even; anything not a finite decimal throws a RangeError naming it.
 */
export function parseFixed(text: string, rounding: Rounding = 'half_even'): Fixed {
  const match = decimalPattern.exec(text.trim());
  if (!match) throw new RangeError(`not a decimal number: "${text}"`);
  const sign = match[1] ?? match[5];
  const whole = match[2] ?? '0';
  const fraction = match[3] ?? match[6] ?? '';
  const exponent = Number(match[4] ?? match[7] ?? 0);
  // value = digits x 10^(exponent - fraction.length); we want it x 10^FIXED_DIGITS
  const digits = BigInt(whole + fraction);
  const shift = FIXED_DIGITS + exponent - fraction.length;
  let units: bigint;
  if (shift >= 0) units = digits * 10n ** BigInt(shift);
  else units = divRound(digits, 10n ** BigInt(-shift), rounding);
  return sign === '-' ? -units : units;
}

/**
 * A double to Fixed, through its shortest round-trip decimal text: 0.1 becomes exactly 0.1, and
 * 0.1 + 0.2 becomes 0.300000000000 (the double's 17th digit is past our 12). `digits` rounds
 * further, e.g. to an instrument's precision.
 */
export function fromNumber(value: number, digits: number = FIXED_DIGITS, rounding: Rounding = 'half_even'): Fixed {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  if (Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER) return BigInt(value) * FIXED_ONE;
  // Fast exact path for prices and ratios with at most 4 decimals (no text): when s / 10^4 is the
  // double itself, s x 10^-4 is its shortest decimal, because below 10^9 a double's neighbours are
  // closer than 10^-7, so no other decimal of 4 or fewer places (or fewer digits) maps to it.
  if (Math.abs(value) < 1e9) {
    const scaled = Math.round(value * 10_000);
    if (scaled / 10_000 === value) {
      const units = BigInt(scaled) * UNITS_PER_TEN_THOUSANDTH;
      return digits >= 4 ? units : roundFixed(units, digits, rounding);
    }
  }
  const units = parseFixed(String(value), rounding);
  return digits >= FIXED_DIGITS ? units : roundFixed(units, digits, rounding);
}

/** Rounds to a number of decimal digits (still a Fixed). */
export function roundFixed(value: Fixed, digits: number, rounding: Rounding = 'half_even'): Fixed {
  if (digits >= FIXED_DIGITS) return value;
  const step = pow10[FIXED_DIGITS - digits]!;
  return divRound(value, step, rounding) * step;
}

/** Whether a Fixed has no more than `digits` decimals. */
export function hasDigits(value: Fixed, digits: number): boolean {
  return digits >= FIXED_DIGITS || value % pow10[FIXED_DIGITS - digits]! === 0n;
}

/** a x b, exact when the factors' decimals add up to 12 or fewer; otherwise rounded. */
export function mulFixed(a: Fixed, b: Fixed, rounding: Rounding = 'half_even'): Fixed {
  return divRound(a * b, FIXED_ONE, rounding);
}

/** a / b, rounded to 12 decimals. */
export function divFixed(a: Fixed, b: Fixed, rounding: Rounding = 'half_even'): Fixed {
  return divRound(a * FIXED_ONE, b, rounding);
}

/** a x ratio (ratio as a number such as 0.0005 for 5 bps), through the ratio's exact decimal. */
export function mulRatio(a: Fixed, ratio: number, rounding: Rounding = 'half_even'): Fixed {
  return mulFixed(a, fromNumber(ratio), rounding);
}

export function absFixed(value: Fixed): Fixed {
  return value < 0n ? -value : value;
}

export function minFixed(a: Fixed, b: Fixed): Fixed {
  return a < b ? a : b;
}

export function maxFixed(a: Fixed, b: Fixed): Fixed {
  return a > b ? a : b;
}

/**
 * Decimal text for PostgreSQL `numeric` and JSON. Trailing zeros go unless `minDigits` keeps some
 * ("-13", "0.3", or "12.50" with minDigits 2); `maxDigits` rounds first (reports round only here).
 */
export function toDecimalString(value: Fixed, options: { minDigits?: number; maxDigits?: number; rounding?: Rounding } = {}): string {
  const maxDigits = options.maxDigits ?? FIXED_DIGITS;
  const rounded = maxDigits < FIXED_DIGITS ? roundFixed(value, maxDigits, options.rounding ?? 'half_even') : value;
  const negative = rounded < 0n;
  const digits = (negative ? -rounded : rounded).toString().padStart(FIXED_DIGITS + 1, '0');
  const whole = digits.slice(0, digits.length - FIXED_DIGITS);
  let fraction = digits.slice(digits.length - FIXED_DIGITS, digits.length - FIXED_DIGITS + Math.min(maxDigits, FIXED_DIGITS));
  const minDigits = Math.min(options.minDigits ?? 0, maxDigits);
  let end = fraction.length;
  while (end > minDigits && fraction[end - 1] === '0') end--;
  fraction = fraction.slice(0, end);
  const text = fraction.length > 0 ? `${whole}.${fraction}` : whole;
  return negative && rounded !== 0n ? `-${text}` : text;
}

/** A Fixed as the nearest double, for display and for strategies; never for booking. */
export function toNumber(value: Fixed): number {
  // Exact fast path: a whole number of 10^-4 units below 2^53 is an exact double n, and n / 10^4
  // is correctly rounded, the same double as the decimal text parses to; likewise for all 12 digits.
  const tenThousandths = value / UNITS_PER_TEN_THOUSANDTH;
  if (tenThousandths * UNITS_PER_TEN_THOUSANDTH === value) {
    if (tenThousandths <= MAX_SAFE && tenThousandths >= -MAX_SAFE) return Number(tenThousandths) / 10_000;
  } else if (value <= MAX_SAFE && value >= -MAX_SAFE) return Number(value) / 1e12;
  return Number(toDecimalString(value));
}

/** Sum of Fixed values. */
export function sumFixed(values: Iterable<Fixed>): Fixed {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}
