import { badRequest } from '@closecross/platform';

/** Reads a number or numeric string (a NumberOrString field), answering 400 with the field's rule when it is not one. */
export function readNumber(
  field: string,
  raw: number | string | undefined,
  rule: { integer?: boolean; min: number; max: number; aboveMaxHint?: string },
): number {
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  const kind = rule.integer ? 'an integer' : 'a number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (rule.integer && !Number.isInteger(value)) || value < rule.min || value > rule.max) {
    const hint = typeof value === 'number' && value > rule.max && rule.aboveMaxHint ? `; ${rule.aboveMaxHint}` : '';
    throw badRequest(`body/${field} must be ${kind} from ${rule.min} to ${rule.max}, got ${JSON.stringify(raw ?? null)}${hint}`);
  }
  return value;
}
