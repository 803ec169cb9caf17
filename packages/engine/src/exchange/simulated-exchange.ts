/**
 * The simulated exchange: one fill model for backtests and paper trading. It is pure: time comes
 * from the injected Clock (an order's submission instant) and from the events it is fed; nothing
 * here reads the wall clock or does I/O.
 *
 * The rules (each one is tested in test/exchange*.test.ts):
 * - Next event: an order fills only from an event processed after its submission whose start is at
 *   or after the submission instant; never from the bar (or tick) that caused it.
 * - Sessions: nothing fills outside a session of the symbol's calendar. An order placed while its
 *   market is shut is `accepted` and says "waits for the open of YYYY-MM-DD"; crypto never waits.
 * - Bars: the price path is open -> the extreme nearer the open -> the other extreme -> close
 *   (ohlc-path.ts). Market orders fill at the open. Limits fill at the limit, or at the open when it
 *   is better. Stops trigger on the high/low and fill at the stop, or at the open when it gapped
 *   through. Stop-limits trigger like stops, then fill like limits on the rest of the path.
 *   Trailing stops follow the best price along the path. Several orders on one bar fill in path order,
 *   which decides a bracket's one-cancels-other exits.
 * - Ticks: buys at the ask, sells at the bid; trade ticks at their price, both sides. Stops trigger
 *   when the bid/ask crosses them and fill at that bid/ask.
 * - MOO: the first event at or after the open of the order's session, at its open (bar) or bid/ask
 *   (tick); placed during a session it is for the next one. MOC: the close of the bar that contains
 *   the session's close; on ticks, the last price seen before the close, settled by the first event
 *   (tick, bar or timer) at or after the close, stamped at the close.
 * - Time in force: day orders (and MOO/MOC) expire at their session's close (13:00 New York on a
 *   half day); gtc stays; ioc fills what its first eligible event allows and cancels the rest; fok
 *   fills all on its first eligible event or is cancelled.
 * - Costs (CostConfig): slippage moves market-like fills against the order by slippageBps (limits
 *   never fill past their limit), then the price is rounded half-even to the instrument's precision;
 *   fees per fill as CostConfig says; on bars an order takes at most volumeCap x the bar's volume
 *   (a bar with volume 0 is treated as volume unknown: no cap) and the rest waits for the next bar;
 *   on ticks it takes at most the displayed size (quote size, or the trade's size) when given.
 * - Bracket exits work from the event after the entry's fill, good till cancelled, for the filled
 *   quantity; a fill of one reduces the other (one-cancels-other).
 */
import { calendarForSymbol } from '../calendar/index.ts';
import type { Session, TradingCalendar } from '../calendar/types.ts';
import type { Bar, FillEvent, MarketEvent, OrderUpdate, QuoteTick, Side, Timer, TradeTick } from '../events.ts';
import { type Fixed, FIXED_ONE, fromNumber, parseFixed, toDecimalString, hasDigits, maxFixed, mulFixed, toNumber, divRound } from '../money.ts';
import type { BracketRole, OrderModification, OrderRequest, OrderState, OrderType, OrderView, TimeInForce } from '../orders.ts';
import { exactCostsOf, feeOf, slippedPrice, unitFill, unitVolumeCap, volumeCapOf, type UnitFill } from './fill-arithmetic.ts';
import { defaultCosts, instrumentForSymbol } from './instruments.ts';
import { fillOhlcPath, firstTouch, type OhlcPath } from './ohlc-path.ts';
import type { BuyingPowerCheck, CostConfig, ExchangeReport, ExchangeSnapshot, Instrument, SavedOrder, SimulatedExchangeOptions } from './types.ts';

type SimpleType = Exclude<OrderType, 'bracket'>;

interface OrderRecord {
  readonly id: string;
  readonly clientId: string | undefined;
  readonly symbol: string;
  readonly side: Side;
  readonly type: SimpleType;
  readonly timeInForce: TimeInForce;
  quantity: Fixed;
  filled: Fixed;
  filledNotional: Fixed;
  limitPrice: number | undefined;
  stopPrice: number | undefined;
  readonly trailAmount: number | undefined;
  readonly trailPercent: number | undefined;
  /** Best price seen by a trailing stop (highest for a sell, lowest for a buy). */
  extreme: number | undefined;
  triggered: boolean;
  /** The last event this order was eligible for (ioc/fok and day expiry act after it). */
  touchedSeq: number;
  state: OrderState;
  reason: string | undefined;
  readonly submittedMs: number;
  /** Eligible from events numbered above this (the next-event rule). */
  readySeq: number;
  /** ...whose start is at or after this instant. */
  readyMs: number;
  readonly session: Session;
  readonly activeFromMs: number;
  readonly expiresMs: number | undefined;
  updatedMs: number;
  readonly parentId: string | undefined;
  readonly bracketRole: BracketRole | undefined;
  ocoId: string | undefined;
  /** A bracket entry's exits, created at its first fill. */
  bracket: { takeProfit: number; stopLoss: number; stopLimit: number | undefined; exitIds: [string, string] | undefined } | undefined;
  readonly instrument: Instrument;
  readonly calendar: TradingCalendar;
  readonly costs: CostConfig;
  /** Buying power this order holds while open (its opening cost plus fees when checked), scaled by what is left to fill... */
  reservation: number;
  /** ...of what was left when it was checked (filled then). */
  reservedFilled: Fixed;
  /** The view's numbers, remembered with the exact values they were made from (an order is viewed at every update). */
  readonly shown: ShownNumbers;
}

interface ShownNumbers {
  quantityOf: Fixed;
  quantity: number;
  filledOf: Fixed;
  filled: number;
  averageFillPrice: number | undefined;
}
const unshown = (): ShownNumbers => ({ quantityOf: -1n, quantity: 0, filledOf: -1n, filled: 0, averageFillPrice: undefined });

interface Book {
  open: OrderRecord[];
  last: number;
  lastMs: number;
}

/** A symbol's book at the exchange, for a host that feeds the same symbols over and over (`processIn`): opaque outside. */
export interface ExchangeBook {
  readonly __exchangeBook: never;
}

interface Candidate {
  readonly order: OrderRecord;
  readonly position: number;
  readonly price: number;
  /** Units available to this order on this event: capBase x capRatio (capBase undefined: no cap); made exact only on a fill. */
  readonly capBase: number | undefined;
  readonly capRatio: number;
  readonly ts: number;
  /** A limit price the fill may not cross, slippage included. */
  readonly limitCap: number | undefined;
}

interface SymbolSetup {
  readonly instrument: Instrument;
  readonly calendar: TradingCalendar;
  readonly costs: CostConfig;
}

const emptyReport: ExchangeReport = Object.freeze({ fills: Object.freeze([]) as readonly FillEvent[], updates: Object.freeze([]) as readonly OrderUpdate[] });
const terminal = new Set<OrderState>(['filled', 'cancelled', 'expired', 'rejected']);
const timesInForce: readonly TimeInForce[] = ['day', 'gtc', 'ioc', 'fok'];
const orderTypes: readonly OrderType[] = ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop', 'market_on_open', 'market_on_close', 'bracket'];

/** A positive finite price, or what is wrong with it (module level: a closure per order costs an allocation). */
function price(field: string, value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? undefined : `${field} must be a positive number; got ${JSON.stringify(value)}`;
}

/** Scratch for the whole-number fill arithmetic (read right after each call). */
const unitScratch: UnitFill = { base: 0, price: 0, notional: 0, feeCents: 0 };
const UNITS_4 = 10n ** 8n;
const UNITS_CENT = 10n ** 10n;

const cents = (amount: number) => amount.toFixed(2);

/** What a quantity may be (built only for a refusal's message). */
function quantityAllowed(instrument: Instrument): string {
  return `a positive number with at most ${instrument.quantityPrecision} decimals for ${instrument.symbol}`;
}

function describeSession(session: Session): string {
  return session.earlyClose ? `${session.day} (13:00 half day: ${session.earlyClose})` : session.day;
}

export class SimulatedExchange {
  private readonly clock: SimulatedExchangeOptions['clock'];
  private readonly calendarFor: (symbol: string) => TradingCalendar;
  private readonly instrumentFor: (symbol: string) => Instrument;
  private readonly costsFor: (instrument: Instrument) => CostConfig;
  private readonly idPrefix: string;
  private readonly orders = new Map<string, OrderRecord>();
  private readonly books = new Map<string, Book>();
  private nextId = 0;
  private eventSeq = 0;
  private fills: FillEvent[] = [];
  private updates: OrderUpdate[] = [];
  private readonly candidates: Candidate[] = [];
  private readonly path: [number, number, number, number] = [0, 0, 0, 0];
  private readonly keepFinishedOrders: boolean;
  /** Per symbol: its instrument, calendar and costs, asked once (an order used to ask all three). */
  private readonly setups = new Map<string, SymbolSetup>();
  private readonly buyingPower: BuyingPowerCheck | undefined;
  /** Open orders holding buying power (finished ones are dropped as they are met). */
  private readonly reserving = new Set<OrderRecord>();

  constructor(options: SimulatedExchangeOptions) {
    this.clock = options.clock;
    this.calendarFor = options.calendarFor ?? calendarForSymbol;
    this.instrumentFor = options.instrumentFor ?? instrumentForSymbol;
    this.costsFor = options.costsFor ?? defaultCosts;
    this.idPrefix = options.idPrefix ?? 'O';
    this.keepFinishedOrders = options.keepFinishedOrders ?? true;
    const buyingPower = options.buyingPower;
    if (buyingPower !== undefined) {
      const { account } = buyingPower;
      if (
        account.kind === 'margin'
          ? !(typeof account.leverage === 'number' && Number.isFinite(account.leverage) && account.leverage >= 1)
          : account.kind !== 'cash'
      ) {
        throw new RangeError(`account must be {kind: 'cash'} or {kind: 'margin', leverage: a number >= 1}; got ${JSON.stringify(account)}`);
      }
    }
    this.buyingPower = buyingPower;
  }

  private setup(symbol: string): SymbolSetup {
    let setup = this.setups.get(symbol);
    if (setup === undefined) {
      const instrument = this.instrumentFor(symbol);
      setup = { instrument, calendar: this.calendarFor(symbol), costs: this.costsFor(instrument) };
      this.setups.set(symbol, setup);
    }
    return setup;
  }

  /** Accepts (or rejects, with the field, value and what is allowed) an order; never fills here. */
  submit(request: OrderRequest): OrderUpdate {
    const now = this.clock.nowMs();
    const symbol = typeof request.symbol === 'string' ? request.symbol : '';
    const { instrument, calendar, costs } = this.setup(symbol || '?');
    const problem = this.validate(request, instrument);
    const type: SimpleType = request.type === 'bracket' ? request.entry.type : (request.type as SimpleType);
    const openSession = calendar.sessionOf(now);
    let session: Session;
    if (type === 'market_on_open') session = openSession ? calendar.nextSession(now) : calendar.currentOrNextSession(now);
    else session = openSession ?? calendar.currentOrNextSession(now);
    const timeInForce: TimeInForce = type === 'market_on_open' || type === 'market_on_close' ? 'day' : (request.timeInForce ?? 'day');
    const record = this.newRecord({
      request,
      type,
      timeInForce,
      instrument,
      calendar,
      session,
      now,
      costs,
      quantity: problem ? 0n : fromNumber(request.quantity, instrument.quantityPrecision),
      parentId: undefined,
      bracketRole: request.type === 'bracket' ? 'entry' : undefined,
    });
    if (problem) {
      record.state = 'rejected';
      record.reason = problem;
      return this.update(record, now);
    }
    if (request.type === 'bracket') {
      const round = (price: number) => this.roundPrice(price, instrument);
      record.bracket = {
        takeProfit: round(request.takeProfit.limitPrice),
        stopLoss: round(request.stopLoss.stopPrice),
        stopLimit: request.stopLoss.limitPrice === undefined ? undefined : round(request.stopLoss.limitPrice),
        exitIds: undefined,
      };
    }
    if (type === 'trailing_stop') {
      const book = this.books.get(symbol);
      if (book && book.lastMs > 0) this.trail(record, book.last);
    }
    const refusal = this.buyingPower === undefined ? undefined : this.checkBuyingPower(record, this.buyingPower);
    if (refusal !== undefined) {
      record.state = 'rejected';
      record.reason = refusal;
      if (!this.keepFinishedOrders) this.orders.delete(record.id);
      return this.update(record, now);
    }
    this.book(symbol).open.push(record);
    return this.update(record, now);
  }

  /**
   * Whether the account can pay for an order, at submission: the part that opens or adds to a
   * position needs its price x quantity plus the order's fees; the account has its buying power
   * (cash: cash less what shorts hold as collateral; margin: leverage x equity less gross exposure)
   * less what open orders reserved, plus what the order's closing part frees. The price is the
   * order's limit (or stop) price, else the last price with slippage against the order; before any
   * price is known nothing is checked. Answers the refusal, or undefined (and reserves the cost).
   */
  private checkBuyingPower(record: OrderRecord, { account, ledger }: BuyingPowerCheck, toFill: Fixed = record.quantity): string | undefined {
    const reference =
      record.type === 'limit' || record.type === 'stop_limit' ? record.limitPrice : record.type === 'stop' ? record.stopPrice : this.lastPrice(record.symbol);
    if (reference === undefined) return undefined;
    const buy = record.side === 'buy';
    const limitCap = record.type === 'limit' || record.type === 'stop_limit' ? reference : undefined;
    const quantity = toNumber(toFill);
    const held = ledger.position(record.symbol);
    // The part that closes what is held frees buying power; the rest opens (or adds to) a position.
    const closing = buy ? Math.min(quantity, Math.max(0, -held)) : Math.min(quantity, Math.max(0, held));
    let unitPrice: number;
    let needs: number;
    if (unitFill(unitScratch, reference, buy, quantity, limitCap, record.costs, record.instrument)) {
      // The same values as the Fixed path below, in whole 1/10,000ths and cents.
      unitPrice = unitScratch.price / 10_000;
      needs = (unitScratch.price * (quantity - closing)) / 10_000 + (unitScratch.feeCents * 100) / 10_000;
    } else {
      const exactCosts = exactCostsOf(record.costs);
      const price = slippedPrice(fromNumber(reference), buy, exactCosts, record.instrument, limitCap);
      unitPrice = toNumber(price);
      const fee = toNumber(feeOf(toFill, mulFixed(price, toFill), record.costs, exactCosts));
      needs = toNumber(mulFixed(price, fromNumber(quantity - closing, record.instrument.quantityPrecision))) + fee;
    }
    let power: number;
    if (account.kind === 'cash') {
      // equity - cash is the positions' net value; gross less net is twice the shorts' value.
      const shortCollateral = Math.round((ledger.grossExposure() - (ledger.equity() - ledger.cash())) * 100) / 100;
      power = ledger.cash() - shortCollateral;
    } else power = ledger.equity() * account.leverage - ledger.grossExposure();
    const has = power - this.reserved() + closing * unitPrice;
    if (needs > has + 1e-9) {
      const kind = account.kind === 'cash' ? 'cash account' : `margin account, leverage ${account.leverage}`;
      return `insufficient buying power: needs ${cents(needs)}, has ${cents(Math.max(0, has))} (${kind})`;
    }
    record.reservation = needs;
    record.reservedFilled = record.filled;
    if (needs > 0) this.reserving.add(record);
    return undefined;
  }

  /**
   * Holds an open order's cost although the account cannot cover it now (an order accepted before a
   * restart, restored from an older snapshot): its price x what is left to fill, at its limit or the last price.
   */
  private reserveAnyway(record: OrderRecord): void {
    const reference =
      record.type === 'limit' || record.type === 'stop_limit' ? record.limitPrice : record.type === 'stop' ? record.stopPrice : this.lastPrice(record.symbol);
    if (reference === undefined) return;
    record.reservation = reference * toNumber(record.quantity - record.filled);
    record.reservedFilled = record.filled;
    if (record.reservation > 0) this.reserving.add(record);
  }

  /** Buying power held by open orders: each its reservation, scaled by the share still to fill. */
  private reserved(): number {
    let total = 0;
    for (const order of this.reserving) {
      if (terminal.has(order.state)) this.reserving.delete(order);
      else if (order.filled === order.reservedFilled) total += order.reservation;
      else total += order.reservation * (toNumber(order.quantity - order.filled) / toNumber(order.quantity - order.reservedFilled));
    }
    return total;
  }

  /** Cancels a live order; a finished one is returned as it is. A bracket entry's exits stay: they protect what it filled. */
  cancel(orderId: string, reason = 'cancelled by request'): OrderUpdate {
    const record = this.record(orderId);
    const now = this.clock.nowMs();
    if (terminal.has(record.state)) return this.update(record, record.updatedMs);
    this.finish(record, 'cancelled', reason, now);
    this.prune(this.book(record.symbol));
    return this.update(record, now);
  }

  /** Changes quantity or prices of a live order; the new terms fill from the next event, like a new order. */
  modify(orderId: string, changes: OrderModification): OrderUpdate {
    const record = this.record(orderId);
    const now = this.clock.nowMs();
    if (terminal.has(record.state)) throw new RangeError(`order ${orderId} is ${record.state} and cannot be modified`);
    const { instrument } = record;
    const before = { quantity: record.quantity, limitPrice: record.limitPrice, stopPrice: record.stopPrice };
    if (changes.quantity !== undefined) {
      const quantity = this.checkQuantity(changes.quantity, instrument);
      if (typeof quantity === 'string') throw new RangeError(quantity);
      if (quantity <= record.filled) throw new RangeError(`quantity must exceed the ${toNumber(record.filled)} already filled; got ${changes.quantity}`);
      record.quantity = quantity;
    }
    for (const field of ['limitPrice', 'stopPrice'] as const) {
      const value = changes[field];
      if (value === undefined) continue;
      if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) throw new RangeError(`${field} must be a positive number; got ${String(value)}`);
      if (record[field] === undefined) throw new RangeError(`${field} does not apply to a ${record.type} order`);
      record[field] = this.roundPrice(value, instrument);
    }
    if (this.buyingPower !== undefined && record.parentId === undefined) {
      // New terms are checked as a new order would be, against everything but this order's own reservation.
      const held = this.reserving.delete(record);
      const refusal = this.checkBuyingPower(record, this.buyingPower, record.quantity - record.filled);
      if (refusal !== undefined) {
        Object.assign(record, before);
        if (held) this.reserving.add(record);
        throw new RangeError(refusal);
      }
      if (record.reservation > 0) this.reserving.add(record);
    }
    record.readySeq = this.eventSeq;
    record.readyMs = Math.max(now, record.activeFromMs);
    return this.update(record, now);
  }

  order(orderId: string): OrderView | undefined {
    const record = this.orders.get(orderId);
    return record && this.view(record);
  }

  openOrders(symbol?: string): OrderView[] {
    const books = symbol === undefined ? [...this.books.values()] : [this.books.get(symbol)].filter((book): book is Book => book !== undefined);
    return books.flatMap((book) => book.open.map((record) => this.view(record)));
  }

  /** Open orders and last prices as plain JSON, for a restart (see ExchangeSnapshot). */
  snapshot(): ExchangeSnapshot {
    const orders: SavedOrder[] = [];
    const lastPrices: Array<{ symbol: string; price: number; ms: number }> = [];
    for (const [symbol, book] of this.books) {
      if (book.lastMs > 0) lastPrices.push({ symbol, price: book.last, ms: book.lastMs });
      for (const record of book.open) {
        if (terminal.has(record.state)) continue;
        const {
          instrument: _instrument,
          calendar: _calendar,
          costs: _costs,
          readySeq: _readySeq,
          touchedSeq: _touchedSeq,
          reservation,
          reservedFilled,
          shown: _shown,
          quantity,
          filled,
          filledNotional,
          bracket,
          ...rest
        } = record;
        orders.push({
          ...rest,
          state: record.state as SavedOrder['state'],
          quantity: toDecimalString(quantity),
          filled: toDecimalString(filled),
          filledNotional: toDecimalString(filledNotional),
          bracket: bracket && { ...bracket },
          ...(this.reserving.has(record) ? { reservation, reservedFilled: toDecimalString(reservedFilled) } : {}),
        });
      }
    }
    return { version: 1, nextId: this.nextId, lastPrices, orders };
  }

  /** An exchange with a snapshot's open orders, eligible from the first event fed after it. */
  static restore(snapshot: ExchangeSnapshot, options: SimulatedExchangeOptions): SimulatedExchange {
    if (snapshot.version !== 1) throw new RangeError(`exchange snapshot version must be 1; got ${String(snapshot.version)}`);
    const exchange = new SimulatedExchange(options);
    exchange.nextId = snapshot.nextId;
    for (const { symbol, price, ms } of snapshot.lastPrices) Object.assign(exchange.book(symbol), { last: price, lastMs: ms });
    for (const saved of snapshot.orders) {
      const instrument = exchange.instrumentFor(saved.symbol);
      const record: OrderRecord = {
        ...saved,
        quantity: parseFixed(saved.quantity),
        filled: parseFixed(saved.filled),
        filledNotional: parseFixed(saved.filledNotional),
        bracket: saved.bracket && { ...saved.bracket },
        readySeq: 0,
        touchedSeq: -1,
        reservation: saved.reservation ?? 0,
        reservedFilled: saved.reservedFilled === undefined ? 0n : parseFixed(saved.reservedFilled),
        shown: unshown(),
        instrument,
        calendar: exchange.calendarFor(saved.symbol),
        costs: exchange.costsFor(instrument),
      };
      exchange.orders.set(record.id, record);
      exchange.book(record.symbol).open.push(record);
      if (exchange.buyingPower === undefined || record.parentId !== undefined) continue;
      // An open order keeps holding the buying power it held: a restart must not let a new order spend it twice.
      if (saved.reservation !== undefined) {
        if (record.reservation > 0) exchange.reserving.add(record);
      } else {
        // An older snapshot: worked out again at the last price (it was accepted once, so a shortfall now holds what the account has).
        const refused = exchange.checkBuyingPower(record, exchange.buyingPower, record.quantity - record.filled);
        if (refused !== undefined) exchange.reserveAnyway(record);
      }
    }
    return exchange;
  }

  /** The last price seen for a symbol (bar close, trade price, or quote mid), if any. */
  lastPrice(symbol: string): number | undefined {
    const book = this.books.get(symbol);
    return book && book.lastMs > 0 ? book.last : undefined;
  }

  /**
   * Feeds one event. Returns fills and the order updates they caused; a symbol with no open orders
   * costs a Map lookup and two assignments, and returns a shared empty report.
   */
  process(event: MarketEvent): ExchangeReport {
    if (event.kind === 'timer') {
      this.eventSeq++;
      return this.onTimer(event);
    }
    return this.processIn(this.book(event.symbol) as unknown as ExchangeBook, event);
  }

  /** The book of a symbol, to hand back to `processIn` (a backtest resolves it once per symbol, not once per bar). */
  bookOf(symbol: string): ExchangeBook {
    return this.book(symbol) as unknown as ExchangeBook;
  }

  /** `process` for an event of the symbol whose book this is (from `bookOf(event.symbol)`): no lookup by symbol. */
  processIn(handle: ExchangeBook, event: Bar | QuoteTick | TradeTick): ExchangeReport {
    this.eventSeq++;
    const book = handle as unknown as Book;
    if (book.open.length === 0) {
      this.remember(book, event);
      return emptyReport;
    }
    // Scratch arrays: a bar that fills nothing allocates nothing.
    const fills = this.fills;
    const updates = this.updates;
    const candidates = this.candidates;
    candidates.length = 0;
    const start = event.kind === 'bar' ? event.startMs : event.ts;
    const end = event.kind === 'bar' ? event.endMs : event.ts;
    const path = event.kind === 'bar' ? fillOhlcPath(this.path, event.open, event.high, event.low, event.close) : undefined;
    const count = book.open.length; // exits released by fills below join after this event
    for (let index = 0; index < count; index++) {
      const order = book.open[index]!;
      if (terminal.has(order.state) || order.readySeq >= this.eventSeq) continue;
      if (order.type === 'market_on_close') {
        if (order.state === 'accepted' && start >= order.session.open && start < order.session.close) {
          order.state = 'working';
          order.reason = `fills at the close of ${describeSession(order.session)}`;
          updates.push(this.update(order, start));
        }
        const candidate = this.marketOnClose(order, event, book, start, end, updates);
        if (candidate) candidates.push(candidate);
        continue;
      }
      if (order.expiresMs !== undefined && start >= order.expiresMs) {
        this.finish(order, 'expired', this.expiryReason(order), order.expiresMs);
        updates.push(this.update(order, order.expiresMs));
        continue;
      }
      if (start < order.readyMs) continue;
      const session = order.calendar.sessionOf(start);
      if (session === undefined) continue;
      if (order.state === 'accepted') {
        order.state = 'working';
        order.reason = undefined;
        updates.push(this.update(order, start));
      }
      order.touchedSeq = this.eventSeq;
      const candidate = path ? this.onBar(order, event as Bar, path) : this.onTick(order, event as QuoteTick | TradeTick);
      if (candidate) candidates.push(candidate);
    }
    if (candidates.length > 1) candidates.sort((a, b) => a.position - b.position);
    for (const candidate of candidates) this.fill(candidate, fills, updates);
    for (let index = 0; index < count; index++) {
      const order = book.open[index]!;
      if (order.touchedSeq !== this.eventSeq || terminal.has(order.state)) continue;
      if (order.timeInForce === 'ioc' || order.timeInForce === 'fok') {
        const why =
          order.timeInForce === 'ioc'
            ? 'immediate or cancel: the rest was not available on the next event'
            : 'fill or kill: the whole quantity was not available on the next event';
        this.finish(order, 'cancelled', why, end);
        updates.push(this.update(order, end));
      } else if (order.expiresMs !== undefined && end >= order.expiresMs) {
        this.finish(order, 'expired', this.expiryReason(order), order.expiresMs);
        updates.push(this.update(order, order.expiresMs));
      }
    }
    candidates.length = 0;
    this.remember(book, event);
    this.prune(book);
    return this.report();
  }

  /** Hands out what the scratch arrays collected, and starts new ones only if they were used. */
  private report(): ExchangeReport {
    if (this.fills.length === 0 && this.updates.length === 0) return emptyReport;
    const report = { fills: this.fills, updates: this.updates };
    this.fills = [];
    this.updates = [];
    return report;
  }

  // --- fills -------------------------------------------------------------------------------

  private onBar(order: OrderRecord, bar: Bar, path: OhlcPath): Candidate | undefined {
    const buy = order.side === 'buy';
    switch (order.type) {
      case 'market':
        return this.onBarAt(order, bar, 0, bar.open, undefined);
      case 'market_on_open':
        return order.session.day === order.calendar.sessionOf(bar.startMs)?.day ? this.onBarAt(order, bar, 0, bar.open, undefined) : undefined;
      case 'limit': {
        const t = firstTouch(path, order.limitPrice!, buy ? 'down' : 'up');
        if (t < 0) return undefined;
        return this.onBarAt(order, bar, t, t === 0 ? bar.open : order.limitPrice!, order.limitPrice);
      }
      case 'stop': {
        const t = firstTouch(path, order.stopPrice!, buy ? 'up' : 'down');
        if (t < 0) return undefined;
        return this.onBarAt(order, bar, t, t === 0 ? bar.open : order.stopPrice!, undefined);
      }
      case 'stop_limit': {
        let from = 0;
        let priceAtTrigger = bar.open;
        if (!order.triggered) {
          from = firstTouch(path, order.stopPrice!, buy ? 'up' : 'down');
          if (from < 0) return undefined;
          order.triggered = true;
          if (from > 0) priceAtTrigger = order.stopPrice!;
        }
        const limit = order.limitPrice!;
        const t = firstTouch(path, limit, buy ? 'down' : 'up', from);
        if (t < 0) return undefined;
        return this.onBarAt(order, bar, t, t === from ? (buy ? Math.min(priceAtTrigger, limit) : Math.max(priceAtTrigger, limit)) : limit, limit);
      }
      case 'trailing_stop':
        return this.trailOnPath(order, bar, path);
      default:
        return undefined;
    }
  }

  private trailOnPath(order: OrderRecord, bar: Bar, path: OhlcPath): Candidate | undefined {
    const sell = order.side === 'sell';
    if (order.extreme === undefined) this.trail(order, path[0]);
    if (sell ? path[0] <= order.stopPrice! : path[0] >= order.stopPrice!) return this.onBarAt(order, bar, 0, path[0], undefined);
    this.trail(order, path[0]);
    for (let i = 0; i < 3; i++) {
      const a = path[i]!;
      const b = path[i + 1]!;
      const stop = order.stopPrice!;
      if (sell ? b > a : b < a) this.trail(order, b);
      else if (sell ? b <= stop : b >= stop) return this.onBarAt(order, bar, i + (stop - a) / (b - a), stop, undefined);
    }
    return undefined;
  }

  private onBarAt(order: OrderRecord, bar: Bar, position: number, price: number, limitCap: number | undefined): Candidate {
    const { volumeCap } = order.costs;
    return { order, position, price, capBase: volumeCap > 0 && bar.volume > 0 ? bar.volume : undefined, capRatio: volumeCap, ts: bar.endMs, limitCap };
  }

  /** Moves a trailing stop with a new price (only ever in the order's favour). */
  private trail(order: OrderRecord, price: number): void {
    const sell = order.side === 'sell';
    if (order.extreme !== undefined && (sell ? price <= order.extreme : price >= order.extreme)) return;
    order.extreme = price;
    const distance = order.trailAmount ?? (price * order.trailPercent!) / 100;
    order.stopPrice = sell ? price - distance : price + distance;
  }

  private onTick(order: OrderRecord, tick: QuoteTick | TradeTick): Candidate | undefined {
    const buy = order.side === 'buy';
    const price = tick.kind === 'trade' ? tick.price : buy ? tick.ask : tick.bid;
    if (!(price > 0)) return undefined;
    const size = tick.kind === 'trade' ? tick.size : buy ? tick.askSize : tick.bidSize;
    const capBase = size > 0 ? size : undefined;
    switch (order.type) {
      case 'market':
        return this.onTickAt(order, tick, price, capBase, undefined);
      case 'market_on_open':
        return order.session.day === order.calendar.sessionOf(tick.ts)?.day ? this.onTickAt(order, tick, price, capBase, undefined) : undefined;
      case 'limit':
        return (buy ? price <= order.limitPrice! : price >= order.limitPrice!) ? this.onTickAt(order, tick, price, capBase, order.limitPrice) : undefined;
      case 'stop':
        return (buy ? price >= order.stopPrice! : price <= order.stopPrice!) ? this.onTickAt(order, tick, price, capBase, undefined) : undefined;
      case 'stop_limit':
        if (!order.triggered && (buy ? price >= order.stopPrice! : price <= order.stopPrice!)) order.triggered = true;
        return order.triggered && (buy ? price <= order.limitPrice! : price >= order.limitPrice!)
          ? this.onTickAt(order, tick, price, capBase, order.limitPrice)
          : undefined;
      case 'trailing_stop':
        if (order.extreme === undefined) this.trail(order, price);
        if (buy ? price >= order.stopPrice! : price <= order.stopPrice!) return this.onTickAt(order, tick, price, capBase, undefined);
        this.trail(order, price);
        return undefined;
      default:
        return undefined;
    }
  }

  private onTickAt(order: OrderRecord, tick: QuoteTick | TradeTick, price: number, capBase: number | undefined, limitCap: number | undefined): Candidate {
    return { order, position: 0, price, capBase, capRatio: 1, ts: tick.ts, limitCap };
  }

  /** MOC: the close of the bar containing the session close, or the last price before it (ticks). */
  private marketOnClose(
    order: OrderRecord,
    event: Bar | QuoteTick | TradeTick,
    book: Book,
    start: number,
    end: number,
    updates: OrderUpdate[],
  ): Candidate | undefined {
    const close = order.session.close;
    if (event.kind === 'bar' && start < close && end >= close && start >= order.readyMs && start >= order.session.open) {
      const { volumeCap } = order.costs;
      return {
        order,
        position: 3,
        price: event.close,
        capBase: volumeCap > 0 && event.volume > 0 ? event.volume : undefined,
        capRatio: volumeCap,
        ts: close,
        limitCap: undefined,
      };
    }
    if (start < close) return undefined;
    return this.settleAtClose(order, book, updates);
  }

  private settleAtClose(order: OrderRecord, book: Book, updates: OrderUpdate[]): Candidate | undefined {
    const { close, open } = order.session;
    if (book.lastMs > open && book.lastMs <= close && book.lastMs >= order.readyMs) {
      return { order, position: 3, price: book.last, capBase: undefined, capRatio: 1, ts: close, limitCap: undefined };
    }
    this.finish(order, 'expired', `market on close: no price between the order and the close of ${describeSession(order.session)}`, close);
    updates.push(this.update(order, close));
    return undefined;
  }

  private onTimer(timer: Timer): ExchangeReport {
    const fills = this.fills;
    const updates = this.updates;
    for (const book of this.books.values()) {
      if (book.open.length === 0) continue;
      const candidates: Candidate[] = [];
      for (const order of book.open.slice()) {
        if (terminal.has(order.state) || order.readySeq >= this.eventSeq || order.expiresMs === undefined || timer.ts < order.expiresMs) continue;
        if (order.type === 'market_on_close') {
          const candidate = this.settleAtClose(order, book, updates);
          if (candidate) candidates.push(candidate);
        } else {
          this.finish(order, 'expired', this.expiryReason(order), order.expiresMs);
          updates.push(this.update(order, order.expiresMs));
        }
      }
      for (const candidate of candidates) this.fill(candidate, fills, updates);
      this.prune(book);
    }
    return this.report();
  }

  private fill(candidate: Candidate, fills: FillEvent[], updates: OrderUpdate[]): void {
    const { order } = candidate;
    if (terminal.has(order.state)) return; // its one-cancels-other sibling filled first on this event
    const remaining = order.quantity - order.filled;
    const exactCosts = exactCostsOf(order.costs);
    let quantity = remaining;
    if (candidate.capBase !== undefined) {
      const wholeCap = unitVolumeCap(candidate.capBase, candidate.capRatio, order.instrument);
      const cap =
        wholeCap !== undefined
          ? BigInt(wholeCap) * FIXED_ONE
          : volumeCapOf(
              candidate.capBase,
              candidate.capRatio,
              order.instrument,
              candidate.capRatio === order.costs.volumeCap ? exactCosts.volumeCap : undefined,
            );
      if (cap < remaining) quantity = cap;
    }
    if (quantity <= 0n) return;
    if (order.timeInForce === 'fok' && quantity < remaining) return; // cancelled after the event
    const buy = order.side === 'buy';
    let price: Fixed;
    let notional: Fixed;
    let fee: Fixed;
    let slippage: number;
    let shownPrice: number | undefined;
    let shownFee = 0;
    const wholeUnits = quantity % FIXED_ONE === 0n ? Number(quantity / FIXED_ONE) : Number.NaN;
    if (unitFill(unitScratch, candidate.price, buy, wholeUnits, candidate.limitCap, order.costs, order.instrument)) {
      // Whole shares at a 4-decimal price: the Fixed path's values, computed in whole numbers.
      price = BigInt(unitScratch.price) * UNITS_4;
      notional = BigInt(unitScratch.notional) * UNITS_4;
      fee = BigInt(unitScratch.feeCents) * UNITS_CENT;
      slippage = (buy ? unitScratch.price - unitScratch.base : unitScratch.base - unitScratch.price) / 10_000;
      // toNumber of each, without its bigint divisions (a whole number of 1/10,000ths over 10,000 is the same double)
      shownPrice = unitScratch.price / 10_000;
      shownFee = (unitScratch.feeCents * 100) / 10_000;
    } else {
      const base = fromNumber(candidate.price);
      price = slippedPrice(base, buy, exactCosts, order.instrument, candidate.limitCap);
      notional = mulFixed(price, quantity);
      fee = feeOf(quantity, notional, order.costs, exactCosts);
      slippage = toNumber(buy ? price - base : base - price);
    }
    order.filled += quantity;
    order.filledNotional += notional;
    order.state = order.filled === order.quantity ? 'filled' : 'partially_filled';
    order.reason = undefined;
    const fill: FillEvent = {
      kind: 'fill',
      ts: candidate.ts,
      orderId: order.id,
      clientId: order.clientId,
      symbol: order.symbol,
      side: order.side,
      quantity: shownPrice !== undefined ? wholeUnits : toNumber(quantity),
      price: shownPrice ?? toNumber(price),
      fee: shownPrice !== undefined ? shownFee : toNumber(fee),
      slippage,
      exact: { quantity, price, notional, fee },
    };
    fills.push(fill);
    updates.push(this.update(order, candidate.ts));
    if (order.bracket) this.releaseExits(order, quantity, updates, candidate.ts);
    if (order.ocoId) {
      const sibling = this.orders.get(order.ocoId);
      if (sibling && !terminal.has(sibling.state)) {
        sibling.quantity = maxFixed(sibling.filled, sibling.quantity - quantity);
        if (sibling.quantity === sibling.filled) this.finish(sibling, 'cancelled', `one-cancels-other: ${order.id} filled`, candidate.ts);
        updates.push(this.update(sibling, candidate.ts));
      }
    }
  }

  /** A bracket entry filled: its exits appear (or grow) for the filled quantity, from the next event. */
  private releaseExits(entry: OrderRecord, quantity: Fixed, updates: OrderUpdate[], ts: number): void {
    const bracket = entry.bracket!;
    if (bracket.exitIds) {
      for (const id of bracket.exitIds) {
        const exit = this.orders.get(id);
        if (exit !== undefined && !terminal.has(exit.state)) {
          exit.quantity += quantity;
          updates.push(this.update(exit, ts));
        }
      }
      return;
    }
    const side: Side = entry.side === 'buy' ? 'sell' : 'buy';
    const common = {
      instrument: entry.instrument,
      calendar: entry.calendar,
      costs: entry.costs,
      session: entry.calendar.currentOrNextSession(ts),
      now: ts,
      quantity,
      parentId: entry.id,
      timeInForce: 'gtc' as const,
    };
    const takeProfit = this.newRecord({
      ...common,
      request: { type: 'limit', symbol: entry.symbol, side, quantity: 0, limitPrice: bracket.takeProfit, clientId: entry.clientId },
      type: 'limit',
      bracketRole: 'take_profit',
    });
    const stopLoss = this.newRecord({
      ...common,
      request:
        bracket.stopLimit === undefined
          ? { type: 'stop', symbol: entry.symbol, side, quantity: 0, stopPrice: bracket.stopLoss, clientId: entry.clientId }
          : {
              type: 'stop_limit',
              symbol: entry.symbol,
              side,
              quantity: 0,
              stopPrice: bracket.stopLoss,
              limitPrice: bracket.stopLimit,
              clientId: entry.clientId,
            },
      type: bracket.stopLimit === undefined ? 'stop' : 'stop_limit',
      bracketRole: 'stop_loss',
    });
    takeProfit.ocoId = stopLoss.id;
    stopLoss.ocoId = takeProfit.id;
    bracket.exitIds = [takeProfit.id, stopLoss.id];
    const book = this.book(entry.symbol);
    book.open.push(takeProfit, stopLoss);
    updates.push(this.update(takeProfit, ts), this.update(stopLoss, ts));
  }

  // --- records and views -------------------------------------------------------------------

  private newRecord(args: {
    request: OrderRequest;
    type: SimpleType;
    timeInForce: TimeInForce;
    instrument: Instrument;
    calendar: TradingCalendar;
    costs: CostConfig;
    session: Session;
    now: number;
    quantity: Fixed;
    parentId: string | undefined;
    bracketRole: BracketRole | undefined;
  }): OrderRecord {
    const { request, type, instrument, calendar, session, now } = args;
    const activeFromMs = Math.max(now, session.open);
    const single = type === 'market_on_open' || type === 'market_on_close';
    const record: OrderRecord = {
      id: `${this.idPrefix}${++this.nextId}`,
      clientId: typeof request.clientId === 'string' ? request.clientId : undefined,
      symbol: request.symbol,
      side: request.side,
      type,
      timeInForce: args.timeInForce,
      quantity: args.quantity,
      filled: 0n,
      filledNotional: 0n,
      limitPrice:
        'limitPrice' in request && request.limitPrice !== undefined
          ? this.roundPrice(request.limitPrice, instrument)
          : request.type === 'bracket' && request.entry.type === 'limit'
            ? this.roundPrice(request.entry.limitPrice, instrument)
            : undefined,
      stopPrice:
        'stopPrice' in request && request.stopPrice !== undefined
          ? this.roundPrice(request.stopPrice, instrument)
          : request.type === 'bracket' && request.entry.type === 'stop'
            ? this.roundPrice(request.entry.stopPrice, instrument)
            : undefined,
      trailAmount: request.type === 'trailing_stop' ? request.trailAmount : undefined,
      trailPercent: request.type === 'trailing_stop' ? request.trailPercent : undefined,
      extreme: undefined,
      triggered: false,
      touchedSeq: -1,
      state: now >= session.open && type !== 'market_on_open' ? 'working' : 'accepted',
      reason: undefined,
      submittedMs: now,
      readySeq: this.eventSeq,
      readyMs: activeFromMs,
      session,
      activeFromMs,
      expiresMs: args.timeInForce === 'day' || single ? session.close : undefined,
      updatedMs: now,
      parentId: args.parentId,
      bracketRole: args.bracketRole,
      ocoId: undefined,
      bracket: undefined,
      instrument,
      calendar,
      costs: args.costs,
      reservation: 0,
      reservedFilled: 0n,
      shown: unshown(),
    };
    if (record.state === 'accepted') record.reason = `waits for the open of ${describeSession(session)}`;
    else if (type === 'market_on_close') record.reason = `fills at the close of ${describeSession(session)}`;
    this.orders.set(record.id, record);
    return record;
  }

  private view(record: OrderRecord): OrderView {
    const shown = record.shown;
    if (shown.quantityOf !== record.quantity) {
      shown.quantityOf = record.quantity;
      shown.quantity = toNumber(record.quantity);
    }
    if (shown.filledOf !== record.filled) {
      // filledNotional changes only with filled
      shown.filledOf = record.filled;
      shown.filled = toNumber(record.filled);
      shown.averageFillPrice = record.filled === 0n ? undefined : toNumber(divRound(record.filledNotional * FIXED_ONE, record.filled));
    }
    return {
      id: record.id,
      clientId: record.clientId,
      symbol: record.symbol,
      side: record.side,
      type: record.type,
      timeInForce: record.timeInForce,
      quantity: shown.quantity,
      filledQuantity: shown.filled,
      averageFillPrice: shown.averageFillPrice,
      limitPrice: record.limitPrice,
      stopPrice: record.stopPrice === undefined ? undefined : this.roundPrice(record.stopPrice, record.instrument),
      trailAmount: record.trailAmount,
      trailPercent: record.trailPercent,
      triggered: record.triggered,
      state: record.state,
      reason: record.reason,
      submittedMs: record.submittedMs,
      sessionDay: record.session.day,
      activeFromMs: record.activeFromMs,
      expiresMs: record.expiresMs,
      updatedMs: record.updatedMs,
      parentId: record.parentId,
      bracketRole: record.bracketRole,
      ocoId: record.ocoId,
    };
  }

  private update(record: OrderRecord, ts: number): OrderUpdate {
    record.updatedMs = Math.max(record.updatedMs, ts);
    return { kind: 'order', ts, order: this.view(record) };
  }

  private finish(record: OrderRecord, state: 'cancelled' | 'expired', reason: string, ts: number): void {
    record.state = state;
    record.reason = reason;
    record.updatedMs = Math.max(record.updatedMs, ts);
  }

  private expiryReason(order: OrderRecord): string {
    return `day order expired at the close of ${describeSession(order.session)}`;
  }

  private record(orderId: string): OrderRecord {
    const record = this.orders.get(orderId);
    if (!record) throw new RangeError(`no order with id "${orderId}"`);
    return record;
  }

  private book(symbol: string): Book {
    let book = this.books.get(symbol);
    if (!book) {
      book = { open: [], last: 0, lastMs: 0 };
      this.books.set(symbol, book);
    }
    return book;
  }

  private remember(book: Book, event: Bar | QuoteTick | TradeTick): void {
    if (event.kind === 'bar') {
      book.last = event.close;
      book.lastMs = event.endMs;
    } else if (event.kind === 'trade') {
      book.last = event.price;
      book.lastMs = event.ts;
    } else if (event.bid > 0 && event.ask > 0) {
      book.last = (event.bid + event.ask) / 2;
      book.lastMs = event.ts;
    }
  }

  /** Drops finished orders from the book (in place); without keepFinishedOrders, from the exchange too. */
  private prune(book: Book): void {
    const open = book.open;
    let kept = 0;
    for (let index = 0; index < open.length; index++) {
      const order = open[index]!;
      if (!terminal.has(order.state)) open[kept++] = order;
      else if (!this.keepFinishedOrders) this.orders.delete(order.id);
    }
    open.length = kept;
  }

  private roundPrice(price: number, instrument: Instrument): number {
    return toNumber(fromNumber(price, instrument.pricePrecision));
  }

  // --- validation --------------------------------------------------------------------------

  private checkQuantity(quantity: unknown, instrument: Instrument): Fixed | string {
    if (typeof quantity !== 'number' || !Number.isFinite(quantity) || quantity <= 0)
      return `quantity must be ${quantityAllowed(instrument)}; got ${String(quantity)}`;
    const exact = fromNumber(quantity);
    if (!hasDigits(exact, instrument.quantityPrecision)) return `quantity must be ${quantityAllowed(instrument)}; got ${quantity}`;
    return exact;
  }

  private validate(request: OrderRequest, instrument: Instrument): string | undefined {
    const raw = request as unknown as Record<string, unknown>;
    if (typeof raw.symbol !== 'string' || raw.symbol.length === 0) return `symbol must be a non-empty string; got ${JSON.stringify(raw.symbol)}`;
    if (!orderTypes.includes(raw.type as OrderType)) return `type must be one of ${orderTypes.join(', ')}; got ${JSON.stringify(raw.type)}`;
    if (raw.side !== 'buy' && raw.side !== 'sell') return `side must be buy or sell; got ${JSON.stringify(raw.side)}`;
    if (raw.timeInForce !== undefined && !timesInForce.includes(raw.timeInForce as TimeInForce))
      return `timeInForce must be one of ${timesInForce.join(', ')}; got ${JSON.stringify(raw.timeInForce)}`;
    const quantity = this.checkQuantity(raw.quantity, instrument);
    if (typeof quantity === 'string') return quantity;
    switch (request.type) {
      case 'limit':
        return price('limitPrice', request.limitPrice);
      case 'stop':
        return price('stopPrice', request.stopPrice);
      case 'stop_limit':
        return price('stopPrice', request.stopPrice) ?? price('limitPrice', request.limitPrice);
      case 'trailing_stop': {
        const { trailAmount, trailPercent } = request;
        if ((trailAmount === undefined) === (trailPercent === undefined))
          return `exactly one of trailAmount and trailPercent must be given; got trailAmount ${String(trailAmount)}, trailPercent ${String(trailPercent)}`;
        if (trailAmount !== undefined) return price('trailAmount', trailAmount);
        if (!(typeof trailPercent === 'number' && trailPercent > 0 && trailPercent < 100))
          return `trailPercent must be a number above 0 and below 100; got ${JSON.stringify(trailPercent)}`;
        return undefined;
      }
      case 'bracket': {
        const entry = request.entry as unknown as Record<string, unknown> | undefined;
        if (!entry || !['market', 'limit', 'stop'].includes(entry.type as string))
          return `entry.type must be market, limit or stop; got ${JSON.stringify(entry?.type)}`;
        const problem =
          (entry.type === 'limit'
            ? price('entry.limitPrice', entry.limitPrice)
            : entry.type === 'stop'
              ? price('entry.stopPrice', entry.stopPrice)
              : undefined) ??
          price('takeProfit.limitPrice', request.takeProfit?.limitPrice) ??
          price('stopLoss.stopPrice', request.stopLoss?.stopPrice) ??
          (request.stopLoss.limitPrice === undefined ? undefined : price('stopLoss.limitPrice', request.stopLoss.limitPrice));
        if (problem) return problem;
        const { limitPrice } = request.takeProfit;
        const { stopPrice } = request.stopLoss;
        if (request.side === 'buy' ? limitPrice <= stopPrice : limitPrice >= stopPrice) {
          return `takeProfit.limitPrice must be ${request.side === 'buy' ? 'above' : 'below'} stopLoss.stopPrice for a ${request.side} bracket; got ${limitPrice} and ${stopPrice}`;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }
}
