/** A parameter outside its allowed range; `field` names it for API error messages. */
export class InvalidParameterError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field} ${message}`);
    this.name = 'InvalidParameterError';
    this.field = field;
  }
}

/** Too few bars for what was asked (a window of h closes needs more than h bars). */
export class NotEnoughDataError extends Error {
  readonly needed: number;
  readonly available: number;
  constructor(needed: number, available: number, what: string) {
    super(`${what} needs at least ${needed} bars, got ${available}`);
    this.name = 'NotEnoughDataError';
    this.needed = needed;
    this.available = available;
  }
}

/** A price that is not a finite positive number. */
export class InvalidPriceError extends Error {
  readonly date: string;
  readonly field: string;
  constructor(date: string, field: string, value: number) {
    super(`${field} on ${date} must be a finite positive number, got ${value}`);
    this.name = 'InvalidPriceError';
    this.date = date;
    this.field = field;
  }
}

export function requireInteger(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new InvalidParameterError(field, `must be an integer ${range}, got ${value}`);
  }
  return value;
}
