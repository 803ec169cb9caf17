import type { RequestBodyOf } from '@closecross/client';
import { formatMoney, formatNumber, formatPercent } from './format.ts';
import { optionalNumber, type FieldErrors } from './field-errors.ts';

/** How a limit is entered and shown: an amount of money, a fraction (0.1 = 10%), or a count. */
type LimitUnit = 'money' | 'fraction' | 'share' | 'count';

/** The body of PUT /trading/limits/global (and of a strategy's limits). */
export type LimitChange = RequestBodyOf<'/trading/limits/global', 'put'>;
export type BreachAction = NonNullable<LimitChange['breach_action']>;
/** A limit's name, as the API knows it. */
export type LimitName = keyof LimitChange['limits'];

export interface LimitField {
  name: LimitName;
  label: string;
  unit: LimitUnit;
  /** Set per strategy only (the API ignores it globally: a book has no allocation). */
  strategyOnly?: boolean;
}

/** The limits of the pre-trade engine (services/trading risk-limits.ts), in the order a person reads them. */
export const limitFields: readonly LimitField[] = [
  { name: 'max_order_notional', label: 'Max order value', unit: 'money' },
  { name: 'max_position_notional', label: 'Max position value per instrument', unit: 'money' },
  { name: 'max_gross_exposure', label: 'Max gross exposure', unit: 'money' },
  { name: 'max_net_exposure', label: 'Max net exposure', unit: 'money' },
  { name: 'max_allocation_use', label: 'Max share of allocation in use', unit: 'share', strategyOnly: true },
  { name: 'max_var99', label: 'Max one-day VaR 99', unit: 'money' },
  { name: 'max_daily_loss', label: 'Max daily loss', unit: 'money' },
  { name: 'max_drawdown', label: 'Max drawdown (fraction, 0.1 = 10%)', unit: 'fraction' },
  { name: 'max_orders_per_minute', label: 'Max orders per minute', unit: 'count' },
];

export const fieldsOfScope = (strategyScope: boolean): readonly LimitField[] => limitFields.filter((field) => strategyScope || !field.strategyOnly);

/**
 * Reads the limits form: an empty input is "no limit" (sent as null, which removes it), a value must
 * be a number of 0 or more; a drawdown is a fraction up to 1, orders per minute a whole number; the
 * reason is required (it is kept in the history). Errors are by input name (`limits.<name>`, `reason`).
 */
export function limitChangeFromForm(form: FormData, strategyScope: boolean): { value?: LimitChange; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const limits: Record<string, number | null> = {};
  for (const field of fieldsOfScope(strategyScope)) {
    const key = `limits.${field.name}`;
    const { value, bad } = optionalNumber(form.get(key));
    if (bad) errors[key] = `${field.label}: not a number.`;
    else if (value !== null && value < 0) errors[key] = `${field.label} must be 0 or more (empty: no limit).`;
    else if (value !== null && field.unit === 'fraction' && value > 1) errors[key] = `${field.label} is a fraction of equity from 0 to 1 (0.1 = 10%).`;
    else if (value !== null && field.unit === 'count' && !Number.isInteger(value)) errors[key] = `${field.label} must be a whole number.`;
    else limits[field.name] = value;
  }
  const reason = String(form.get('reason') ?? '').trim();
  if (!reason) errors.reason = 'Say why: the reason is kept in the history of limits.';
  else if (reason.length > 500) errors.reason = 'At most 500 characters.';
  const action = String(form.get('breach_action') ?? 'halted');
  if (action !== 'reducing' && action !== 'halted') errors.breach_action = 'Reducing or halted.';
  if (Object.keys(errors).length > 0) return { errors };
  return { errors, value: { limits, breach_action: action as BreachAction, reason } };
}

/** A limit's value as a person reads it: money, a percentage, or a count. */
export function formatLimit(name: string, value: number | null | undefined): string {
  const unit = limitFields.find((field) => field.name === name)?.unit ?? 'money';
  if (unit === 'fraction' || unit === 'share') return formatPercent(value, { digits: 1 });
  if (unit === 'count') return formatNumber(value, 0);
  return formatMoney(value);
}

/** A limit set in one line, for the history ("Max order value $500.00; Max drawdown 10.0%"), or "no limit". */
export function describeLimits(limits: Record<string, number | null | undefined>): string {
  const set = limitFields
    .filter((field) => typeof limits[field.name] === 'number')
    .map((field) => `${field.label.replace(/ \(.*\)$/, '')} ${formatLimit(field.name, limits[field.name])}`);
  return set.length === 0 ? 'no limit' : set.join('; ');
}

/** How close a measure is to its limit, as the row's class: at 90% it warns, at or past 100% it is a breach. */
export const useClass = (use: number | null | undefined): string => (use == null ? '' : use >= 1 ? 'loss strong' : use >= 0.9 ? 'warn' : '');

/** A limit's name as the editor labels it ("max_var99" -> "Max one-day VaR 99"). */
export const limitLabel = (name: string): string => limitFields.find((field) => field.name === name)?.label.replace(/ \(.*\)$/, '') ?? name;
