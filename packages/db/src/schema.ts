import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

export const dateMapping = pgTable('date_mapping', {
  dateId: integer('date_id').primaryKey(),
  // Null when a row arrived for a day nobody has dated yet; POST /date_mappings/ fills it in.
  date: date('date', { mode: 'string' }),
});

/** One order-book snapshot of one stock in the closing auction. */
export const stockData = pgTable(
  'stock_data',
  {
    stockId: integer('stock_id').notNull(),
    // No foreign key to date_mapping: every writer (API, ingestor, loader) creates the day's
    // mapping in the same transaction, and the per-row key check cost as much as the insert.
    dateId: integer('date_id').notNull(),
    secondsInBucket: integer('seconds_in_bucket').notNull(),
    imbalanceSize: doublePrecision('imbalance_size'),
    imbalanceBuySellFlag: integer('imbalance_buy_sell_flag'),
    referencePrice: doublePrecision('reference_price'),
    matchedSize: doublePrecision('matched_size'),
    farPrice: doublePrecision('far_price'),
    nearPrice: doublePrecision('near_price'),
    bidPrice: doublePrecision('bid_price'),
    bidSize: doublePrecision('bid_size'),
    askPrice: doublePrecision('ask_price'),
    askSize: doublePrecision('ask_size'),
    wap: doublePrecision('wap'),
    target: doublePrecision('target'),
    timeId: integer('time_id'),
    rowId: text('row_id').notNull(),
    trainType: text('train_type'),
  },
  (table) => [
    // Key order serves the common reads: a day (or range of days) in bucket, then stock order.
    primaryKey({ name: 'stock_data_pkey', columns: [table.dateId, table.secondsInBucket, table.stockId] }),
    uniqueIndex('stock_data_row_id_key').on(table.rowId),
    index('stock_data_stock_date_idx').on(table.stockId, table.dateId, table.secondsInBucket),
  ],
);

export const model = pgTable(
  'model',
  {
    modelId: serial('model_id').primaryKey(),
    modelName: text('model_name').notNull(),
    modelArtifactPath: text('model_artifact_path'),
    dateId: integer('date_id').references(() => dateMapping.dateId),
    // Features, parameters, metrics, data window and base model of a trained model.
    metadata: jsonb('metadata'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (table) => [uniqueIndex('model_model_name_key').on(table.modelName)],
);

export const modelInference = pgTable(
  'model_inference',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id')
      .notNull()
      .references(() => model.modelId),
    dateId: integer('date_id').references(() => dateMapping.dateId),
    predictions: text('predictions'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (table) => [index('model_inference_model_date_idx').on(table.modelId, table.dateId)],
);

/** Daily OHLCV bars of a symbol, the input of the risk analysis. */
export const priceBars = pgTable(
  'price_bars',
  {
    symbol: text('symbol').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    open: doublePrecision('open').notNull(),
    high: doublePrecision('high').notNull(),
    low: doublePrecision('low').notNull(),
    close: doublePrecision('close').notNull(),
    adjClose: doublePrecision('adj_close'),
    volume: bigint('volume', { mode: 'number' }),
  },
  (table) => [primaryKey({ name: 'price_bars_pkey', columns: [table.symbol, table.date] })],
);

/**
 * The risk service's scale (one row, id 1): which compute service is warmed, with how many
 * resources, what warming cost, and the ECS tasks it started. In the database so every task
 * behind the load balancer sees the same.
 */
export const riskScale = pgTable('risk_scale', {
  id: integer('id').primaryKey(),
  service: text('service').notNull(),
  resources: integer('resources').notNull(),
  state: text('state').notNull(),
  warmupBillableMs: doublePrecision('warmup_billable_ms').notNull().default(0),
  warmupCost: doublePrecision('warmup_cost').notNull().default(0),
  workers: jsonb('workers').notNull().default(sql`'[]'::jsonb`),
  currentAnalysisId: uuid('current_analysis_id'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
});

/** One analysis: its parameters, status and progress while it runs, its full result after. */
export const riskAnalysis = pgTable(
  'risk_analysis',
  {
    id: uuid('id').primaryKey(),
    status: text('status').notNull(),
    params: jsonb('params').notNull(),
    progress: doublePrecision('progress').notNull().default(0),
    result: jsonb('result'),
    billableMs: doublePrecision('billable_ms'),
    cost: doublePrecision('cost'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [index('risk_analysis_status_idx').on(table.status, table.createdAt)],
);

/** One record per finished analysis, in the reference's shape plus when, symbol and window. */
export const riskAudit = pgTable('risk_audit', {
  id: serial('id').primaryKey(),
  analysisId: uuid('analysis_id').notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().default(sql`now()`),
  record: jsonb('record').notNull(),
});

/**
 * One row per Kinesis shard the ingestor has seen: who holds its lease, until when, and the
 * last sequence number written (committed with the rows themselves, so the two cannot disagree).
 */
export const ingestShard = pgTable(
  'ingest_shard',
  {
    stream: text('stream').notNull(),
    shardId: text('shard_id').notNull(),
    parentShardIds: text('parent_shard_ids').array().notNull().default(sql`'{}'::text[]`),
    owner: text('owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    checkpoint: text('checkpoint'),
    finished: boolean('finished').notNull().default(false),
    rowsWritten: bigint('rows_written', { mode: 'number' }).notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (table) => [primaryKey({ name: 'ingest_shard_pkey', columns: [table.stream, table.shardId] })],
);

/** A record the ingestor could not use, kept with its raw bytes and why. */
export const ingestRejects = pgTable(
  'ingest_rejects',
  {
    id: serial('id').primaryKey(),
    stream: text('stream').notNull(),
    shardId: text('shard_id').notNull(),
    sequenceNumber: text('sequence_number').notNull(),
    reason: text('reason').notNull(),
    payload: bytea('payload').notNull(),
    rejectedAt: timestamp('rejected_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (table) => [uniqueIndex('ingest_rejects_record_key').on(table.stream, table.shardId, table.sequenceNumber)],
);

/** Every job of every kind (packages/jobs): what was asked, where it is, what came of it. */
export const job = pgTable(
  'job',
  {
    id: uuid('id').primaryKey(),
    kind: text('kind').notNull(),
    status: text('status').notNull().default('queued'),
    stage: text('stage').notNull().default('queued'),
    progress: doublePrecision('progress').notNull().default(0),
    params: jsonb('params').notNull().default(sql`'{}'::jsonb`),
    result: jsonb('result'),
    metrics: jsonb('metrics'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    scope: text('scope').notNull().default('admin'),
    createdBy: text('created_by'),
    idempotencyKey: text('idempotency_key'),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (table) => [
    index('job_kind_status_idx').on(table.kind, table.status, table.createdAt),
    index('job_created_at_idx').on(table.createdAt),
    uniqueIndex('job_idempotency_key').on(table.kind, table.idempotencyKey).where(sql`${table.idempotencyKey} is not null`),
  ],
);

/** A cron in a time zone that enqueues a job of a kind; `next_run` moves by compare-and-set, once per tick. */
export const jobSchedule = pgTable(
  'job_schedule',
  {
    name: text('name').primaryKey(),
    kind: text('kind').notNull(),
    cron: text('cron').notNull(),
    timezone: text('timezone').notNull().default('UTC'),
    tradingDaysOnly: boolean('trading_days_only').notNull().default(false),
    params: jsonb('params').notNull().default(sql`'{}'::jsonb`),
    enabled: boolean('enabled').notNull().default(true),
    lastTick: timestamp('last_tick', { withTimezone: true }),
    nextRun: timestamp('next_run', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (table) => [index('job_schedule_due_idx').on(table.nextRun).where(sql`${table.enabled}`)],
);
