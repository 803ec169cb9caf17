import { describe, expect, it } from 'vitest';
import { divFixed, divRound, FIXED_ONE, fromNumber, hasDigits, mulFixed, parseFixed, roundFixed, sumFixed, toDecimalString, toNumber } from '../src/money.ts';

describe('exact money (Fixed, 12 decimals)', () => {
  it('adds 0.1 and 0.2 to exactly 0.3', () => {
    expect(toDecimalString(fromNumber(0.1) + fromNumber(0.2))).toBe('0.3');
    expect(0.1 + 0.2).not.toBe(0.3); // the double does not
    expect(toDecimalString(sumFixed(Array.from({ length: 10 }, () => fromNumber(0.1))))).toBe('1');
  });

  it("books the trading service's -13.000000000000114 as -13: 10 bought at 150.30, sold at 149.00", () => {
    expect((149 - 150.3) * 10).toBe(-13.000000000000114);
    const pnl = mulFixed(fromNumber(149) - fromNumber(150.3), fromNumber(10));
    expect(toDecimalString(pnl)).toBe('-13');
  });

  it('parses and writes PostgreSQL numeric text exactly', () => {
    expect(parseFixed('123.450')).toBe(123_450_000_000_000n);
    expect(toDecimalString(parseFixed('-0.000000000001'))).toBe('-0.000000000001');
    expect(toDecimalString(parseFixed('1e-7'))).toBe('0.0000001');
    expect(toDecimalString(parseFixed('.5'))).toBe('0.5');
    expect(toDecimalString(parseFixed('98765432109876.123456789012'))).toBe('98765432109876.123456789012');
    expect(toDecimalString(parseFixed('12.5'), { minDigits: 2 })).toBe('12.50');
    expect(toDecimalString(parseFixed('2.675'), { maxDigits: 2 })).toBe('2.68'); // half-even on the exact decimal, not 2.67 as a double rounds
    expect(toDecimalString(parseFixed('-0.0000000000004'), { maxDigits: 12 })).toBe('0'); // rounds to zero without a sign
    expect(() => parseFixed('12,5')).toThrow('not a decimal number: "12,5"');
    expect(() => fromNumber(Number.NaN)).toThrow('not a finite number: NaN');
  });

  it('rounds as told', () => {
    expect(divRound(5n, 2n)).toBe(2n); // half-even
    expect(divRound(7n, 2n)).toBe(4n);
    expect(divRound(-5n, 2n, 'half_up')).toBe(-3n);
    expect(divRound(-5n, 2n, 'floor')).toBe(-3n);
    expect(divRound(-5n, 2n, 'ceiling')).toBe(-2n);
    expect(divRound(5n, 2n, 'up')).toBe(3n);
    expect(toDecimalString(roundFixed(parseFixed('1.005'), 2, 'half_up'))).toBe('1.01');
    expect(hasDigits(parseFixed('1.25'), 2)).toBe(true);
    expect(hasDigits(parseFixed('1.255'), 2)).toBe(false);
    expect(toDecimalString(divFixed(FIXED_ONE, fromNumber(3)))).toBe('0.333333333333');
    expect(toNumber(parseFixed('-13.25'))).toBe(-13.25);
  });
});
