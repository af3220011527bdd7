// Package tradingview reads TradingView-compatible webhook requests: the
// per-user token in the URL (POST /hooks/tradingview/{token}) and the alert
// body TradingView sends, JSON or plain text with its placeholders already
// expanded. It turns a body into an Alert: the message to notify and the
// trading-bot actions (schemas/actions.v1.json) to store.
//
// The package is pure: no database, no HTTP framework; the API validates
// and enqueues, package jobs delivers.
package tradingview
