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
 * `event` values other code depends on: the CDK stack's alarms count log lines with
 * `event: "job_failed"` (a job that failed for good; a retried attempt is `job_attempt_failed`)
 * and `event: "job_admission_refused"`.
 */
export const logEvents = {
  jobFailed: 'job_failed',
  jobAttemptFailed: 'job_attempt_failed',
  /** A request answered 503 because the database did not answer. */
  databaseUnavailable: 'database_unavailable',
  /** An enqueue refused because its queue was full (429): the stack's queue-full alarm counts these. */
  jobAdmissionRefused: 'job_admission_refused',
} as const;
