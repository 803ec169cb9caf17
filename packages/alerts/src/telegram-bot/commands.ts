import { refusalText, type ChatApi } from './chat-api.ts';

/** What a chat types to confirm a square-off: the same words the API's kill switch asks for. */
export const squareOffConfirmation = 'SQUARE OFF';
/** How long a /squareoff waits for its confirmation, from Telegram's time of the asking message. */
export const confirmationWindowMs = 120_000;

export interface CommandContext {
  api: ChatApi;
  chatId: string;
  username: string;
}

/** A reply, and optionally what the chat must type next (the square-off's confirmation). */
export interface CommandReply {
  text: string;
  awaitConfirmation?: string;
}

interface CommandSpec {
  usage: string;
  summary: string;
  run(args: string, context: CommandContext): Promise<CommandReply | string>;
}

const money = (value: number) => value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed = (value: number) => `${value >= 0 ? '+' : ''}${money(value)}`;
const by = (context: CommandContext) => `Telegram chat ${context.chatId}`;

/** A whole number from the chat, or a refusal naming the argument, the value and what is allowed. */
function wholeNumber(name: string, raw: string, min: number, max: number): number | string {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) return `${name} must be a whole number from ${min} to ${max}, got "${raw}"`;
  return value;
}

async function status(_args: string, { api }: CommandContext): Promise<string> {
  const [state, signals, positions] = await Promise.all([
    api.call('GET', '/trading/state?limit=1'),
    api.call('GET', '/trading/signals?status=pending&limit=1000'),
    api.call('GET', '/trading/positions'),
  ]);
  for (const answer of [state, signals, positions]) if (answer.status !== 200) return refusalText(answer);
  const states = state.body.states as Array<{ scope: string; state: string; reason: string | null; changed_by: string | null }>;
  const global = states.find((row) => row.scope === 'global');
  const lines = [`Trading: ${global?.state ?? 'active'}${global?.reason ? ` (${global.reason}, by ${global.changed_by ?? 'system'})` : ''}`];
  for (const row of states.filter((row) => row.scope !== 'global' && row.state !== 'active'))
    lines.push(`${row.scope}: ${row.state}${row.reason ? ` (${row.reason})` : ''}`);
  const open = (positions.body.positions as Array<{ quantity: number }>).filter((position) => position.quantity !== 0);
  lines.push(`Open positions: ${open.length}`, `Signals awaiting approval: ${(signals.body.signals as unknown[]).length}`);
  const last = (state.body.changes as Array<{ scope: string; from_state: string; to_state: string; changed_by: string | null; at: string }>)[0];
  if (last) lines.push(`Last change: ${last.scope} ${last.from_state} -> ${last.to_state} by ${last.changed_by ?? 'system'} at ${last.at}`);
  return lines.join('\n');
}

async function positions(_args: string, { api }: CommandContext): Promise<string> {
  const answer = await api.call('GET', '/trading/positions');
  if (answer.status !== 200) return refusalText(answer);
  const rows = (
    answer.body.positions as Array<{
      strategy_id: number | null;
      symbol: string;
      quantity: number;
      average_cost: number;
      unrealized_pnl: number;
      realized_pnl: number;
      last_price: number | null;
    }>
  ).filter((row) => row.quantity !== 0);
  if (rows.length === 0) return 'No open positions.';
  return [
    `Open positions (${rows.length}):`,
    ...rows.map(
      (row) =>
        `${row.symbol} ${row.quantity} @ ${money(row.average_cost)} (${row.strategy_id === null ? 'manual' : `strategy ${row.strategy_id}`}); last ${row.last_price === null ? 'n/a' : money(row.last_price)}, unrealized ${signed(row.unrealized_pnl)}, realized ${signed(row.realized_pnl)}`,
    ),
  ].join('\n');
}

async function pnl(args: string, { api }: CommandContext): Promise<string> {
  const days = args === '' ? 1 : wholeNumber('days', args, 1, 366);
  if (typeof days === 'string') return `${days}. Usage: /pnl [days]`;
  const answer = await api.call('GET', '/trading/snapshots');
  if (answer.status !== 200) return refusalText(answer);
  const snapshots = answer.body.snapshots as Array<{ date: string; equity: number; realized: number; unrealized: number; drawdown: number }>;
  if (snapshots.length === 0) return 'No daily snapshots yet: one is taken after every close (or POST /trading/snapshots).';
  // The change over N days is against the snapshot N trading days before the latest.
  const window = snapshots.slice(-(days + 1));
  const latest = window.at(-1)!;
  const base = window.length > days ? window[0]! : undefined;
  const lines = [`P&L, last ${days} day${days === 1 ? '' : 's'} (to ${latest.date}):`];
  lines.push(
    base
      ? `Equity ${money(latest.equity)}, change ${signed(latest.equity - base.equity)} since ${base.date}`
      : `Equity ${money(latest.equity)} (only ${window.length} snapshot${window.length === 1 ? '' : 's'} stored: no change to show before ${window[0]!.date})`,
  );
  lines.push(`Realized ${signed(latest.realized)}, unrealized ${signed(latest.unrealized)}, drawdown ${money(latest.drawdown)}`);
  return lines.join('\n');
}

async function signals(_args: string, { api }: CommandContext): Promise<string> {
  const answer = await api.call('GET', '/trading/signals?status=pending&limit=20');
  if (answer.status !== 200) return refusalText(answer);
  const rows = answer.body.signals as Array<{
    id: number;
    strategy_id: number;
    symbol: string;
    side: string;
    price: number;
    bar_date: string;
    expires_at: string;
  }>;
  if (rows.length === 0) return 'No signals awaiting approval.';
  return [
    `Signals awaiting approval (${rows.length}):`,
    ...rows.map(
      (row) => `#${row.id} ${row.side} ${row.symbol} at ${money(row.price)} (strategy ${row.strategy_id}, bar ${row.bar_date}, expires ${row.expires_at})`,
    ),
    'Approve with /approve <id>, reject with /reject <id>.',
  ].join('\n');
}

function decision(verb: 'approve' | 'reject') {
  return async (args: string, context: CommandContext): Promise<string> => {
    const id = wholeNumber('id', args.replace(/^#/, ''), 1, Number.MAX_SAFE_INTEGER);
    if (typeof id === 'string') return `${args === '' ? 'id is missing' : id}. Usage: /${verb} <signal id> (see /signals)`;
    const answer = await context.api.call('POST', `/trading/signals/${id}/${verb}`, { note: `from ${by(context)}` });
    if (answer.status !== 200) return refusalText(answer);
    if (verb === 'reject') return `Signal #${id} rejected.`;
    return `Signal #${id} approved; entry order ${answer.body.order_id ?? '(none)'} placed.`;
  };
}

async function halt(args: string, context: CommandContext): Promise<string> {
  const reason = args === '' ? `halted from ${by(context)}` : args;
  const answer = await context.api.call('PUT', '/trading/state', { state: 'halted', reason: reason.slice(0, 500) });
  if (answer.status !== 200) return refusalText(answer);
  return answer.body.changed ? `Trading halted: ${reason}` : 'Trading was already halted.';
}

async function resume(args: string, context: CommandContext): Promise<string> {
  if (args === '') return 'reason is missing: resuming is a decision, say why. Usage: /resume <reason>';
  const answer = await context.api.call('PUT', '/trading/state', { state: 'active', reason: args.slice(0, 500) });
  if (answer.status !== 200) return refusalText(answer);
  return answer.body.changed ? `Trading resumed: ${args}` : 'Trading was already active.';
}

async function squareOff(_args: string, context: CommandContext): Promise<CommandReply> {
  // Ask the API whether this user may square off before asking for the confirmation: a read-only user hears no at once.
  const me = await context.api.call('GET', '/auth/me');
  if (me.status !== 200) return { text: refusalText(me) };
  if (!(me.body.scopes as string[]).includes('trade'))
    return { text: `Refused: square-off needs scope "trade"; ${context.username} has ${(me.body.scopes as string[]).join(', ') || 'none'}` };
  return {
    text: `This halts trading, cancels every open order and closes every position at market.\nTo confirm, reply exactly: ${squareOffConfirmation}\n(within ${confirmationWindowMs / 60_000} minutes; anything else cancels)`,
    awaitConfirmation: squareOffConfirmation,
  };
}

/** Runs the square-off once the chat typed its confirmation. */
export async function confirmedSquareOff(context: CommandContext): Promise<string> {
  const answer = await context.api.call('POST', '/trading/square-off', { confirm: squareOffConfirmation, reason: `from ${by(context)}` });
  if (answer.status !== 200) return refusalText(answer);
  const result = answer.body as { status: string; actions: unknown[]; remaining: { open_orders: unknown[]; positions: unknown[] } };
  return `Square-off ${result.status}: ${result.actions.length} action${result.actions.length === 1 ? '' : 's'}; left: ${result.remaining.open_orders.length} open orders, ${result.remaining.positions.length} positions.`;
}

async function help(): Promise<string> {
  return ['Closecross commands:', ...Object.values(commands).map((command) => `${command.usage} - ${command.summary}`)].join('\n');
}

export const commands: Record<string, CommandSpec> = {
  status: { usage: '/status', summary: 'trading state, open positions, signals awaiting approval', run: status },
  positions: { usage: '/positions', summary: 'open positions with average cost and P&L', run: positions },
  pnl: { usage: '/pnl [days]', summary: 'equity and its change over the last days (default 1)', run: pnl },
  signals: { usage: '/signals', summary: 'signals awaiting approval', run: signals },
  approve: { usage: '/approve <id>', summary: 'approve a signal and place its entry order', run: decision('approve') },
  reject: { usage: '/reject <id>', summary: 'reject a signal', run: decision('reject') },
  halt: { usage: '/halt [reason]', summary: 'halt all trading', run: halt },
  resume: { usage: '/resume <reason>', summary: 'resume trading (a reason is required)', run: resume },
  squareoff: { usage: '/squareoff', summary: `halt, cancel open orders, close positions (asks you to type ${squareOffConfirmation})`, run: squareOff },
  help: { usage: '/help', summary: 'this list', run: help },
};

/** Telegram sends /start when a person first opens the bot: it gets the list. */
const aliases: Record<string, string> = { start: 'help' };
export const commandNamed = (name: string): CommandSpec | undefined => commands[aliases[name] ?? name];

/** `/cmd@bot args` -> { name, args }; undefined for text that is not a command. */
export function parseCommand(text: string): { name: string; args: string } | undefined {
  const match = /^\/([A-Za-z_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  if (!match) return undefined;
  return { name: match[1]!.toLowerCase(), args: (match[2] ?? '').trim() };
}
