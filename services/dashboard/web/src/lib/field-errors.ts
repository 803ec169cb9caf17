/** Validation messages by field: what a form shows under each input, from its own checks or the API's answer. */

export type FieldErrors = Record<string, string>;

/**
 * The API names the field a 400 is about in its message ("body/limits/max_drawdown must be >= 0",
 * "body must have required property 'reason'"): the field's dotted path ("limits.max_drawdown",
 * "reason") and the message without the prefix, so the form shows it under that input. Null for a
 * message about no field (a 404, a conflict): the form shows those as a whole.
 */
export function fieldOfApiMessage(message: string): { field: string; message: string } | null {
  const required = /^body(?:\/([\w/]+))? must have required property '(\w+)'/.exec(message);
  if (required) {
    const field = [...(required[1] ? required[1].split('/') : []), required[2]!].join('.');
    return { field, message: `${required[2]} is required` };
  }
  // A code's parameter check answers "body/parameters/fast: parameter /fast = 9 is not allowed: ...".
  const named = /^body\/([\w/]+):? (.+)$/s.exec(message);
  if (!named) return null;
  return { field: named[1]!.replaceAll('/', '.'), message: named[2]! };
}

/**
 * An API error for a form: under its field when the form has an input for it, else for the form
 * as a whole (`''`), so no message is ever dropped.
 */
export function apiErrorsFor(message: string, fields: readonly string[]): FieldErrors {
  const named = fieldOfApiMessage(message);
  if (named && fields.includes(named.field)) return { [named.field]: named.message };
  return { '': message };
}

/** Reads an optional number input: empty is "not set" (null); anything else must be a finite number. */
export function optionalNumber(raw: unknown): { value: number | null; bad: boolean } {
  const text = String(raw ?? '')
    .trim()
    .replaceAll(',', '')
    .replaceAll('_', '');
  if (text === '') return { value: null, bad: false };
  const value = Number(text);
  return Number.isFinite(value) ? { value, bad: false } : { value: null, bad: true };
}
