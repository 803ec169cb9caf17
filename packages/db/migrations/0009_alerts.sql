-- Alerts (packages/alerts): channels with their per-event switches, and a durable outbox. An
-- alert and one delivery per subscribed channel are written in the transaction of the event
-- that causes them; deliverers claim due deliveries with FOR UPDATE SKIP LOCKED and a lease.
CREATE TABLE "alert_channel" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"config" jsonb NOT NULL,
	"events" text[] NOT NULL,
	"job_kinds" text[],
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_channel_name_key" UNIQUE ("name"),
	CONSTRAINT "alert_channel_kind_check" CHECK ("kind" in ('telegram', 'webhook'))
);
--> statement-breakpoint
CREATE TABLE "alert" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
	"event" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "alert_created_at_idx" ON "alert" USING btree ("created_at");
--> statement-breakpoint
-- The delivery id is what receivers deduplicate on. A claimed delivery is `sending` until its
-- lease (next_attempt_at) runs out; then another deliverer may claim it again.
CREATE TABLE "alert_delivery" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"alert_id" bigint NOT NULL REFERENCES "alert" ("id") ON DELETE CASCADE,
	"channel_id" uuid REFERENCES "alert_channel" ("id") ON DELETE SET NULL,
	"channel_name" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_token" uuid,
	"last_error" text,
	"last_status_code" integer,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_delivery_status_check" CHECK ("status" in ('pending', 'sending', 'sent', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE INDEX "alert_delivery_due_idx" ON "alert_delivery" USING btree ("next_attempt_at") WHERE "status" in ('pending', 'sending');
--> statement-breakpoint
CREATE INDEX "alert_delivery_alert_idx" ON "alert_delivery" USING btree ("alert_id");
--> statement-breakpoint
CREATE INDEX "alert_delivery_channel_idx" ON "alert_delivery" USING btree ("channel_id");
--> statement-breakpoint
-- Which channels want an event: enabled, the event switched on, and for job events the job's
-- kind among the channel's job_kinds (null: every kind).
CREATE FUNCTION "alert_channels_for"(p_event text, p_payload jsonb) RETURNS SETOF alert_channel LANGUAGE sql STABLE AS $$
	SELECT * FROM alert_channel
	WHERE enabled AND p_event = ANY (events)
		AND (job_kinds IS NULL OR p_event NOT IN ('job_failed', 'job_succeeded') OR p_payload->>'kind' = ANY (job_kinds))
$$;
--> statement-breakpoint
-- One fan-out for TypeScript callers (recordAlert) and the job trigger below: an alert and a
-- delivery per channel that wants it; nothing at all when no channel does.
CREATE FUNCTION "alert_record"(p_event text, p_payload jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	new_id bigint;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM alert_channels_for(p_event, p_payload)) THEN
		RETURN NULL;
	END IF;
	INSERT INTO alert (event, payload) VALUES (p_event, p_payload) RETURNING id INTO new_id;
	INSERT INTO alert_delivery (alert_id, channel_id, channel_name)
		SELECT new_id, id, name FROM alert_channels_for(p_event, p_payload) ORDER BY name;
	RETURN new_id;
END
$$;
--> statement-breakpoint
-- Every path that finishes a job (a handler's result, a final failure, a lost last attempt)
-- changes job.status: the alert commits or rolls back with that change, whichever code made it.
CREATE FUNCTION "alert_on_job_finished"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM alert_record(
		CASE NEW.status WHEN 'failed' THEN 'job_failed' ELSE 'job_succeeded' END,
		jsonb_build_object('job_id', NEW.id, 'kind', NEW.kind, 'attempts', NEW.attempts, 'error', NEW.error,
			'created_by', NEW.created_by, 'started_at', NEW.started_at, 'finished_at', NEW.finished_at));
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "job_finished_alert" AFTER UPDATE OF "status" ON "job" FOR EACH ROW
	WHEN (NEW.status IN ('succeeded', 'failed') AND OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION alert_on_job_finished();
