/**
 * The arithmetic of a fill's price, notional and fee, two ways that agree exactly:
 * - in Fixed (bigint), for any instrument and cost configuration;
 * - in whole numbers held in doubles, for the usual case (a price with at most 4 decimals, a
 *   whole quantity, costs in whole basis points and 1/100 cents), where every intermediate is an
 *   integer below 2^53 and so exact. It allocates nothing, so it is the hot path of a backtest's
 *   orders; when any condition fails it answers false and the Fixed path decides.
 * test/fill-arithmetic.test.ts checks that both give the same values.
 */
import { type Fixed, FIXED_ONE, fromNumber, maxFixed, minFixed, mulFixed, roundFixed } from '../money.ts';
import type { CostConfig, Instrument } from './types.ts';

/** A CostConfig's ratios and amounts as Fixed, made once per config (a fill used to parse each from text). */
export interface ExactCosts {
  readonly slippage: Fixed;
  readonly feePerUnit: Fixed;
  readonly feeRate: Fixed;
  readonly minFee: Fixed;
  readonly maxFeeRate: Fixed;
  readonly volumeCap: Fixed;
}
const exactCostsByConfig = new WeakMap<CostConfig, ExactCosts>();
export function exactCostsOf(costs: CostConfig): ExactCosts {
  let exact = exactCostsByConfig.get(costs);
  if (exact === undefined) {
    exact = {
      slippage: fromNumber(costs.slippageBps / 10_000),
      feePerUnit: fromNumber(costs.feePerUnit),
      feeRate: fromNumber(costs.feeBps / 10_000),
      minFee: fromNumber(costs.minFee),
      maxFeeRate: fromNumber(costs.maxFeeRate),
      volumeCap: fromNumber(costs.volumeCap),
    };
    exactCostsByConfig.set(costs, exact);
  }
  return exact;
}

/** A fill's price: slippage always, against the order, rounded half-even to the instrument; a limit then caps it (so a limit filled at its limit has none). */
export function slippedPrice(base: Fixed, buy: boolean, exactCosts: ExactCosts, instrument: Instrument, limitCap: number | undefined): Fixed {
  let price = roundFixed(mulFixed(base, (buy ? 1n : -1n) * exactCosts.slippage + FIXED_ONE), instrument.pricePrecision, 'half_even');
  if (limitCap !== undefined) {
    const limit = fromNumber(limitCap);
    price = buy ? minFixed(price, limit) : maxFixed(price, limit);
  }
  return price;
}

/** A fill's fee (CostConfig): per unit plus a rate of notional, at least minFee, at most maxFeeRate of notional, up to the cent. */
export function feeOf(quantity: Fixed, notional: Fixed, costs: CostConfig, exactCosts: ExactCosts): Fixed {
  let fee = mulFixed(quantity, exactCosts.feePerUnit) + mulFixed(notional, exactCosts.feeRate);
  fee = maxFixed(fee, exactCosts.minFee);
  if (costs.maxFeeRate > 0) fee = minFixed(fee, mulFixed(notional, exactCosts.maxFeeRate));
  return roundFixed(fee, 2, 'ceiling');
}

// --- the whole-number path --------------------------------------------------------------------

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A value in whole 1/10,000ths, or undefined when it has more than 4 decimals (the test fromNumber's fast path makes). */
function tenThousandths(value: number): number | undefined {
  if (!(Math.abs(value) < 1e9)) return undefined;
  const units = Math.round(value * 10_000);
  return units / 10_000 === value ? units : undefined;
}

/** A CostConfig in whole units: slippage and fee rate in basis points, fee per unit and the fee cap in 1/10,000ths, the minimum fee in 1/10^8. */
interface UnitCosts {
  readonly slippageBps: number;
  readonly feePerUnit: number;
  readonly feeBps: number;
  readonly minFee: number;
  readonly maxFeeRate: number;
}
const unitCostsByConfig = new WeakMap<CostConfig, UnitCosts | null>();
function unitCostsOf(costs: CostConfig): UnitCosts | null {
  let units = unitCostsByConfig.get(costs);
  if (units === undefined) {
    const feePerUnit = tenThousandths(costs.feePerUnit);
    const minFee = tenThousandths(costs.minFee);
    const maxFeeRate = tenThousandths(costs.maxFeeRate);
    const whole = (value: number) => Number.isInteger(value) && value >= 0 && value <= 10_000;
    units =
      feePerUnit !== undefined &&
      feePerUnit >= 0 &&
      minFee !== undefined &&
      minFee >= 0 &&
      maxFeeRate !== undefined &&
      maxFeeRate >= 0 &&
      whole(costs.slippageBps) &&
      whole(costs.feeBps)
        ? { slippageBps: costs.slippageBps, feePerUnit, feeBps: costs.feeBps, minFee: minFee * 10_000, maxFeeRate }
        : null;
    unitCostsByConfig.set(costs, units);
  }
  return units;
}

let remainder = 0;
/** The floor of n / d for integers n >= 0 and d > 0 below 2^53, corrected for the division's rounding; the remainder is left in `remainder`. */
function divide(n: number, d: number): number {
  let quotient = Math.floor(n / d);
  remainder = n - quotient * d;
  if (remainder < 0) {
    quotient--;
    remainder += d;
  } else if (remainder >= d) {
    quotient++;
    remainder -= d;
  }
  return quotient;
}

/** A fill in whole units: the price before slippage and after it, and the notional, in 1/10,000ths; the fee in cents. */
export interface UnitFill {
  base: number;
  price: number;
  notional: number;
  feeCents: number;
}

/**
 * `slippedPrice` and `feeOf` for `quantity` units at `reference`, in whole numbers, written into
 * `into` (a caller's scratch record: nothing is allocated); false when the number path cannot be
 * exact (then use the Fixed path).
 */
export function unitFill(
  into: UnitFill,
  reference: number,
  buy: boolean,
  quantity: number,
  limitCap: number | undefined,
  costs: CostConfig,
  instrument: Instrument,
): boolean {
  const units = unitCostsOf(costs);
  if (units === null || !Number.isInteger(quantity) || quantity < 0) return false;
  const base = tenThousandths(reference);
  if (base === undefined || base <= 0) return false;
  const bps = units.slippageBps;
  if (instrument.pricePrecision !== 4 && !(bps === 0 && instrument.pricePrecision > 4)) return false;
  let price = base;
  if (bps > 0) {
    // base x (1 +- bps / 10^4), rounded half-even to a whole 1/10,000th
    const shift = base * bps;
    if (shift > MAX_SAFE) return false;
    const whole = divide(shift, 10_000);
    const part = remainder;
    if (buy) price = base + whole + (part > 5_000 || (part === 5_000 && (base + whole) % 2 !== 0) ? 1 : 0);
    else if (part === 0) price = base - whole;
    else {
      const floor = base - whole - 1;
      const fraction = 10_000 - part;
      price = floor + (fraction > 5_000 || (fraction === 5_000 && floor % 2 !== 0) ? 1 : 0);
    }
  }
  if (limitCap !== undefined) {
    const limit = tenThousandths(limitCap);
    if (limit === undefined) return false;
    price = buy ? Math.min(price, limit) : Math.max(price, limit);
  }
  const notional = price * quantity;
  // The fee in 1/10^8: quantity x fee per unit, notional x bps, the minimum, the cap.
  const perUnit = quantity * units.feePerUnit * 10_000;
  const byRate = notional * units.feeBps;
  const cap = notional * units.maxFeeRate;
  if (notional > MAX_SAFE || perUnit + byRate > MAX_SAFE || cap > MAX_SAFE) return false;
  let fee = Math.max(perUnit + byRate, units.minFee);
  if (costs.maxFeeRate > 0) fee = Math.min(fee, cap);
  const cents = divide(fee, 1_000_000);
  into.base = base;
  into.price = price;
  into.notional = notional;
  into.feeCents = remainder > 0 ? cents + 1 : cents;
  return true;
}

/** The volume cap in Fixed: `capBase x capRatio`, floored to the instrument's quantity precision. */
export function volumeCapOf(capBase: number, capRatio: number, instrument: Instrument, exactRatio?: Fixed): Fixed {
  return roundFixed(mulFixed(fromNumber(capBase), exactRatio ?? fromNumber(capRatio)), instrument.quantityPrecision, 'floor');
}

/** `volumeCapOf` in whole units for whole-unit instruments (a whole volume, a ratio of at most 4 decimals); undefined when not exact. */
export function unitVolumeCap(capBase: number, capRatio: number, instrument: Instrument): number | undefined {
  if (instrument.quantityPrecision !== 0 || !Number.isInteger(capBase) || capBase < 0) return undefined;
  const ratio = tenThousandths(capRatio);
  if (ratio === undefined || ratio < 0 || capBase * ratio > MAX_SAFE) return undefined;
  return divide(capBase * ratio, 10_000);
}
