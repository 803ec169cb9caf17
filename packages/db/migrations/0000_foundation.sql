CREATE TABLE "date_mapping" (
	"date_id" integer PRIMARY KEY NOT NULL,
	"date" date
);
--> statement-breakpoint
CREATE TABLE "model" (
	"model_id" serial PRIMARY KEY NOT NULL,
	"model_name" text NOT NULL,
	"model_artifact_path" text,
	"date_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_inference" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"date_id" integer,
	"predictions" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "price_bars" (
	"symbol" text NOT NULL,
	"date" date NOT NULL,
	"open" double precision NOT NULL,
	"high" double precision NOT NULL,
	"low" double precision NOT NULL,
	"close" double precision NOT NULL,
	"adj_close" double precision,
	"volume" bigint,
	CONSTRAINT "price_bars_pkey" PRIMARY KEY("symbol","date")
);
--> statement-breakpoint
CREATE TABLE "stock_data" (
	"stock_id" integer NOT NULL,
	"date_id" integer NOT NULL,
	"seconds_in_bucket" integer NOT NULL,
	"imbalance_size" double precision,
	"imbalance_buy_sell_flag" integer,
	"reference_price" double precision,
	"matched_size" double precision,
	"far_price" double precision,
	"near_price" double precision,
	"bid_price" double precision,
	"bid_size" double precision,
	"ask_price" double precision,
	"ask_size" double precision,
	"wap" double precision,
	"target" double precision,
	"time_id" integer,
	"row_id" text NOT NULL,
	"train_type" text,
	CONSTRAINT "stock_data_pkey" PRIMARY KEY("date_id","seconds_in_bucket","stock_id")
);
--> statement-breakpoint
ALTER TABLE "model" ADD CONSTRAINT "model_date_id_date_mapping_date_id_fk" FOREIGN KEY ("date_id") REFERENCES "public"."date_mapping"("date_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_inference" ADD CONSTRAINT "model_inference_model_id_model_model_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."model"("model_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_inference" ADD CONSTRAINT "model_inference_date_id_date_mapping_date_id_fk" FOREIGN KEY ("date_id") REFERENCES "public"."date_mapping"("date_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stock_data" ADD CONSTRAINT "stock_data_date_id_date_mapping_date_id_fk" FOREIGN KEY ("date_id") REFERENCES "public"."date_mapping"("date_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "model_model_name_key" ON "model" USING btree ("model_name");--> statement-breakpoint
CREATE INDEX "model_inference_model_date_idx" ON "model_inference" USING btree ("model_id","date_id");--> statement-breakpoint
CREATE UNIQUE INDEX "stock_data_row_id_key" ON "stock_data" USING btree ("row_id");--> statement-breakpoint
CREATE INDEX "stock_data_stock_date_idx" ON "stock_data" USING btree ("stock_id","date_id","seconds_in_bucket");