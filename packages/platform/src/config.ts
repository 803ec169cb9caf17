/**
 * Typed configuration from the environment. Every variable is declared once with its parser,
 * default and description; `loadConfig` reads them all and fails with one message that names
 * each bad or missing variable, so a misconfigured task dies at start with the whole story.
 */

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface ConfigVar<T> {
  readonly description: string;
  /** Returns the value, or throws an Error whose message says what is wrong with `raw`. */
  parse(raw: string | undefined): T;
}

interface Common<T> {
  description: string;
  default?: T;
}

function variable<T>(common: Common<T>, convert: (raw: string) => T): ConfigVar<T> {
  return {
    description: common.description,
    parse(raw) {
      if (raw === undefined || raw === '') {
        if (common.default !== undefined) return common.default;
        throw new Error('is required');
      }
      return convert(raw);
    },
  };
}

export const env = {
  string(common: Common<string>): ConfigVar<string> {
    return variable(common, (raw) => raw);
  },
  optionalString(description: string): ConfigVar<string | undefined> {
    return { description, parse: (raw) => (raw === undefined || raw === '' ? undefined : raw) };
  },
  int(common: Common<number> & { min?: number; max?: number }): ConfigVar<number> {
    const min = common.min ?? Number.MIN_SAFE_INTEGER;
    const max = common.max ?? Number.MAX_SAFE_INTEGER;
    return variable(common, (raw) => {
      const value = Number(raw);
      if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
        throw new Error(`must be an integer from ${min} to ${max}, got "${raw}"`);
      }
      return value;
    });
  },
  number(common: Common<number> & { min?: number }): ConfigVar<number> {
    return variable(common, (raw) => {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value) || value < (common.min ?? -Infinity)) {
        throw new Error(`must be a number${common.min === undefined ? '' : ` >= ${common.min}`}, got "${raw}"`);
      }
      return value;
    });
  },
  oneOf<const T extends string>(choices: readonly T[], common: Common<T>): ConfigVar<T> {
    return variable(common, (raw) => {
      if (!(choices as readonly string[]).includes(raw)) {
        throw new Error(`must be one of ${choices.join(', ')}, got "${raw}"`);
      }
      return raw as T;
    });
  },
  url(common: Common<string> & { protocols?: string[] }): ConfigVar<string> {
    return variable(common, (raw) => {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new Error(`must be a URL, got "${redactUrl(raw)}"`);
      }
      if (common.protocols && !common.protocols.includes(parsed.protocol)) {
        throw new Error(`must be a ${common.protocols.join(' or ')} URL, got "${parsed.protocol}"`);
      }
      return raw;
    });
  },
  optionalUrl(description: string, protocols?: string[]): ConfigVar<string | undefined> {
    const required = env.url({ description, ...(protocols ? { protocols } : {}) });
    return { description, parse: (raw) => (raw === undefined || raw === '' ? undefined : required.parse(raw)) };
  },
  boolean(common: Common<boolean>): ConfigVar<boolean> {
    return variable(common, (raw) => {
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new Error(`must be true or false, got "${raw}"`);
    });
  },
};

export type ConfigSpec = Record<string, ConfigVar<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends ConfigVar<infer T> ? T : never };

export function loadConfig<S extends ConfigSpec>(spec: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) {
    try {
      values[name] = variable.parse(source[name]);
    } catch (error) {
      problems.push(`${name} ${(error as Error).message} (${variable.description})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as ConfigOf<S>;
}

/** Hides the password of a connection URL before it reaches a log or an error message. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
