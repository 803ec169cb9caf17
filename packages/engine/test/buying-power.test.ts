import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../src/backtest/run-backtest.ts';
import { SimulatedClock } from '../src/clock.ts';
import { runBacktestInWorker } from '../src/host.ts';
import type { Bar, OrderUpdate } from '../src/events.ts';
import { SimulatedExchange } from '../src/exchange/simulated-exchange.ts';
import type { AccountLedger, AccountModel, ExchangeSnapshot } from '../src/exchange/types.ts';
import { toNumber } from '../src/money.ts';
import { Portfolio } from '../src/portfolio/portfolio.ts';
import { defineStrategy } from '../src/strategy/define.ts';
import { aaplDaily, dataDir } from './exchange-helpers.ts';

// AAPL 2016-08-24 closed at 27.0075: a market buy is priced at it plus 1 bp of slippage,
// 27.01020075 -> 27.0102, and pays $0.005 a share (at least $1).
const bars = aaplDaily('2016-08-24', '2016-08-29');

const ledgerOf = (portfolio: Portfolio): AccountLedger => ({
  cash: () => toNumber(portfolio.cash),
  equity: () => toNumber(portfolio.equity),
  grossExposure: () => toNumber(portfolio.exposure.gross),
  position: (symbol) => toNumber(portfolio.quantity(symbol)),
});

/** An exchange checking buying power against a portfolio, after AAPL's close of 24 August 2016. */
function accountAfterFirstClose(cash: string, account: AccountModel = { kind: 'cash' }) {
  const clock = new SimulatedClock(bars[0]!.endMs);
  const portfolio = new Portfolio(cash);
  const exchange = new SimulatedExchange({ clock, buyingPower: { account, ledger: ledgerOf(portfolio) } });
  exchange.process(bars[0]!);
  /** The next session: fills booked, positions marked at its close. */
  const next = (bar: Bar) => {
    clock.advanceTo(bar.endMs);
    const { fills } = exchange.process(bar);
    for (const fill of fills) portfolio.applyFill(fill);
    portfolio.markEvent(bar);
    return fills;
  };
  return { exchange, portfolio, next };
}

describe('buying power: a cash account pays for what it buys (AAPL, August 2016, stated equity costs)', () => {
  it('refuses a buy of 1,000 AAPL costing $27,015.20 with $27,000 in cash, naming both; accepts it with exactly $27,015.20', () => {
    const short = accountAfterFirstClose('27000');
    const refused = short.exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1000 });
    expect(refused.order.state).toBe('rejected');
    // 1,000 x 27.0102 = 27,010.20, plus $5.00 in fees
    expect(refused.order.reason).toBe('insufficient buying power: needs 27015.20, has 27000.00 (cash account)');
    expect(short.next(bars[1]!)).toEqual([]);

    const exact = accountAfterFirstClose('27015.20');
    expect(exact.exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1000 }).order.state).toBe('accepted');
    const [fill] = exact.next(bars[1]!);
    // filled at the next open, 26.8475 x 1.0001 -> 26.8502: cheaper than the estimate, cash stays positive
    expect(fill!.price).toBe(26.8502);
    expect(toNumber(exact.portfolio.cash)).toBe(160);
  });

  it('counts what open orders have reserved, and frees it when one is cancelled', () => {
    const { exchange } = accountAfterFirstClose('40000');
    const first = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1000 });
    expect(first.order.state).toBe('accepted');
    // 500 x 27.0102 = 13,505.10 + $2.50; 40,000 - 27,015.20 reserved = 12,984.80
    const second = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 500 });
    expect(second.order.reason).toBe('insufficient buying power: needs 13507.60, has 12984.80 (cash account)');
    exchange.cancel(first.order.id);
    expect(exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 500 }).order.state).toBe('accepted');
  });

  it('an open order still holds its buying power after a restart through JSON (and from a snapshot written before reservations were saved)', () => {
    const { exchange, portfolio } = accountAfterFirstClose('40000');
    const first = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1000 });
    expect(first.order.state).toBe('accepted');
    const saved = JSON.parse(JSON.stringify(exchange.snapshot())) as ExchangeSnapshot;
    expect(saved.orders[0]).toMatchObject({ reservation: 27015.2, reservedFilled: '0' });
    const clock = new SimulatedClock(bars[0]!.endMs);
    const restoredFrom = (snapshot: ExchangeSnapshot) =>
      SimulatedExchange.restore(snapshot, { clock, buyingPower: { account: { kind: 'cash' }, ledger: ledgerOf(portfolio) } });
    // 40,000 - 27,015.20 still reserved = 12,984.80, as before the restart
    expect(restoredFrom(saved).submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 500 }).order.reason).toBe(
      'insufficient buying power: needs 13507.60, has 12984.80 (cash account)',
    );
    const older = { ...saved, orders: saved.orders.map(({ reservation: _reservation, reservedFilled: _reservedFilled, ...order }) => order) };
    expect(restoredFrom(older).submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 500 }).order.reason).toBe(
      'insufficient buying power: needs 13507.60, has 12984.80 (cash account)',
    );
    // cancelled after the restart, it frees what it held
    const restored = restoredFrom(saved);
    restored.cancel(first.order.id);
    expect(restored.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 500 }).order.state).toBe('accepted');
  });

  it('a modification is checked as a new order would be: more shares than the cash pays for throw and leave the order as it was', () => {
    const { exchange } = accountAfterFirstClose('20000');
    const order = exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 500 });
    // its own reservation (13,507.60) does not count against it
    expect(() => exchange.modify(order.order.id, { quantity: 1000 })).toThrow(
      new RangeError('insufficient buying power: needs 27015.20, has 20000.00 (cash account)'),
    );
    expect(exchange.order(order.order.id)!.quantity).toBe(500);
    // 700 x 27.0102 = 18,907.14 + $3.50
    expect(exchange.modify(order.order.id, { quantity: 700 }).order.quantity).toBe(700);
    expect(exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 50 }).order.reason).toBe(
      'insufficient buying power: needs 1351.51, has 1089.36 (cash account)',
    );
  });

  it('a limit buy is priced at its limit', () => {
    const { exchange } = accountAfterFirstClose('2600');
    // 100 x 26 = 2,600 + the $1 minimum fee
    expect(exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 26, quantity: 100 }).order.reason).toBe(
      'insufficient buying power: needs 2601.00, has 2600.00 (cash account)',
    );
    expect(exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 25.99, quantity: 100 }).order.state).toBe('accepted');
  });

  it('selling what is held needs no cash; a short beyond what the equity can collateralise is refused', () => {
    const { exchange, portfolio, next } = accountAfterFirstClose('27015.20');
    exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1000 });
    next(bars[1]!);
    expect(toNumber(portfolio.cash)).toBe(160);
    // Long 1,000 marked at 26.8925; a sell is priced at it less 1 bp: 26.8898
    const exit = exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'market', quantity: 1000 });
    expect(exit.order.state).toBe('accepted');
    exchange.cancel(exit.order.id);
    // 3,000: 1,000 closes (frees 26,889.80), 2,000 open a short (53,779.60 + $15 fees on the whole order)
    const tooShort = exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'market', quantity: 3000 });
    expect(tooShort.order.reason).toBe('insufficient buying power: needs 53794.60, has 27049.80 (cash account)');
    // 2,000: a short of 1,000 that the equity (27,052.50) covers in full
    expect(exchange.submit({ symbol: 'AAPL', side: 'sell', type: 'market', quantity: 2000 }).order.state).toBe('accepted');
  });

  it('a margin account with leverage 2 holds up to twice its equity', () => {
    const cash = accountAfterFirstClose('20000');
    expect(cash.exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1000 }).order.reason).toBe(
      'insufficient buying power: needs 27015.20, has 20000.00 (cash account)',
    );
    const margin = accountAfterFirstClose('20000', { kind: 'margin', leverage: 2 });
    // 1,500 x 27.0102 = 40,515.30 + $7.50 is more than 2 x 20,000
    expect(margin.exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1500 }).order.reason).toBe(
      'insufficient buying power: needs 40522.80, has 40000.00 (margin account, leverage 2)',
    );
    expect(margin.exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1000 }).order.state).toBe('accepted');
    margin.next(bars[1]!);
    expect(toNumber(margin.portfolio.cash)).toBe(-6855.2); // borrowed: 26,850.20 + $5.00 paid from $20,000
  });

  it('checks nothing before any price is known, and refuses a bad account model naming it', () => {
    const clock = new SimulatedClock(bars[0]!.endMs);
    const exchange = new SimulatedExchange({ clock, buyingPower: { account: { kind: 'cash' }, ledger: ledgerOf(new Portfolio('1')) } });
    expect(exchange.submit({ symbol: 'AAPL', side: 'buy', type: 'market', quantity: 1000 }).order.state).toBe('accepted');
    expect(() => new SimulatedExchange({ clock, buyingPower: { account: { kind: 'margin', leverage: 0.5 }, ledger: ledgerOf(new Portfolio('1')) } })).toThrow(
      `account must be {kind: 'cash'} or {kind: 'margin', leverage: a number >= 1}; got {"kind":"margin","leverage":0.5}`,
    );
  });
});

/** Buys `quantity` AAPL on its first bar and keeps every order update it hears. */
const buyOnce = (heard: OrderUpdate[]) =>
  defineStrategy({
    name: 'buy-once',
    description: 'buys once on the first bar',
    parameters: Type.Object({ quantity: Type.Integer({ minimum: 1, default: 1000 }) }),
    create: (params) => {
      let done = false;
      return {
        onBar(ctx, bar) {
          if (done) return;
          done = true;
          ctx.submit({ type: 'market', symbol: bar.symbol, side: 'buy', quantity: params.quantity });
        },
        onOrder(_ctx, update) {
          heard.push(update);
        },
      };
    },
  });

describe('buying power in a backtest (cash account by default)', () => {
  it('the strategy hears the refusal in onOrder and the report counts it; with margin the same order fills', async () => {
    const heard: OrderUpdate[] = [];
    const cash = await runBacktest({ definition: buyOnce(heard), universe: ['AAPL'], interval: '1d', sources: [bars], startingCash: 20_000 });
    expect(heard.map((update) => [update.order.state, update.order.reason])).toEqual([
      ['rejected', 'insufficient buying power: needs 27015.20, has 20000.00 (cash account)'],
    ]);
    expect([cash.summary.ordersSubmitted, cash.summary.ordersRejected, cash.summary.fills]).toEqual([1, 1, 0]);

    const margin = await runBacktest({
      definition: buyOnce([]),
      universe: ['AAPL'],
      interval: '1d',
      sources: [bars],
      startingCash: 20_000,
      account: { kind: 'margin', leverage: 2 },
    });
    expect([margin.summary.ordersRejected, margin.summary.fills]).toEqual([0, 1]);
    expect(margin.summary.endingCash).toBe(-6855.2);
  });

  it('the account crosses to a worker thread: the opening-range breakout on AAPL minutes with $1,000 trades nothing in cash, and trades on margin', async () => {
    const job = {
      strategy: { module: fileURLToPath(new URL('../examples/opening-range-breakout.ts', import.meta.url)) },
      universe: ['AAPL'],
      interval: '1m' as const,
      startingCash: 1_000,
      data: [{ kind: 'intraday_csv' as const, symbol: 'AAPL', file: fileURLToPath(new URL('intraday/lumibot_AAPL_1m_2021-08.csv', dataDir)) }],
    };
    const cash = await runBacktestInWorker(job);
    expect(cash.summary.ordersRejected).toBeGreaterThan(0);
    expect(cash.summary.fills).toBe(0);
    const margin = await runBacktestInWorker({ ...job, account: { kind: 'margin', leverage: 100 } });
    expect(margin.summary.ordersRejected).toBe(0);
    expect(margin.summary.fills).toBeGreaterThan(0);
  });

  it('a bad account is refused before the run, naming it', async () => {
    await expect(
      runBacktest({
        definition: buyOnce([]),
        universe: ['AAPL'],
        interval: '1d',
        sources: [bars],
        startingCash: 20_000,
        account: { kind: 'margin', leverage: Number.NaN },
      }),
    ).rejects.toThrow(/^account must be \{kind: 'cash'\} or \{kind: 'margin', leverage: a number >= 1\}; got \{"kind":"margin","leverage":null\}$/);
  });
});
