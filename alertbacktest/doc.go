// Package alertbacktest answers "how often would this alert have fired?": it
// ties an alert config to market data. Run picks the range (by default the
// last 90 days up to the last closed bar), fetches the bars with the alert's
// warm-up history before them, replays the alert with the worker's engine
// (alerts.Config.Backtest) and draws the last bars with the triggers marked
// (report.CandlesWithMarkers). Record stores a backtest as a finished ad-hoc
// alert run with its chart as the run's artifact, and LoadSchedule reads an
// existing alert of a user.
//
// The API (POST /api/alerts/backtest), the CLI (vigil alerts backtest) and
// the Telegram bot (/alert … test, /alerttest) all go through Run, so they
// give the same answer. The package imports no HTTP framework, River or
// Telegram; Record and LoadSchedule take a database handle.
package alertbacktest
