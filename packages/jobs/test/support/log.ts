import type { JobLogger } from '../../src/index.ts';

export interface CapturedLog extends JobLogger {
  lines: Array<Record<string, unknown> & { level: string; msg: string }>;
  events(event: string): Array<Record<string, unknown>>;
}

/** A logger that keeps what the engine logs, as a log filter would see it. */
export function capturedLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const at = (level: string) => (object: object, msg: string) => void lines.push({ ...object, level, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), events: (event) => lines.filter((line) => line.event === event) };
}
