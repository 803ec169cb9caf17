-- A price worker that cannot serve a feed (say its replay folder lacks the symbol's file) hands
-- the lease back and names itself here, so another worker takes the feed and it does not take
-- it again; the subscription's last_error says which worker refused it and why.
ALTER TABLE "price_feed" ADD COLUMN "refused_by" text[] DEFAULT '{}'::text[] NOT NULL;
