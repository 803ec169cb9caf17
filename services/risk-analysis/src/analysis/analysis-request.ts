import { badRequest } from '@closecross/platform';
import { parameterLimits } from '@closecross/quant';
import { parseServiceName, type ServiceName } from '../backends/compute-backend.ts';
import { readNumber } from './numeric-field.ts';
import type { RiskConfig } from '../risk-config.ts';
import type { AnalyseBody } from '../schemas/reference.ts';

export function readService(raw: unknown): ServiceName {
  const service = typeof raw === 'string' ? parseServiceName(raw) : undefined;
  if (!service) throw badRequest(`body/s must be local, lambda or ecs (ec2 is ecs), got ${JSON.stringify(raw ?? null)}`);
  return service;
}

export function readResources(raw: number | string | undefined, config: RiskConfig): number {
  return readNumber('r', raw, { integer: true, min: 1, max: config.RISK_MAX_RESOURCES, aboveMaxHint: 'set RISK_MAX_RESOURCES for more' });
}

/** Checks the reference's h, d, t, p (numbers or numeric strings), answering 400 for each bad one. */
export function readAnalysisParameters(body: AnalyseBody, config: RiskConfig) {
  const h = readNumber('h', body.h, { integer: true, ...parameterLimits.h });
  const d = readNumber('d', body.d, { integer: true, min: parameterLimits.d.min, max: config.RISK_MAX_SHOTS });
  const p = readNumber('p', body.p, { integer: true, ...parameterLimits.p });
  const t = typeof body.t === 'string' ? body.t.toLowerCase() : body.t;
  if (t !== 'buy' && t !== 'sell') throw badRequest(`body/t must be "buy" or "sell", got ${JSON.stringify(body.t ?? null)}`);
  return { h, d, p, t: t as 'buy' | 'sell' };
}

export const newSeed = () => Math.floor(Math.random() * 2 ** 31);
