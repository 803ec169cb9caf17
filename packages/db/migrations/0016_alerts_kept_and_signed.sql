-- Every alert is kept, whether or not a channel wants it (the alerts page shows what was sent
-- nowhere); a delivery is written only for each channel that wants the event.
CREATE OR REPLACE FUNCTION "alert_record"(p_event text, p_payload jsonb) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	new_id bigint;
BEGIN
	INSERT INTO alert (event, payload) VALUES (p_event, p_payload) RETURNING id INTO new_id;
	INSERT INTO alert_delivery (alert_id, channel_id, channel_name)
		SELECT new_id, id, name FROM alert_channels_for(p_event, p_payload) ORDER BY name;
	RETURN new_id;
END
$$;
--> statement-breakpoint
-- Webhook deliveries are signed (HMAC-SHA256) with a secret per channel: channels made before
-- signing get one here (two random UUIDs hashed: 256 bits, no extension needed); an admin reads
-- a new one with POST /alerts/channels/:id/secret.
UPDATE "alert_channel" SET "config" = "config" || jsonb_build_object('secret', 'whsec_' || encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'))
	WHERE "kind" = 'webhook' AND NOT ("config" ? 'secret');
