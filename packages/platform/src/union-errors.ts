import type { ErrorObject } from 'ajv';

type Schema = Record<string, unknown>;
const isSchema = (value: unknown): value is Schema => value !== null && typeof value === 'object' && !Array.isArray(value);
const isUnion = (error: ErrorObject) => error.keyword === 'anyOf' || error.keyword === 'oneOf';

/** A value as the caller sent it, short enough for a message. */
export function shownValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

/** The values a schema allows when it allows only listed values (`const`, `enum`, a union of them), else undefined. */
function literalsOf(schema: unknown, depth = 0): unknown[] | undefined {
  if (!isSchema(schema) || depth > 8) return undefined;
  if ('const' in schema) return [schema.const];
  if (Array.isArray(schema.enum)) return schema.enum;
  if (schema.type === 'null' && Object.keys(schema).every((key) => key === 'type' || key === 'description' || key === 'title')) return [null];
  const branches = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (!branches) return undefined;
  const values: unknown[] = [];
  for (const branch of branches) {
    const inner = literalsOf(branch, depth + 1);
    if (!inner) return undefined;
    values.push(...inner);
  }
  return values;
}

const allowedList = (values: readonly unknown[]) => values.map(shownValue).join(', ');
const oneOfMessage = (values: readonly unknown[], got: unknown) => `must be one of ${allowedList(values)} (got ${shownValue(got)})`;

/**
 * The property that tells object branches apart (`kind`, `mode`, ...): every object branch gives
 * it listed values, and no value is shared between branches.
 */
function discriminatorOf(branches: readonly unknown[]): { name: string; valuesByBranch: unknown[][] } | undefined {
  if (branches.length < 2 || !branches.every((branch) => isSchema(branch) && isSchema(branch.properties))) return undefined;
  const first = (branches[0] as { properties: Schema }).properties;
  for (const name of Object.keys(first)) {
    const valuesByBranch = branches.map((branch) => literalsOf((branch as { properties: Schema }).properties[name]));
    if (valuesByBranch.some((values) => values === undefined)) continue;
    const seen = new Set<string>();
    const distinct = (valuesByBranch as unknown[][]).every((values) =>
      values.every((value) => !seen.has(shownValue(value)) && (seen.add(shownValue(value)), true)),
    );
    if (distinct) return { name, valuesByBranch: valuesByBranch as unknown[][] };
  }
  return undefined;
}

const escapedPointer = (name: string) => name.replaceAll('~', '~0').replaceAll('/', '~1');

/** How well a branch fits an object value: the number of its properties the value sends. */
function keysKnown(branch: unknown, data: unknown): number {
  if (!isSchema(branch) || !isSchema(branch.properties) || !isSchema(data)) return 0;
  const known = branch.properties;
  return Object.keys(data).filter((key) => key in known).length;
}

/** "must be number", "must be null" -> "must be number or null (got "abc")". */
function joinedTypeMessage(messages: string[], got: unknown): string | undefined {
  if (!messages.every((message) => message.startsWith('must be '))) return undefined;
  const kinds = [...new Set(messages.map((message) => message.slice('must be '.length)))];
  return `must be ${kinds.join(' or ')} (got ${shownValue(got)})`;
}

/**
 * One union error, told once. A union of listed values (TypeBox `Union` of `Literal`s, `Enum`)
 * says which values are allowed and what was sent; a union of objects with a discriminator
 * reports the errors of the branch the discriminator picks (or, when it picks none, the
 * discriminator's allowed values); another union reports its best-fitting branch's errors.
 */
function explainUnion(union: ErrorObject, branchErrors: ErrorObject[]): ErrorObject[] {
  const branches = Array.isArray(union.schema) ? (union.schema as unknown[]) : [];
  const data = union.data;
  const literals = literalsOf({ anyOf: branches });
  if (literals) return [{ ...union, keyword: 'enum', params: { allowedValues: literals }, message: oneOfMessage(literals, data) }];

  const byBranch = new Map<number, ErrorObject[]>();
  for (const error of branchErrors) {
    const index = Number(error.schemaPath.slice(union.schemaPath.length + 1).split('/')[0]);
    if (!byBranch.has(index)) byBranch.set(index, []);
    byBranch.get(index)!.push(error);
  }
  const objectBranches = branches.filter((branch) => isSchema(branch) && isSchema(branch.properties));
  if (isSchema(data) && objectBranches.length === branches.length) {
    const discriminator = discriminatorOf(branches);
    if (discriminator) {
      const sent = data[discriminator.name];
      const picked = discriminator.valuesByBranch.findIndex((values) => values.some((value) => value === sent));
      if (picked >= 0) return byBranch.get(picked) ?? [union];
      const allowed = discriminator.valuesByBranch.flat();
      const instancePath = `${union.instancePath}/${escapedPointer(discriminator.name)}`;
      if (!(discriminator.name in data)) {
        return [
          {
            ...union,
            keyword: 'required',
            instancePath: union.instancePath,
            params: { missingProperty: discriminator.name },
            message: `must have required property '${discriminator.name}' (one of ${allowedList(allowed)})`,
          },
        ];
      }
      return [{ ...union, keyword: 'enum', instancePath, params: { allowedValues: allowed }, message: oneOfMessage(allowed, sent) }];
    }
  }
  // No discriminator: the branch that knows most of the fields sent, then the one whose errors go deepest.
  const ranked = [...byBranch.entries()].sort(([a, aErrors], [b, bErrors]) => {
    const known = keysKnown(branches[b], data) - keysKnown(branches[a], data);
    if (known !== 0) return known;
    const depth = (errors: ErrorObject[]) => Math.max(...errors.map((error) => error.instancePath.length));
    return depth(bErrors) - depth(aErrors) || a - b;
  });
  const best = ranked[0];
  if (!best) return [union];
  const [, bestErrors] = best;
  const bestDepth = Math.max(...bestErrors.map((error) => error.instancePath.length));
  // Nothing fits better than another at the union itself (a nullable number sent a string): one line listing each branch.
  if (bestDepth <= union.instancePath.length && keysKnown(branches[best[0]], data) === 0) {
    const messages = ranked.flatMap(([, errors]) => errors.filter((error) => error.instancePath === union.instancePath).map((error) => error.message ?? ''));
    const joined = joinedTypeMessage(messages, data);
    if (joined) return [{ ...union, message: joined }];
  }
  return bestErrors;
}

/** `must be equal to constant` and `must be equal to one of the allowed values` name the values and what was sent. */
function explainListed(error: ErrorObject): ErrorObject {
  if (error.keyword === 'enum' && Array.isArray((error.params as { allowedValues?: unknown }).allowedValues) && /allowed values$/.test(error.message ?? '')) {
    return { ...error, message: oneOfMessage((error.params as { allowedValues: unknown[] }).allowedValues, error.data) };
  }
  if (error.keyword === 'const')
    return { ...error, message: `must be ${shownValue((error.params as { allowedValue?: unknown }).allowedValue)} (got ${shownValue(error.data)})` };
  return error;
}

/**
 * Ajv reports a failed union as every branch's errors, then "must match a schema in anyOf"
 * (`{"provider":"nasdaq"}`: "must be equal to constant" three times). This folds each union's
 * errors (innermost first) into the few the caller needs: the field, the value sent and what is
 * allowed, or the errors of the branch the body meant. Errors need Ajv's `verbose` (schema, data).
 */
export function explainedErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const told: ErrorObject[] = [];
  for (const error of errors) {
    if (!isUnion(error)) {
      told.push(error);
      continue;
    }
    const prefix = `${error.schemaPath}/`;
    const branchErrors = told.filter((earlier) => earlier.schemaPath.startsWith(prefix));
    const others = told.filter((earlier) => !earlier.schemaPath.startsWith(prefix));
    told.length = 0;
    told.push(...others, ...explainUnion(error, branchErrors));
  }
  return told.map((error) => (isUnion(error) ? error : explainListed(error)));
}
