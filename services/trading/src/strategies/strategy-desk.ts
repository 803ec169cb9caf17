import { withTransaction } from '@closecross/db';
import { systemClock, type Clock } from '@closecross/engine';
import { assertValidTiming, ScheduleStore } from '@closecross/jobs';
import { ConflictError, InvalidInputError, NotFoundError } from '@closecross/platform';
import type { Pool, PoolClient } from 'pg';
import { accountExists } from '../store/trading-account.ts';
import { recordAllocation } from '../store/trading-cash-entry.ts';
import { deleteStrategy, insertStrategy, strategyRow, strategyRows, updateStrategy, type StrategyRow } from '../store/trading-strategy.ts';
import { scanJobKind } from '../trading-events.ts';
import type { Static } from '@sinclair/typebox';
import type { Strategy, StrategyInput, StrategyPatch, StrategyView } from './strategy-definition.ts';
import { builtinParametersOf, checkedParameters, ruleFieldsOf, ruleOfBuiltin, StrategyCatalogue, strategiesDirFrom } from './strategy-code.ts';
import { assertValidRule } from './strategy-rules.ts';
import { builtinStrategies, strategyParameters } from '@closecross/engine';

/** A stored strategy with who made it and when (the view's fields, `rule` as the engine holds it). */
export type StrategyRecord = Strategy & Pick<Static<typeof StrategyView>, 'created_by' | 'created_at' | 'updated_at'>;

/** A built-in's parameters from the fields, defaults filled in; the given ones when they do not resolve (checked at write time). */
function effectiveOf(definition: StrategyRow['definition'], code: string): Record<string, unknown> {
  if (definition.effective_parameters) return definition.effective_parameters;
  const builtin = builtinStrategies.get(code);
  if (!builtin) return definition.parameters ?? {};
  try {
    return strategyParameters(builtin, builtinParametersOf(definition)) as Record<string, unknown>;
  } catch {
    return builtinParametersOf(definition);
  }
}

const recordOf = (row: StrategyRow): StrategyRecord => {
  const code = row.definition.code ?? row.definition.rule?.kind ?? '';
  const effective = effectiveOf(row.definition, code);
  return {
    ...row.definition,
    rule: row.definition.rule ?? ruleOfBuiltin(code, effective),
    code,
    parameters: row.definition.parameters ?? {},
    interval: row.definition.interval ?? '1d',
    mode: row.definition.mode ?? 'scheduled',
    effective_parameters: effective,
    id: row.id,
    name: row.name,
    account_id: row.account_id,
    allocation: row.allocation,
    enabled: row.enabled,
    created_by: row.created_by,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
};
/** The stored form of a record for the view: `rule` is null for a user module's instance. */
export const viewOf = (record: StrategyRecord): Static<typeof StrategyView> => ({ ...record, rule: record.rule ?? null });
export const scheduleNameOf = (id: number) => `trading-scan-${id}`;

/** Checks what the schema cannot: rule parameters together, the cron and zone, the exits. Messages name the field. */
function assertValidStrategy(input: StrategyInput): void {
  if (input.rule) assertValidRule(input.rule);
  if (input.schedule) {
    try {
      assertValidTiming(input.schedule);
    } catch (error) {
      throw new InvalidInputError((error as Error).message.replace(/^body\//, 'body/schedule/'));
    }
  }
  if (input.entry.timing === 'limit' && input.entry.limit_offset_bps === undefined)
    throw new InvalidInputError('body/entry/limit_offset_bps is required when entry/timing is limit');
}

/** Strategies, their scan schedules (one per strategy on the job engine) and their allocation in the cash ledger. */
export class StrategyDesk {
  private readonly schedules: ScheduleStore;
  private readonly pool: Pool;
  readonly catalogue: StrategyCatalogue;
  private readonly clock: Clock;
  private readonly changeListeners: (() => void)[] = [];
  constructor(pool: Pool, options: { catalogue?: StrategyCatalogue; clock?: Clock } = {}) {
    this.pool = pool;
    this.schedules = new ScheduleStore(pool);
    this.catalogue = options.catalogue ?? new StrategyCatalogue(strategiesDirFrom());
    this.clock = options.clock ?? systemClock;
  }

  /**
   * The instance's code and parameters, checked: code is the rule's kind unless given; a
   * built-in's parameters come from the rule fields with `parameters` over them; every parameter
   * is checked with the code's schema (a 400 naming body/parameters/<field>, the value and what is
   * allowed). Answers what is stored.
   */
  private async withCode(input: StrategyInput): Promise<StrategyInput & { effective_parameters: Record<string, unknown> }> {
    const code = input.code ?? input.rule?.kind;
    if (!code) throw new InvalidInputError("body/code: give code (a strategy code: GET /trading/strategy-code) or rule (a built-in's rule)");
    if (input.rule && input.rule.kind !== code)
      throw new InvalidInputError(`body/code: ${JSON.stringify(code)} does not run rule ${input.rule.kind}; give one of them, or the same`);
    const resolved = await this.catalogue.resolve(code);
    if (!resolved.builtin && input.rule) throw new InvalidInputError(`body/rule: the user strategy ${code} takes parameters, not a rule`);
    const interval = input.interval ?? '1d';
    const mode = input.mode ?? 'scheduled';
    if (interval !== '1d' && mode !== 'live')
      throw new InvalidInputError(`body/interval: ${interval} bars reach a strategy in live mode only (mode: live); scheduled scans read daily bars (1d)`);
    const given = input.parameters ?? {};
    const params = resolved.builtin ? builtinParametersOf(input) : given;
    const effective = await checkedParameters(resolved, params, { universe: input.universe, interval }, this.clock);
    if (resolved.builtin && (Object.keys(given).length > 0 || !input.rule)) {
      // Code and parameters say it all: the rule fields follow them (what the signal desk reads).
      return {
        ...input,
        ...ruleFieldsOf(effective),
        rule: ruleOfBuiltin(code, effective),
        code,
        interval,
        mode,
        parameters: given,
        effective_parameters: effective,
      };
    }
    return { ...input, code, interval, mode, parameters: given, effective_parameters: effective };
  }

  async list(): Promise<StrategyRecord[]> {
    return (await strategyRows(this.pool)).map(recordOf);
  }

  async get(id: number, client: Pool | PoolClient = this.pool): Promise<StrategyRecord> {
    const row = await strategyRow(client, id);
    if (!row) throw new NotFoundError(`strategy ${id} does not exist`);
    return recordOf(row);
  }

  /** Called after a strategy is created, changed or removed (live instances follow). */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** An instance not stored (a backtest's `strategy`), checked as create checks it: what it would store. */
  async prepare(input: StrategyInput): Promise<Omit<Strategy, 'id'>> {
    if (input.rule) assertValidRule(input.rule);
    const prepared = await this.withCode(normalize(input));
    assertValidStrategy(prepared);
    return prepared as Omit<Strategy, 'id'>;
  }

  async create(input: StrategyInput, by: string | undefined): Promise<StrategyRecord> {
    if (input.rule) assertValidRule(input.rule);
    const normalized = await this.withCode(normalize(input));
    assertValidStrategy(normalized);
    const created = await withTransaction(this.pool, async (client) => {
      await this.assertAccount(client, normalized.account_id);
      const { name, account_id: accountId, allocation, enabled, ...definition } = normalized;
      const inserted = await insertStrategy(client, { name, accountId, definition, allocation, enabled }, by ?? null);
      if (!inserted) throw new ConflictError(`body/name: a strategy named "${name}" exists`);
      const record = recordOf(inserted);
      await recordAllocation(client, record.id, accountId, allocation, 'allocation');
      return record;
    });
    await this.syncSchedule(created);
    this.changed();
    return created;
  }

  async update(id: number, patch: StrategyPatch): Promise<StrategyRecord> {
    const updated = await withTransaction(this.pool, async (client) => {
      const current = await this.get(id, client);
      const { id: _id, created_by: _by, created_at: _at, updated_at: _up, ...fields } = current;
      const { effective_parameters: _effective, ...kept } = fields;
      // A patch that names another code drops the old code's rule (and the reverse).
      if (patch.code !== undefined && patch.rule === undefined && kept.rule && kept.rule.kind !== patch.code) delete kept.rule;
      if (patch.rule !== undefined && patch.code === undefined) (kept as { code?: string }).code = patch.rule.kind;
      if (patch.rule) assertValidRule(patch.rule);
      const merged = await this.withCode(normalize({ ...kept, ...patch } as StrategyInput));
      assertValidStrategy(merged);
      await this.assertAccount(client, merged.account_id);
      const { name, account_id: accountId, allocation, enabled, ...definition } = merged;
      const row = await updateStrategy(client, id, { name, accountId, definition, allocation, enabled }).catch((error: { code?: string }) => {
        if (error.code === '23505') throw new ConflictError(`body/name: a strategy named "${name}" exists`);
        throw error;
      });
      if (allocation !== current.allocation) await recordAllocation(client, id, accountId, allocation - current.allocation, 'allocation changed');
      return recordOf(row);
    });
    await this.syncSchedule(updated);
    this.changed();
    return updated;
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    await this.schedules.remove(scheduleNameOf(id));
    await deleteStrategy(this.pool, id);
    this.changed();
  }

  /** The strategy's scan schedule on the engine: trading days only, off while the strategy is disabled. */
  private async syncSchedule(strategy: StrategyRecord): Promise<void> {
    if (!strategy.schedule) {
      await this.schedules.remove(scheduleNameOf(strategy.id));
      return;
    }
    await this.schedules.put(scheduleNameOf(strategy.id), {
      kind: scanJobKind,
      cron: strategy.schedule.cron,
      timezone: strategy.schedule.timezone,
      trading_days_only: true,
      params: { strategy_id: strategy.id },
      enabled: strategy.enabled,
    });
  }

  private async assertAccount(client: PoolClient, accountId: string): Promise<void> {
    if (!(await accountExists(client, accountId))) throw new InvalidInputError(`body/account_id: account "${accountId}" does not exist`);
  }
}

function normalize(input: StrategyInput): StrategyInput {
  return { ...input, universe: input.universe.map((symbol) => symbol.toUpperCase()) };
}
