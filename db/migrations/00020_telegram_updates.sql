-- +goose Up
-- Updates the Telegram bot handled one by one in webhook mode (issue 14
-- item 6). Telegram posts webhook updates on several connections and
-- redelivers one whose answer was not 2xx, so they can arrive out of order
-- and twice: an offset cannot say which were handled, this set can. A row is
-- written in the same transaction as the command the update carries.
-- telegram_state.update_offset stays the polling position: an update below
-- it, or in this set, was handled. Rows older than Telegram's 24-hour
-- retention of undelivered updates are pruned.
CREATE TABLE telegram_updates (
    bot_id     TEXT NOT NULL,
    update_id  BIGINT NOT NULL,
    handled_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, update_id)
);

CREATE INDEX telegram_updates_handled_at ON telegram_updates (handled_at);

-- +goose Down
DROP TABLE IF EXISTS telegram_updates;
