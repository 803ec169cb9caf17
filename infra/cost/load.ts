/**
 * The load the estimate is priced for: one quant desk on the closing-auction data set (about
 * 200 stocks x 55 ten-second buckets a trading day), daily model training, and interactive risk
 * analyses. Every figure is a monthly amount; change them to price another load.
 */
export interface MonthlyLoad {
  /** ALB requests a month, and the bytes they carry (both ways). */
  apiRequests: number;
  apiGb: number;
  /** Of which leave AWS to the internet (answers). */
  transferOutGb: number;
  /** Auction rows streamed through Kinesis, and how many rows `pnpm replay` packs into a record. */
  streamedRows: number;
  rowsPerRecord: number;
  /** Risk analyses, the resources each fans out to, and the Lambda time one resource bills. */
  analyses: number;
  resourcesPerAnalysis: number;
  lambdaMsPerResource: number;
  /** Hours of ECS VaR worker tasks (the `ecs` backend), summed over tasks. */
  workerTaskHours: number;
  /** Artifacts kept in S3, and objects written and read. */
  artifactGb: number;
  artifactPuts: number;
  artifactGets: number;
  /** Images kept in ECR (each deploy pushes new layers; old ones expire). */
  imageGb: number;
  /** Log lines shipped to CloudWatch, and how long they are kept on average. */
  logGb: number;
  /** Bytes through the NAT gateways (logs, Kinesis, Lambda and AWS API calls; S3 and image layers bypass it). */
  natGb: number;
  /** Data in PostgreSQL: backups beyond its size are billed. */
  databaseGb: number;
  backupGbBeyondFree: number;
  /** Secrets Manager reads (ECS reads the database secret once per task start). */
  secretReads: number;
}

export const statedLoad: MonthlyLoad = {
  apiRequests: 2_000_000,
  apiGb: 150,
  transferOutGb: 120,
  // 21 trading days x 11,000 rows, plus one full historical replay (5.2 M rows) a month.
  streamedRows: 21 * 11_000 + 5_200_000,
  rowsPerRecord: 50,
  // 1,000 analyses a trading day at r = 16, each resource ~60 ms of Lambda time at d = 10^7.
  analyses: 21 * 1_000,
  resourcesPerAnalysis: 16,
  lambdaMsPerResource: 60,
  workerTaskHours: 40,
  artifactGb: 5,
  artifactPuts: 5_000,
  artifactGets: 50_000,
  imageGb: 3,
  logGb: 20,
  natGb: 40,
  databaseGb: 20,
  backupGbBeyondFree: 10,
  secretReads: 2_000,
};
