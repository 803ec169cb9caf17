import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../src/clock.ts';
import type { FillEvent, Side } from '../src/events.ts';
import { SimulatedExchange } from '../src/exchange/simulated-exchange.ts';
import { mulFixed, parseFixed, toDecimalString, toNumber } from '../src/money.ts';
import { Portfolio, type PortfolioSnapshot } from '../src/portfolio/portfolio.ts';
import { aaplDaily } from './exchange-helpers.ts';

/** A fill as the exchange would make it, from decimal text. */
function fill(symbol: string, side: Side, quantity: string, price: string, fee = '0', ts = 0): FillEvent {
  const exactQuantity = parseFixed(quantity);
  const exactPrice = parseFixed(price);
  const exactFee = parseFixed(fee);
  return {
    kind: 'fill',
    ts,
    orderId: 'x',
    clientId: undefined,
    symbol,
    side,
    quantity: Number(quantity),
    price: Number(price),
    fee: Number(fee),
    slippage: 0,
    exact: { quantity: exactQuantity, price: exactPrice, notional: mulFixed(exactQuantity, exactPrice), fee: exactFee },
  };
}

const text = (value: bigint) => toDecimalString(value);

describe('portfolio', () => {
  it('realizes -13 exactly for 10 AAPL bought at 150.30 and sold at 149.00 (floats give -13.000000000000114)', () => {
    const portfolio = new Portfolio('10000');
    portfolio.applyFill(fill('AAPL', 'buy', '10', '150.3'));
    expect(text(portfolio.applyFill(fill('AAPL', 'sell', '10', '149')))).toBe('-13');
    expect([text(portfolio.realizedPnl), text(portfolio.cash), text(portfolio.equity)]).toEqual(['-13', '9987', '9987']);
  });

  it('matches AAPL closes of August 2016 FIFO through a flip to short, by hand', () => {
    const portfolio = new Portfolio('10000');
    portfolio.applyFill(fill('AAPL', 'buy', '100', '27.0075', '1', 1)); // close of 24 Aug
    portfolio.applyFill(fill('AAPL', 'buy', '50', '26.8925', '1', 2)); // 25 Aug
    expect(text(portfolio.position('AAPL')!.averagePrice)).toBe('26.969166666667'); // (2700.75 + 1344.625) / 150
    // 26 Aug, sell 120: the 100 lot (-27.2499) and 20 of the 50 lot (-3.14998)
    expect(text(portfolio.applyFill(fill('AAPL', 'sell', '120', '26.735001', '1', 3)))).toBe('-30.39988');
    // 29 Aug, sell 80: the last 30 long (-5.625), then 50 short at 26.705
    expect(text(portfolio.applyFill(fill('AAPL', 'sell', '80', '26.705', '1', 4)))).toBe('-5.625');
    portfolio.mark('AAPL', 26.682501); // close of 1 Sep
    const position = portfolio.position('AAPL')!;
    expect([text(position.quantity), text(position.averagePrice), text(position.realizedPnl), text(position.unrealizedPnl), text(position.fees)]).toEqual([
      '-50',
      '26.705',
      '-36.02488',
      '1.12495',
      '4',
    ]);
    expect([text(portfolio.cash), text(portfolio.equity)]).toEqual(['11295.22512', '9961.10007']);
    expect(text(portfolio.startingCash + portfolio.realizedPnl + portfolio.unrealizedPnl - portfolio.fees)).toBe('9961.10007');
    expect(portfolio.exposure).toEqual({ long: 0n, short: parseFixed('1334.12505'), gross: parseFixed('1334.12505'), net: parseFixed('-1334.12505') });
  });

  it('survives a restart through plain JSON', () => {
    const portfolio = new Portfolio('5000.5');
    portfolio.applyFill(fill('MSFT', 'buy', '3', '400.1234', '1', 10));
    portfolio.applyFill(fill('BTC-PERP', 'sell', '0.012345', '47266.4514', '0.3', 11));
    portfolio.mark('MSFT', 401.5, 12);
    const json = JSON.stringify(portfolio.snapshot());
    const restored = Portfolio.restore(JSON.parse(json) as PortfolioSnapshot);
    expect(restored.snapshot()).toEqual(portfolio.snapshot());
    expect(restored.equity).toBe(portfolio.equity);
    expect(text(restored.position('BTC-PERP')!.quantity)).toBe('-0.012345');
    expect(() => Portfolio.restore({ ...portfolio.snapshot(), version: 2 as 1 })).toThrow('portfolio snapshot version must be 1; got 2');
  });

  it('keeps equity = cash + positions = start + realized + unrealized - fees, exactly, over a year of AAPL trades through the exchange', () => {
    const bars = aaplDaily('2016-08-24', '2017-08-24');
    const clock = new SimulatedClock(bars[0]!.startMs);
    const exchange = new SimulatedExchange({ clock });
    const portfolio = new Portfolio('100000');
    let fills = 0;
    bars.forEach((bar, i) => {
      clock.advanceTo(bar.endMs);
      for (const done of exchange.process(bar).fills) {
        portfolio.applyFill(done);
        fills++;
      }
      portfolio.markEvent(bar);
      // every fifth session alternate: buy 37, or sell 60 (so the book flips between long and short)
      if (i % 5 === 0) exchange.submit({ symbol: 'AAPL', side: (i / 5) % 2 === 0 ? 'buy' : 'sell', type: 'market', quantity: (i / 5) % 2 === 0 ? 37 : 60 });
    });
    expect(fills).toBeGreaterThan(40);
    const identity = portfolio.startingCash + portfolio.realizedPnl + portfolio.unrealizedPnl - portfolio.fees;
    expect(portfolio.equity).toBe(identity);
    expect(portfolio.fees).toBe(parseFixed(String(fills))); // every one of these fills paid the $1 minimum
    expect(toNumber(portfolio.equity)).toBeGreaterThan(90_000);
  });
});
