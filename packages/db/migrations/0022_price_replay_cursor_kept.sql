-- Where a symbol's replay stood when its subscription was deleted: a new replay subscription of
-- the symbol resumes after it, so deleting and adding one again does not send the price back to
-- the file's first bar.
ALTER TABLE "price_latest" ADD COLUMN "replay_cursor" bigint;
