/**
 * The strategy code an instance can run: the engine's built-ins and the modules of the user's
 * folder (STRATEGIES_DIR). User modules are only ever imported in worker threads (the listing's
 * and the instance's), never on the API's event loop.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  builtinInstanceOf,
  builtinStrategies,
  parameterSchemaJson,
  type StoredRuleFields,
  StrategyParameterError,
  strategyParameters,
  type Clock,
  type StrategyDefinition,
} from '@closecross/engine';
import { listStrategies, sourceHash, StrategyFailedError, StrategyWorkerHost, type StrategySource } from '@closecross/engine/host';
import { InvalidInputError, UnavailableError } from '@closecross/platform';
import type { Static } from '@sinclair/typebox';
import type { RefusedCodeView, StrategyCodeView } from '../schemas/strategies.ts';
import type { Strategy } from './strategy-definition.ts';

export const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** STRATEGIES_DIR made absolute: a relative folder (default `strategies`) is read from the repository root. */
export function strategiesDirFrom(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(repositoryRoot, env.STRATEGIES_DIR || 'strategies');
}

/** A strategy code as GET /trading/strategy-code lists it; its parameter schema held as any JSON object until the route shows it. */
export type StrategyCode = Omit<Static<typeof StrategyCodeView>, 'parameters'> & { parameters: Record<string, unknown> };

export type RefusedCode = Static<typeof RefusedCodeView>;

export interface ResolvedCode {
  code: StrategyCode;
  source: StrategySource;
  /** The definition of a built-in (user modules stay in their threads). */
  builtin: StrategyDefinition | undefined;
}

const builtinFiles: Record<string, string> = { three_candles: 'three-candles.ts', rsi: 'rsi.ts', moving_average_crossover: 'moving-average-crossover.ts' };
const engineStrategiesFolder = fileURLToPath(new URL('./strategies/', import.meta.resolve('@closecross/engine')));

/** The catalogue: built-ins (hashed once) and the folder's modules (listed again when a file changes). */
export class StrategyCatalogue {
  private builtins: Promise<StrategyCode[]> | undefined;
  private listing: { signature: string; result: Promise<{ user: StrategyCode[]; refused: RefusedCode[]; files: Map<string, string> }> } | undefined;
  readonly folder: string;

  constructor(folder: string) {
    this.folder = folder;
  }

  async list(): Promise<{ folder: string; strategies: StrategyCode[]; refused: RefusedCode[] }> {
    const [builtins, { user, refused }] = await Promise.all([this.builtinCodes(), this.userCodes()]);
    return { folder: this.folder, strategies: [...builtins, ...user.filter((code) => !builtinStrategies.has(code.name))], refused };
  }

  /** The code an instance names, or a 400 naming `field` with the known names. */
  async resolve(name: string, field = 'body/code'): Promise<ResolvedCode> {
    const builtin = builtinStrategies.get(name);
    if (builtin) return { code: (await this.builtinCodes()).find((code) => code.name === name)!, source: { builtin: name }, builtin };
    const { user, files } = await this.userCodes();
    const code = user.find((candidate) => candidate.name === name);
    if (!code) {
      const known = [...builtinStrategies.keys(), ...user.map((candidate) => candidate.name)];
      throw new InvalidInputError(`${field}: no strategy code named ${JSON.stringify(name)} (known: ${known.join(', ')}; user modules live in ${this.folder})`);
    }
    return { code, source: { module: files.get(name)! }, builtin: undefined };
  }

  private builtinCodes(): Promise<StrategyCode[]> {
    this.builtins ??= Promise.all(
      [...builtinStrategies.values()].map(async (definition) => {
        const file = builtinFiles[definition.name];
        const hash = file ? sourceHash(await readFile(path.join(engineStrategiesFolder, file))) : sourceHash(definition.name);
        return {
          name: definition.name,
          description: definition.description,
          origin: 'builtin' as const,
          parameters: parameterSchemaJson(definition.parameters),
          source_hash: hash,
          file: null,
        };
      }),
    );
    return this.builtins;
  }

  private async userCodes(): Promise<{ user: StrategyCode[]; refused: RefusedCode[]; files: Map<string, string> }> {
    const signature = await folderSignature(this.folder);
    if (this.listing?.signature !== signature) {
      const result = signature === '' ? Promise.resolve({ user: [], refused: [], files: new Map<string, string>() }) : this.describeFolder();
      this.listing = { signature, result };
      // A failed listing is not kept: the next call tries again.
      result.catch(() => {
        if (this.listing?.result === result) this.listing = undefined;
      });
    }
    return this.listing.result;
  }

  private async describeFolder() {
    const listing = await listStrategies(this.folder);
    const relative = (file: string) => path.relative(this.folder, file);
    return {
      user: listing.strategies.map((listed) => ({
        name: listed.name,
        description: listed.description,
        origin: 'user' as const,
        parameters: listed.parameters,
        source_hash: listed.sourceHash,
        file: relative(listed.file),
      })),
      refused: listing.refused.map((refused) => ({ file: relative(refused.file), source_hash: refused.sourceHash, error: refused.error })),
      files: new Map(listing.strategies.map((listed) => [listed.name, listed.file])),
    };
  }
}

/** Names, sizes and change times of the folder's files: a listing is redone when this changes. Empty when there is no folder. */
async function folderSignature(folder: string): Promise<string> {
  let names: string[];
  try {
    names = (await readdir(folder)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return '';
    throw error;
  }
  const parts = await Promise.all(
    names.map(async (name) => {
      const info = await stat(path.join(folder, name)).catch(() => undefined);
      return `${name}:${info?.size ?? 0}:${info?.mtimeMs ?? 0}`;
    }),
  );
  return `${folder}|${parts.join('|')}`;
}

/**
 * A built-in instance's parameters from today's rule fields (rule, side policy, warm-up, entry,
 * sizing, exits: the engine's own mapping, builtinInstanceOf), then `parameters` over them: a
 * stored rule runs as the built-in of its kind. Without a rule, the fields of the code's kind.
 */
export function builtinParametersOf(
  strategy: Pick<Strategy, 'side_policy' | 'warmup_bars' | 'entry' | 'sizing' | 'exits'> & {
    rule?: Strategy['rule'] | undefined;
    code?: string | undefined;
    parameters?: Record<string, unknown> | undefined;
  },
): Record<string, unknown> {
  const rule = strategy.rule ?? ({ kind: strategy.code } as StoredRuleFields['rule']);
  const { params } = builtinInstanceOf({ ...strategy, rule });
  return { ...params, ...(strategy.parameters ?? {}) };
}

/** The rule a built-in's parameters describe (what today's payloads and the dashboard's form read). */
export function ruleOfBuiltin(code: string, parameters: Record<string, unknown>): Strategy['rule'] {
  const pick = (...names: string[]) => Object.fromEntries(names.filter((name) => parameters[name] !== undefined).map((name) => [name, parameters[name]]));
  switch (code) {
    case 'three_candles':
      return { kind: 'three_candles', ...pick('body', 'body_mode') } as Strategy['rule'];
    case 'rsi':
      return { kind: 'rsi', ...pick('period', 'oversold', 'overbought') } as Strategy['rule'];
    case 'moving_average_crossover':
      return { kind: 'moving_average_crossover', ...pick('fast', 'slow') } as Strategy['rule'];
    default:
      return undefined;
  }
}

/** A parameter error as the 400 the API answers: the field under body/parameters, the value and what is allowed. */
export function parameterErrorOf(error: StrategyParameterError, prefix = 'body/parameters'): InvalidInputError {
  return new InvalidInputError(
    `${prefix}${error.field}: ${error.value === undefined ? 'missing' : JSON.stringify(error.value)} is not allowed: ${error.allowed}`,
  );
}

/**
 * Checks an instance's parameters against its code's schema (defaults filled in): a built-in's
 * here, a user module's in a worker thread that loads it (its own cross-field checks run too).
 */
export async function checkedParameters(
  resolved: ResolvedCode,
  params: Record<string, unknown>,
  instance: { universe: string[]; interval: string },
  clock: Clock,
  prefix = 'body/parameters',
): Promise<Record<string, unknown>> {
  if (resolved.builtin) {
    try {
      return strategyParameters(resolved.builtin, params) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof StrategyParameterError) throw parameterErrorOf(error, prefix);
      throw new InvalidInputError(`${prefix}: ${(error as Error).message}`);
    }
  }
  let host: StrategyWorkerHost | undefined;
  try {
    host = await StrategyWorkerHost.start(
      { source: resolved.source, params, universe: instance.universe, interval: instance.interval as `${number}d` },
      clock.nowMs(),
    );
    return params;
  } catch (error) {
    // The host answers a parameter its schema refuses as a StrategyParameterError (field, value, allowed); older hosts as a failed load.
    if (error instanceof StrategyParameterError) throw parameterErrorOf(error, prefix);
    // A thread too slow to load the module says nothing of the parameters: the client tries again.
    if (error instanceof StrategyFailedError && error.failure.reason === 'load_timeout') {
      throw new UnavailableError(`the strategy code could not be loaded in time to check its parameters (${error.failure.message}): try again`, {
        retryAfterSeconds: 5,
      });
    }
    if (error instanceof StrategyFailedError) {
      const field = /parameter (\/\S*)/.exec(error.failure.message)?.[1];
      throw new InvalidInputError(`${prefix}${field ?? ''}: ${error.failure.message.replace(/^StrategyParameterError: /, '')}`);
    }
    throw error;
  } finally {
    await host?.terminate();
  }
}

/**
 * The rule fields (side policy, warm-up, entry, sizing, exits) a built-in's parameters say: an
 * instance created by code and parameters is stored with them, so the signal desk and order
 * paths that read the fields act as the code does.
 */
export function ruleFieldsOf(effective: Record<string, unknown>): Pick<Strategy, 'side_policy' | 'warmup_bars' | 'entry' | 'sizing' | 'exits'> {
  const number = (name: string) => effective[name] as number;
  const sizingMode = effective.sizing as Strategy['sizing']['mode'];
  const sizing: Strategy['sizing'] =
    sizingMode === 'fixed_notional'
      ? { mode: 'fixed_notional', notional: number('notional') }
      : sizingMode === 'allocation_share'
        ? { mode: 'allocation_share', share: number('share') }
        : { mode: 'fixed_quantity', quantity: number('quantity') };
  const timing = effective.entry as Strategy['entry']['timing'];
  return {
    side_policy: effective.side_policy as Strategy['side_policy'],
    warmup_bars: number('warmup_bars'),
    entry: timing === 'limit' ? { timing, limit_offset_bps: number('limit_offset_bps') } : { timing },
    sizing,
    exits: {
      ...(number('exit_after_bars') > 0 ? { after_bars: number('exit_after_bars') } : {}),
      ...(number('stop_loss_pct') > 0 ? { stop_loss_pct: number('stop_loss_pct') } : {}),
      ...(number('take_profit_pct') > 0 ? { take_profit_pct: number('take_profit_pct') } : {}),
      ...(effective.exit_on_opposite_signal === true ? { on_opposite_signal: true } : {}),
    },
  };
}
