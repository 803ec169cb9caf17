import type { ResponseOf } from '@closecross/client';
import { optionalNumber, type FieldErrors } from './field-errors.ts';
import { symbolsOf } from './symbols.ts';

type Strategy = ResponseOf<'/trading/strategies'>['strategies'][number];

/** The fields of a stored strategy (GET /trading/strategies) that say what it runs. */
export type StrategyLike = Pick<Strategy, 'rule' | 'code' | 'parameters'> & Partial<Pick<Strategy, 'interval' | 'mode'>>;

/** A strategy code as GET /trading/strategy-code lists it: its name and its parameters as JSON Schema. */
export type StrategyCode = ResponseOf<'/trading/strategy-code'>['strategies'][number];

/**
 * What a strategy runs, for its table row: a built-in's rule as before ("MA crossover 10 / 30");
 * a user module's instance (no rule) by its code and the parameters it was given, with its
 * interval and mode when it is not a daily scan ("sma-cross (fast 2, slow 5), 1m, live").
 */
export function strategyLabel(strategy: StrategyLike): string {
  const { rule } = strategy;
  const runs = rule ? ruleLabel(rule) : `${strategy.code}${parameterList(strategy.parameters)}`;
  const how = [strategy.interval && strategy.interval !== '1d' ? strategy.interval : '', strategy.mode === 'live' ? 'live' : ''].filter(Boolean);
  return how.length > 0 ? `${runs}, ${how.join(', ')}` : runs;
}

function ruleLabel(rule: { kind: string; [option: string]: unknown }): string {
  if (rule.kind === 'rsi') return `RSI ${String(rule.period ?? 14)} (${String(rule.oversold ?? 30)} / ${String(rule.overbought ?? 70)})`;
  if (rule.kind === 'moving_average_crossover') return `MA crossover ${String(rule.fast ?? 10)} / ${String(rule.slow ?? 30)}`;
  return `three candles${rule.body !== undefined ? ` (body ${String(rule.body)})` : ''}`;
}

const parameterList = (parameters: Record<string, unknown>): string => {
  const entries = Object.entries(parameters ?? {});
  return entries.length === 0
    ? ''
    : ` (${entries.map(([name, value]) => `${name} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`).join(', ')})`;
};

/** One input of a code's parameter form, read from its JSON Schema. */
export interface ParameterField {
  name: string;
  kind: 'integer' | 'number' | 'boolean' | 'choice' | 'text';
  default?: unknown;
  minimum?: number;
  maximum?: number;
  choices?: string[];
  description?: string;
  /** What the input's hint says: the description, the bounds and the default. */
  hint: string;
}

/** The inputs of a code's parameters, in the schema's order. */
export function parameterFields(code: StrategyCode): ParameterField[] {
  return Object.entries(code.parameters.properties ?? {}).map(([name, schema]) => {
    const choices = choicesOf(schema);
    const type = schema.type;
    const kind: ParameterField['kind'] = choices
      ? 'choice'
      : type === 'integer'
        ? 'integer'
        : type === 'number'
          ? 'number'
          : type === 'boolean'
            ? 'boolean'
            : 'text';
    const minimum = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
    const maximum = typeof schema.maximum === 'number' ? schema.maximum : undefined;
    const bounds =
      minimum !== undefined && maximum !== undefined
        ? `${minimum} to ${maximum}`
        : minimum !== undefined
          ? `at least ${minimum}`
          : maximum !== undefined
            ? `at most ${maximum}`
            : '';
    const hint = [
      typeof schema.description === 'string' ? schema.description : '',
      bounds,
      schema.default !== undefined ? `empty: ${String(schema.default)}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return {
      name,
      kind,
      hint,
      ...(schema.default !== undefined ? { default: schema.default } : {}),
      ...(minimum !== undefined ? { minimum } : {}),
      ...(maximum !== undefined ? { maximum } : {}),
      ...(choices ? { choices } : {}),
      ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
    };
  });
}

function choicesOf(schema: Record<string, unknown>): string[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum.map(String);
  const options = (schema.anyOf ?? schema.oneOf) as { const?: unknown }[] | undefined;
  if (Array.isArray(options) && options.length > 0 && options.every((option) => option && 'const' in option))
    return options.map((option) => String(option.const));
  return undefined;
}

/** The body of POST /trading/strategies for an instance of a strategy code. */
export interface CodeInstance {
  name: string;
  code: string;
  universe: string[];
  interval: string;
  mode: 'scheduled' | 'live';
  approval: 'manual' | 'auto';
  allocation: number;
  /** A live instance runs on prices, not scans; a scheduled one keeps the API's default schedule. */
  schedule?: null;
  parameters: Record<string, unknown>;
}

const symbolPattern = /^[A-Za-z0-9.^_-]{1,15}$/;

/**
 * Reads the instance form of a code: name, universe, interval, mode, approval, allocation, and one
 * input per parameter (named `parameters.<name>`, the API's field path, so the API's 400 about a
 * parameter lands under its input). An empty parameter is left out: the code's default applies.
 * The schema's bounds are checked here; the code's own cross-field rules (fast shorter than slow)
 * are the API's to check.
 */
export function codeInstanceFromForm(form: FormData, code: StrategyCode): { value?: CodeInstance; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const name = text('name');
  if (!name) errors.name = 'Name is required.';
  else if (name.length > 120) errors.name = 'Name: at most 120 characters.';
  const universe = symbolsOf(text('universe'));
  const badSymbol = universe.find((symbol) => !symbolPattern.test(symbol));
  if (universe.length === 0) errors.universe = 'Universe needs at least one symbol.';
  else if (badSymbol) errors.universe = `"${badSymbol}" is not a symbol (letters, digits, . ^ _ -, up to 15).`;
  const interval = text('interval') || '1d';
  if (!/^[1-9][0-9]{0,3}(s|m|h|d|w)$/.test(interval)) errors.interval = `Interval "${interval}" is not one: a number and s, m, h, d or w (1m, 5m, 1d).`;
  const mode = text('mode') === 'live' ? 'live' : 'scheduled';
  const { value: allocation, bad } = optionalNumber(form.get('allocation'));
  if (bad || allocation === null || allocation <= 0) errors.allocation = 'Allocation must be a number above 0.';

  const parameters: Record<string, unknown> = {};
  for (const field of parameterFields(code)) {
    const input = `parameters.${field.name}`;
    if (field.kind === 'boolean') {
      parameters[field.name] = form.get(input) === 'on';
      continue;
    }
    const raw = text(input);
    if (raw === '') continue;
    if (field.kind === 'choice' || field.kind === 'text') {
      if (field.choices && !field.choices.includes(raw)) errors[input] = `${field.name}: one of ${field.choices.join(', ')}.`;
      else parameters[field.name] = raw;
      continue;
    }
    const { value, bad: notNumber } = optionalNumber(raw);
    if (notNumber || value === null) errors[input] = `${field.name}: not a number.`;
    else if (field.kind === 'integer' && !Number.isInteger(value)) errors[input] = `${field.name} must be a whole number.`;
    else if (field.minimum !== undefined && value < field.minimum) errors[input] = `${field.name} must be at least ${field.minimum}.`;
    else if (field.maximum !== undefined && value > field.maximum) errors[input] = `${field.name} must be at most ${field.maximum}.`;
    else parameters[field.name] = value;
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    errors,
    value: {
      name,
      code: code.name,
      universe,
      interval,
      mode,
      approval: text('approval') === 'auto' ? 'auto' : 'manual',
      allocation: allocation!,
      ...(mode === 'live' ? { schedule: null } : {}),
      parameters,
    },
  };
}

export type LiveStrategyStatus = ResponseOf<'/trading/live-strategies'>['strategies'][number];

/**
 * How a live instance stands, as the Strategies page shows it: its run status, and the error that
 * stopped it or the live prices it waits for (the API's words). Undefined when it has no status yet.
 */
export function liveStatusLine(status: LiveStrategyStatus | undefined): { text: string; tone: 'ok' | 'warn' | 'bad' } | undefined {
  if (!status) return undefined;
  if (status.status === 'failed') return { text: `live: stopped for a fault: ${status.error ?? 'no reason given'}`, tone: 'bad' };
  if (status.status === 'running' && status.waiting_for) return { text: `live: running, waiting for ${status.waiting_for}`, tone: 'warn' };
  return { text: `live: ${status.status}`, tone: status.status === 'running' ? 'ok' : 'warn' };
}
