/**
 * The worker side of an isolated strategy: loads the module, keeps its runtime, and answers each
 * event with the commands (orders, cancels) the strategy issued and its state. An exception in a
 * handler is answered as `failed` with its message; the host then terminates the thread.
 */
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { SimulatedClock } from '../clock.ts';
import type { OrderView } from '../orders.ts';
import { builtinStrategies } from '../strategies/index.ts';
import { isStrategyDefinition, type AnyStrategyDefinition } from '../strategy/define.ts';
import { StrategyParameterError } from '../strategy/parameters.ts';
import { StrategyRuntime } from '../strategy/runtime.ts';
import type { StrategyState } from '../strategy/context.ts';
import type { AccountSnapshot, HostMessage, LogLine, StrategyCommand, StrategySource, WorkerMessage } from './protocol.ts';

const port = parentPort!;
let runtime: StrategyRuntime | undefined;
let clock: SimulatedClock | undefined;
let account: AccountSnapshot = { cash: 0, equity: 0, positions: [], openOrders: [] };
let commands: StrategyCommand[] = [];
let logs: LogLine[] = [];
let localIds = 0;
/** The state's JSON as last sent (or restored at init): an event that leaves it so sends none, and nothing is saved again. */
let sentState = '';

const send = (message: WorkerMessage) => port.postMessage(message);
const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

async function load(source: StrategySource): Promise<AnyStrategyDefinition> {
  if ('builtin' in source) {
    const definition = builtinStrategies.get(source.builtin);
    if (!definition) throw new Error(`no built-in strategy ${source.builtin} (known: ${[...builtinStrategies.keys()].join(', ')})`);
    return definition;
  }
  const loaded = (await import(pathToFileURL(source.module).href)) as { default?: unknown };
  if (!isStrategyDefinition(loaded.default)) throw new Error(`${source.module} does not default-export a strategy (defineStrategy({...}))`);
  return loaded.default;
}

const flat = { symbol: '', quantity: 0, averagePrice: 0, lastPrice: 0 };

port.on('message', async (message: HostMessage) => {
  const seq = message.type === 'init' ? undefined : message.seq;
  try {
    if (message.type === 'init') {
      const definition = await load(message.source);
      clock = new SimulatedClock(message.nowMs);
      runtime = new StrategyRuntime({
        definition,
        params: message.params,
        universe: message.universe,
        interval: message.interval,
        clock,
        ...(message.state ? { state: message.state } : {}),
        log: {
          info: (text, fields) => logs.push({ level: 'info', message: text, ...(fields ? { fields } : {}) }),
          warn: (text, fields) => logs.push({ level: 'warn', message: text, ...(fields ? { fields } : {}) }),
          error: (text, fields) => logs.push({ level: 'error', message: text, ...(fields ? { fields } : {}) }),
        },
        backend: {
          submit(order) {
            const localId = `L${++localIds}`;
            commands.push({ type: 'submit', localId, order });
            return localId;
          },
          cancel(orderId) {
            commands.push({ type: 'cancel', orderId });
          },
          openOrders: (symbol): OrderView[] => account.openOrders.filter((order) => symbol === undefined || order.symbol === symbol),
          position: (symbol) => account.positions.find((position) => position.symbol === symbol) ?? { ...flat, symbol },
          positions: () => [...account.positions],
          cash: () => account.cash,
          equity: () => account.equity,
        },
      });
      sentState = runtime.stateJson();
      send({ type: 'ready', name: definition.name, nextTimerMs: runtime.nextTimerMs });
      return;
    }
    if (!runtime || !clock) throw new Error('the strategy was not initialised');
    if (message.nowMs > clock.nowMs()) clock.advanceTo(message.nowMs);
    account = message.account;
    commands = [];
    if (message.type === 'start') runtime.start();
    else if (message.type === 'stop') runtime.stop();
    else if (message.type === 'event') {
      const event = message.event;
      if (event.kind === 'bar') runtime.bar(event);
      else if (event.kind === 'quote' || event.kind === 'trade') runtime.tick(event);
      else if (event.kind === 'fill') runtime.fill(event);
      else if (event.kind === 'order') runtime.order(event);
      else {
        runtime.takeDueTimer(event.ts);
        runtime.timer(event);
      }
    }
    const state = runtime.stateJson();
    const changed = state !== sentState;
    sentState = state;
    send({
      type: 'done',
      seq: message.seq,
      commands,
      ...(changed ? { state: JSON.parse(state) as StrategyState } : {}),
      nextTimerMs: runtime.nextTimerMs,
      logs,
    });
  } catch (error) {
    const parameter = error instanceof StrategyParameterError ? { field: error.field, value: error.value, allowed: error.allowed } : undefined;
    send({ type: 'failed', seq, error: describe(error), logs, ...(parameter ? { parameter } : {}) });
  } finally {
    logs = [];
  }
});
