import { loadConfig } from '@closecross/platform';
import { riskConfigSpec } from '@closecross/risk-analysis';

/**
 * Public AWS on-demand list prices in USD, us-east-1, Linux/x86, as published on the AWS pricing
 * pages (2025). Other regions cost more or less; update here when AWS changes them. Fargate and
 * Lambda come from the risk service's defaults, which bill its VaR workers with the same prices.
 */
export const hoursPerMonth = 730;
const riskDefaults = loadConfig(riskConfigSpec, {});

export const prices = {
  fargate: { vcpuHour: riskDefaults.PRICE_FARGATE_VCPU_HOUR_USD, gbHour: riskDefaults.PRICE_FARGATE_GB_HOUR_USD },
  alb: { hour: 0.0225, lcuHour: 0.008 },
  natGateway: { hour: 0.045, gbProcessed: 0.045 },
  /** Every public IPv4 address (ALB nodes, NAT gateways), since February 2024. */
  publicIpv4Hour: 0.005,
  rds: {
    /** PostgreSQL single-AZ instance hours; Multi-AZ (one standby) costs twice. */
    instanceHour: {
      'db.t4g.micro': 0.016,
      'db.t4g.small': 0.032,
      'db.t4g.medium': 0.065,
      'db.t4g.large': 0.129,
      'db.m7g.large': 0.168,
      'db.m7g.xlarge': 0.337,
      'db.m7g.2xlarge': 0.673,
      'db.r7g.large': 0.239,
      'db.r7g.xlarge': 0.478,
    } as Record<string, number>,
    /** gp3, per GB-month, single-AZ (Multi-AZ twice). */
    gp3GbMonth: 0.115,
    /** Backup storage beyond the free allowance (the database's size). */
    backupGbMonth: 0.095,
  },
  kinesis: { shardHour: 0.015, putUnitsPerMillion: 0.014 },
  lambda: { gbSecond: riskDefaults.PRICE_LAMBDA_GB_SECOND_USD, requestsPerMillion: riskDefaults.PRICE_LAMBDA_REQUEST_USD * 1e6 },
  s3: { gbMonth: 0.023, putPer1000: 0.005, getPer1000: 0.0004 },
  ecr: { gbMonth: 0.1 },
  cloudwatch: { alarmMetricMonth: 0.1, customMetricMonth: 0.3, logsIngestGb: 0.5, logsStoredGbMonth: 0.03 },
  secretsManager: { secretMonth: 0.4, per10kCalls: 0.05 },
  /** Internet data transfer out, after the first 100 GB a month that AWS does not bill. */
  transferOut: { gb: 0.09, freeGb: 100 },
};

/**
 * The reference's monthly budget (its deployment notes): about 1,071 USD a month, 12,851 a year.
 * Fargate is its three services (db API, train, frontend).
 */
export const referenceBudget: Record<string, number> = {
  Kinesis: 23.74,
  Lambda: 111.39,
  RDS: 782.2,
  'ECS Fargate': 72.08 + 7.51 + 72.08,
  ECR: 0.3,
  S3: 0.46,
  CloudWatch: 1.2,
};
