// Package notify defines the delivery channels for user notifications
// (telegram, email, webhook, log; the names are package channels) and the
// classification of delivery errors that the notification worker acts on.
//
// It is a leaf package: it imports no database driver, job queue or HTTP API
// framework, and holds no global state. Only the Telegram channel imports a
// Telegram library (go-telegram-bot-api, its Bot API client), and only the
// Email channel a mail library (go-mail, SMTP). Package mailtest is the SMTP
// server the email tests and `vigil serve`'s mail catcher use. The River worker
// that renders, splits and sends notifications lives in jobs/ and calls a
// Channel once per attempt; retries, snoozes and bookkeeping are its job.
//
// # Error classification
//
// Channel.Send returns nil on delivery, or an error that the worker
// classifies in this order:
//
//   - IsUnreachable: the recipient can never be reached (Telegram "bot was
//     blocked" or "chat not found", webhook 410 Gone). Cancel the job and
//     mark the user unreachable. IsPermanent is also true.
//   - IsBouncing: the mail server refused the user's address for good (5xx
//     to RCPT TO). Cancel that delivery and mark the address bouncing; the
//     user's other channels carry on. IsPermanent is also true.
//   - IsPermanent: retrying cannot help (no destination, invalid URL, a 4xx
//     rejection). Cancel the job.
//   - RetryAfter: the provider asked us to wait (HTTP 429 / 503 with
//     Retry-After, Telegram retry_after). Snooze for the duration; this is not
//     a failed attempt.
//   - anything else is transient (5xx, 408, 425, SMTP 4xx, network errors,
//     timeouts, context cancellation): retry with backoff.
//
// Delivery is at least once. Message.MessageID is stable across attempts so
// that receivers can drop duplicates (webhooks get it in X-Vigil-Message-Id,
// mails in their Message-ID). Telegram has no idempotency key: a
// reply lost after Telegram delivered means the retry delivers a duplicate.
//
// # Telegram flood limits
//
// Telegram limits each bot (token), not each process or connection: about
// 30 messages per second overall, 1 per second in one chat and 20 per
// minute in one group (Bots FAQ). The Telegram channel waits for a
// TelegramLimiter before every request so that it stays within them rather
// than collecting 429s. A limiter only paces the process it lives in, so:
//
//   - within a process, everything that sends as the bot goes through one
//     Telegram value: the notification worker calls Send and SendPhoto,
//     the Telegram bot (telegram/bot) polls with GetUpdates and replies
//     with SendText. Other senders share its limiter (Telegram.Limiter,
//     WithTelegramLimiter);
//   - across processes every sender also reserves each send in PostgreSQL
//     (a SendGate, WithTelegramGate; store.TelegramGate in db/store): the
//     notification workers of any number of processes and the bot's
//     replies keep the bot's limits together.
//
// Should a 429 come anyway (another client of the same token, Telegram
// tightening limits), Send returns *RetryAfterError and the worker snoozes;
// an interactive sender (a bot's reply) sets SendOptions.WaitRetryAfter to
// wait out the retry_after and try again instead.
package notify
