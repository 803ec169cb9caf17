CREATE TABLE "ingest_rejects" (
	"id" serial PRIMARY KEY NOT NULL,
	"stream" text NOT NULL,
	"shard_id" text NOT NULL,
	"sequence_number" text NOT NULL,
	"reason" text NOT NULL,
	"payload" "bytea" NOT NULL,
	"rejected_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ingest_shard" (
	"stream" text NOT NULL,
	"shard_id" text NOT NULL,
	"parent_shard_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"owner" text,
	"lease_until" timestamp with time zone,
	"checkpoint" text,
	"finished" boolean DEFAULT false NOT NULL,
	"rows_written" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingest_shard_pkey" PRIMARY KEY("stream","shard_id")
);
--> statement-breakpoint
CREATE TABLE "ingest_worker" (
	"owner" text PRIMARY KEY NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "ingest_rejects_record_key" ON "ingest_rejects" USING btree ("stream","shard_id","sequence_number");