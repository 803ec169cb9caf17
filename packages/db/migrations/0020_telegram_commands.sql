-- Telegram commands (packages/alerts, src/telegram-bot): which chats may command, as whom, and
-- what each chat asked. A chat acts through the REST API with an API key minted for it when an
-- admin links it (named `telegram <chat id> <username>`, with that user's role scopes); the key is
-- kept sealed (AES-256-GCM under a key derived from the bot token), never in clear.
CREATE TABLE "telegram_chat_link" (
	"chat_id" bigint PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"role" text NOT NULL,
	"scopes" text[] NOT NULL,
	"api_key_id" uuid NOT NULL,
	"api_key_sealed" bytea NOT NULL,
	"linked_by" text NOT NULL,
	"linked_at" timestamp with time zone DEFAULT now() NOT NULL,
	-- A /squareoff waiting for its typed confirmation, and until when (Telegram's message time + 2 minutes).
	"confirmation_pending" text,
	"confirmation_until" timestamp with time zone
);
--> statement-breakpoint
-- One row per update a chat sent: the update id makes a redelivered update (a webhook retried by
-- Telegram) run once; request_ids join it to the API's audit_log rows of the calls it made.
CREATE TABLE "telegram_command" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
	"update_id" bigint NOT NULL,
	"chat_id" bigint NOT NULL,
	"username" text,
	"text" text NOT NULL,
	"outcome" text NOT NULL,
	"request_ids" text[] DEFAULT '{}' NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telegram_command_update_key" UNIQUE ("update_id")
);
--> statement-breakpoint
CREATE INDEX "telegram_command_chat_idx" ON "telegram_command" ("chat_id", "id" DESC);
