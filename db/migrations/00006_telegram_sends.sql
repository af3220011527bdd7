-- +goose Up
-- Telegram's flood limits are per bot, so every process that sends for a bot
-- reserves its sends here (one advisory lock per bot serialises the check).
CREATE TABLE telegram_sends (
    id      BIGSERIAL PRIMARY KEY,
    bot     TEXT NOT NULL,
    chat_id BIGINT NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX telegram_sends_bot_idx ON telegram_sends (bot, sent_at);
CREATE INDEX telegram_sends_chat_idx ON telegram_sends (bot, chat_id, sent_at);

-- vigil_telegram_reserve reserves a send to chat for bot and returns 0, or
-- returns how many seconds to wait before asking again: at most per_second
-- sends a second overall, one per chat every chat_interval_ms, and at most
-- group_per_minute a minute to a group (negative chat ids).
-- +goose StatementBegin
CREATE FUNCTION vigil_telegram_reserve(p_bot text, p_chat bigint, p_per_second int, p_chat_interval_ms int, p_group_per_minute int)
RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    now_ts    timestamptz;
    wait      double precision := 0;
    n         int;
    oldest    timestamptz;
    last_chat timestamptz;
    gap       interval := make_interval(secs => p_chat_interval_ms / 1000.0);
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('vigil_telegram:' || p_bot));
    now_ts := clock_timestamp();
    SELECT count(*), min(sent_at) INTO n, oldest FROM (
        SELECT sent_at FROM telegram_sends
        WHERE bot = p_bot AND sent_at > now_ts - interval '1 second'
        ORDER BY sent_at DESC LIMIT p_per_second) s;
    IF n >= p_per_second THEN
        wait := greatest(wait, extract(epoch FROM oldest + interval '1 second' - now_ts));
    END IF;
    SELECT max(sent_at) INTO last_chat FROM telegram_sends
    WHERE bot = p_bot AND chat_id = p_chat AND sent_at > now_ts - gap;
    IF last_chat IS NOT NULL THEN
        wait := greatest(wait, extract(epoch FROM last_chat + gap - now_ts));
    END IF;
    IF p_chat < 0 THEN
        SELECT count(*), min(sent_at) INTO n, oldest FROM (
            SELECT sent_at FROM telegram_sends
            WHERE bot = p_bot AND chat_id = p_chat AND sent_at > now_ts - interval '1 minute'
            ORDER BY sent_at DESC LIMIT p_group_per_minute) s;
        IF n >= p_group_per_minute THEN
            wait := greatest(wait, extract(epoch FROM oldest + interval '1 minute' - now_ts));
        END IF;
    END IF;
    IF wait > 0 THEN
        RETURN wait;
    END IF;
    INSERT INTO telegram_sends (bot, chat_id, sent_at) VALUES (p_bot, p_chat, now_ts);
    DELETE FROM telegram_sends WHERE bot = p_bot AND sent_at < now_ts - interval '2 minutes';
    RETURN 0;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION IF EXISTS vigil_telegram_reserve(text, bigint, int, int, int);
DROP TABLE IF EXISTS telegram_sends;
