import type { CreateServiceOptions } from '@closecross/platform';

/**
 * Service options that collect warnings and worse as JSON lines into `lines` (what a CloudWatch
 * log filter sees); without `lines`, the usual test level.
 */
export function testLogging(lines?: string[]): Pick<CreateServiceOptions, 'logLevel' | 'logStream'> {
  if (!lines) return { logLevel: process.env.TEST_LOG_LEVEL ?? 'silent' };
  return { logLevel: 'warn', logStream: { write: (line: string) => void lines.push(line) } };
}

/** The collected lines that carry `event: <event>`, parsed. */
export function loggedEvents(lines: string[], event: string): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === event);
}
