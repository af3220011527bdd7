// Package notify defines the delivery channels for user notifications
// (webhook, log; Telegram comes later) and the classification of delivery
// errors that the notification worker acts on.
//
// It is a leaf package: it imports no database driver, job queue, HTTP API
// framework or Telegram library, and holds no global state. The River worker
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
//   - IsPermanent: retrying cannot help (no destination, invalid URL, a 4xx
//     rejection). Cancel the job.
//   - RetryAfter: the provider asked us to wait (HTTP 429 / 503 with
//     Retry-After, Telegram retry_after). Snooze for the duration; this is not
//     a failed attempt.
//   - anything else is transient (5xx, 408, 425, network errors, timeouts,
//     context cancellation): retry with backoff.
//
// Delivery is at least once. Message.MessageID is stable across attempts so
// that receivers can drop duplicates.
package notify
