import { systemClock, type Clock } from '@closecross/engine';
import type { Pool } from 'pg';
import type { PriceReader } from '../market/price-reader.ts';
import { bookRisk, es99Contributions, scenarioPnl, type AlignedReturns, type RiskFigures } from './portfolio-var.ts';
import { exposureOf, manualBook, RiskBook } from './risk-book.ts';
import { readRiskBook } from '../store/trading-risk-book.ts';
import { globalScope, strategyScope, type LimitName } from './risk-limits.ts';
import type { ReturnHistory } from './return-history.ts';
import { stricterState } from './trading-state.ts';
import type { BookRisk, LimitUse, RiskReport, StrategyRisk } from '../schemas/risk.ts';

export type { BookRisk, LimitUse, RiskReport, StrategyRisk };

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * What GET /trading/risk answers and the daily risk snapshot keeps: exposures per strategy and
 * symbol, VaR 95/99 and ES of the whole book and of each strategy by historical simulation over
 * the same aligned returns, each strategy's share of the portfolio's ES99, and every limit with
 * how close its measure is.
 */
export async function riskReport(deps: {
  pool: Pool;
  prices: PriceReader;
  returns: ReturnHistory;
  today: string;
  nowMs?: number;
  clock?: Clock;
}): Promise<RiskReport> {
  const nowMs = deps.nowMs ?? (deps.clock ?? systemClock).nowMs();
  const book = new RiskBook(await readRiskBook(deps.pool, deps.prices, deps.today));
  const returns = await returnsFor(deps.returns, book, nowMs, deps.today);
  const totalValues = book.exposures();
  const totalPnl = scenarioPnl(totalValues, returns);
  const bookIds = [...new Set([...book.strategies.keys(), ...book.quantities.keys()])].sort((a, b) => a - b);
  const pnlByBook = new Map<string, Float64Array>();
  for (const id of bookIds) pnlByBook.set(String(id), scenarioPnl(book.exposures(id), returns));
  const contributions = es99Contributions(totalPnl, pnlByBook);
  const totalRisk = bookRisk(totalValues, returns);
  // A stale symbol's own ES99 is charged in full to the total: each book holding it carries its part.
  const staleEs99 = (values: ReadonlyMap<string, number>) =>
    bookRisk(
      [...values].filter(([symbol]) => returns.stale?.has(symbol)),
      returns,
    ).es99;
  for (const id of bookIds) contributions.set(String(id), (contributions.get(String(id)) ?? 0) + staleEs99(book.exposures(id)));

  const riskOfBook = (values: ReadonlyMap<string, number>, id: number | 'total'): BookRisk => {
    const exposure = exposureOf(values);
    const loss = book.lossAndDrawdown(id === manualBook ? null : id);
    return {
      gross: round(exposure.gross),
      net: round(exposure.net),
      equity: round(loss.equity),
      daily_loss: round(loss.dailyLoss),
      drawdown: loss.drawdown,
      ...roundRisk(bookRisk(values, returns)),
    };
  };
  const strategies: StrategyRisk[] = [];
  for (const id of bookIds) {
    const strategy = book.strategies.get(id);
    if (id === manualBook && !book.quantities.get(manualBook)?.size) continue;
    const figures = riskOfBook(book.exposures(id), id);
    const contribution = contributions.get(String(id)) ?? 0;
    strategies.push({
      strategy_id: id === manualBook ? null : id,
      name: strategy?.name ?? 'manual orders',
      state: id === manualBook ? book.state(globalScope) : stricterState(book.state(globalScope), book.state(strategyScope(id))),
      allocation: strategy?.allocation ?? 0,
      allocation_use: strategy && strategy.allocation > 0 ? figures.gross / strategy.allocation : null,
      ...figures,
      contribution_es99: round(contribution),
      contribution_share: totalRisk.es99 > 0 ? contribution / totalRisk.es99 : null,
    });
  }

  const symbols = [...new Set([...book.quantities.values()].flatMap((positions) => [...positions.keys()]))].sort();
  const symbolRows = symbols
    .map((symbol) => {
      const price = book.marks.get(symbol) ?? null;
      const byStrategy = bookIds
        .map((id) => ({
          strategy_id: id === manualBook ? null : id,
          quantity: book.quantity(id, symbol),
          exposure: round(book.quantity(id, symbol) * (price ?? 0)),
        }))
        .filter((row) => row.quantity !== 0);
      const quantity = book.totalQuantity(symbol);
      return { symbol, quantity, price, exposure: round(quantity * (price ?? 0)), by_strategy: byStrategy };
    })
    .filter((row) => row.by_strategy.length > 0);

  const limits: LimitUse[] = [];
  for (const set of book.data.limits) {
    const id = set.strategy_id;
    const values = id === null ? totalValues : book.exposures(id);
    const exposure = exposureOf(values);
    const loss = book.lossAndDrawdown(id ?? 'total');
    const positionMax = Math.max(0, ...[...values.values()].map(Math.abs));
    const risk = id === null ? totalRisk : bookRisk(values, returns);
    const allocation = id === null ? undefined : book.strategies.get(id)?.allocation;
    const measure: Record<LimitName, number | null> = {
      max_order_notional: null,
      max_position_notional: positionMax,
      max_gross_exposure: exposure.gross,
      max_net_exposure: Math.abs(exposure.net),
      max_allocation_use: allocation ? exposure.gross / allocation : null,
      max_var99: risk.var99,
      max_daily_loss: loss.dailyLoss,
      max_drawdown: loss.drawdown,
      max_orders_per_minute: id === null ? book.orderRate() : book.orderRate(id),
    };
    for (const [name, threshold] of Object.entries(set.limits) as [LimitName, number][]) {
      const value = measure[name];
      limits.push({
        scope: set.scope,
        limit: name,
        threshold,
        value: value === null ? null : round(value * 1e4) / 1e4,
        use: value === null || threshold === 0 ? null : value / threshold,
      });
    }
  }

  return {
    as_of: new Date(nowMs).toISOString(),
    today: deps.today,
    var_method: 'historical simulation, one day, over the aligned daily returns of the positions held now',
    var_window_days: deps.returns.windowDays,
    returns_from: returns.dates[0] ?? null,
    returns_to: returns.dates.at(-1) ?? null,
    state: book.state(globalScope),
    total: { ...riskOfBook(totalValues, 'total') },
    strategies,
    symbols: symbolRows,
    limits,
    unpriced: book.unpriced(),
    missing_history: totalRisk.unmeasured.sort(),
    stale_history: [...(returns.stale ?? new Map())]
      .filter(([symbol]) => totalValues.has(symbol))
      .map(([symbol, series]) => ({ symbol, last_bar: series.lastBar, missing_sessions: series.missingSessions }))
      .sort((a, b) => a.symbol.localeCompare(b.symbol)),
    max_missing_sessions: deps.returns.maxMissingSessions,
  };
}

async function returnsFor(history: ReturnHistory, book: RiskBook, nowMs: number, today: string): Promise<AlignedReturns> {
  const symbols = new Set<string>();
  for (const positions of book.quantities.values()) for (const [symbol, quantity] of positions) if (quantity !== 0) symbols.add(symbol);
  return history.returnsFor(symbols, nowMs, today);
}

function roundRisk(risk: RiskFigures): RiskFigures {
  return { var95: round(risk.var95), var99: round(risk.var99), es95: round(risk.es95), es99: round(risk.es99) };
}
