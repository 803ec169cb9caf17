import { Xoshiro128 } from '@closecross/quant';
import { describe, expect, it } from 'vitest';
import { exactCostsOf, feeOf, slippedPrice, unitFill, unitVolumeCap, volumeCapOf, type UnitFill } from '../src/exchange/fill-arithmetic.ts';
import { cryptoTakerCosts, instrumentForSymbol, usEquityCosts, zeroCosts } from '../src/exchange/instruments.ts';
import type { CostConfig, Instrument } from '../src/exchange/types.ts';
import { fromNumber, mulFixed, toDecimalString } from '../src/money.ts';

/** The Fixed path's price, notional and fee as decimal text. */
function exactly(reference: number, buy: boolean, quantity: number, limitCap: number | undefined, costs: CostConfig, instrument: Instrument) {
  const exactCosts = exactCostsOf(costs);
  const price = slippedPrice(fromNumber(reference), buy, exactCosts, instrument, limitCap);
  const units = fromNumber(quantity);
  const notional = mulFixed(price, units);
  return [toDecimalString(price), toDecimalString(notional), toDecimalString(feeOf(units, notional, costs, exactCosts))];
}

const scratch: UnitFill = { base: 0, price: 0, notional: 0, feeCents: 0 };
function inNumbers(reference: number, buy: boolean, quantity: number, limitCap: number | undefined, costs: CostConfig, instrument: Instrument) {
  if (!unitFill(scratch, reference, buy, quantity, limitCap, costs, instrument)) return undefined;
  const text = (units: bigint, digits: bigint) => toDecimalString(units * 10n ** digits);
  return [text(BigInt(scratch.price), 8n), text(BigInt(scratch.notional), 8n), text(BigInt(scratch.feeCents), 10n)];
}

const equity = instrumentForSymbol('AAPL');
const crypto = instrumentForSymbol('BTC-PERP');

describe('fill arithmetic in whole numbers agrees with the Fixed path', () => {
  it('AAPL 2016-08-25 open 26.8475, 100 shares bought at the stated costs: 26.8502, 2,685.02, the $1 minimum', () => {
    expect(inNumbers(26.8475, true, 100, undefined, usEquityCosts, equity)).toEqual(['26.8502', '2685.02', '1']);
    expect(exactly(26.8475, true, 100, undefined, usEquityCosts, equity)).toEqual(['26.8502', '2685.02', '1']);
  });

  it('on 20,000 random fills: equities and crypto, buys and sells, limits, ties of the half-even rounding, fee minimum and cap', () => {
    const random = new Xoshiro128(21, 5);
    const pick = (n: number) => Math.floor(random.nextOpenUnit() * n);
    const configs: Array<[CostConfig, Instrument]> = [
      [usEquityCosts, equity],
      [cryptoTakerCosts, crypto],
      [zeroCosts, { ...equity, pricePrecision: 6 }],
      [{ feePerUnit: 0.0035, feeBps: 3, minFee: 0.35, maxFeeRate: 0.005, slippageBps: 5, volumeCap: 0 }, equity],
    ];
    let compared = 0;
    for (let i = 0; i < 20_000; i++) {
      const [costs, instrument] = configs[i % configs.length]!;
      // Prices with 0 to 4 decimals (some ending in 5: the rounding's ties), sometimes more (the number path must decline).
      const decimals = pick(6);
      const reference = Math.round((0.5 + random.nextOpenUnit() * 3_000) * 10 ** decimals) / 10 ** decimals;
      const quantity = pick(4) === 0 ? 1 + pick(10) : 1 + pick(50_000);
      const buy = pick(2) === 0;
      const limitCap = pick(3) === 0 ? Math.round(reference * (0.999 + random.nextOpenUnit() * 0.002) * 10_000) / 10_000 : undefined;
      const numbers = inNumbers(reference, buy, quantity, limitCap, costs, instrument);
      if (numbers === undefined) continue;
      compared++;
      expect(numbers, `${buy ? 'buy' : 'sell'} ${quantity} at ${reference} limit ${limitCap}`).toEqual(
        exactly(reference, buy, quantity, limitCap, costs, instrument),
      );
    }
    expect(compared).toBeGreaterThan(12_000);
  });

  it('the volume cap in whole shares agrees with the Fixed path on 5,000 random bars (2.5 % of volume, floored), and declines fractional volumes', () => {
    const random = new Xoshiro128(22, 5);
    for (let i = 0; i < 5_000; i++) {
      const volume = Math.floor(random.nextOpenUnit() * 10 ** (1 + Math.floor(random.nextOpenUnit() * 9)));
      const ratio = [0.025, 1, 0.1234, 0.0001][i % 4]!;
      expect(toDecimalString(BigInt(unitVolumeCap(volume, ratio, equity)!) * 10n ** 12n), `${volume} x ${ratio}`).toBe(
        toDecimalString(volumeCapOf(volume, ratio, equity)),
      );
    }
    expect(unitVolumeCap(1000.5, 0.025, equity)).toBeUndefined();
    expect(unitVolumeCap(1000, 0.025, crypto)).toBeUndefined();
  });

  it('declines what it cannot do exactly: prices past 4 decimals, fractional quantities, fees below 1/10,000th, fractional basis points', () => {
    expect(unitFill(scratch, 100.00001, true, 10, undefined, usEquityCosts, equity)).toBe(false);
    expect(unitFill(scratch, 100, true, 0.5, undefined, cryptoTakerCosts, crypto)).toBe(false);
    expect(unitFill(scratch, 100, true, 10, undefined, { ...usEquityCosts, feePerUnit: 0.00005 }, equity)).toBe(false);
    expect(unitFill(scratch, 100, true, 10, undefined, { ...usEquityCosts, slippageBps: 0.5 }, equity)).toBe(false);
    expect(unitFill(scratch, 100, true, 10, undefined, usEquityCosts, { ...equity, pricePrecision: 2 })).toBe(false);
  });
});
