import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerOptions } from 'pino';

/** Paths pino blanks in every line: credentials must never reach CloudWatch. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'password',
  'secret',
  'token',
  '*.password',
  '*.secret',
  '*.token',
  '*.connectionString',
  '*.SecretString',
];

export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}

const requestIdPattern = /^[\w.:-]{1,128}$/;

/** Keeps the caller's (or the ALB's) request id when it is sane, so one id follows a call across services. */
export function requestIdFrom(request: IncomingMessage): string {
  const header = request.headers['x-request-id'] ?? request.headers['x-amzn-trace-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate && requestIdPattern.test(candidate) ? candidate : randomUUID();
}

/**
 * `event` values other code depends on: the CDK stack's job-failure alarm counts log lines with
 * `event: "job_failed"` (a job that failed for good; a retried attempt is `job_attempt_failed`).
 */
export const logEvents = { jobFailed: 'job_failed', jobAttemptFailed: 'job_attempt_failed' } as const;
