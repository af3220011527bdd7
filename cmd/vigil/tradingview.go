package main

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/store"
)

// usersTradingViewToken issues a user a new TradingView webhook token and
// prints it with its webhook path: the only time it is shown.
func usersTradingViewToken(ctx context.Context, e *env, args []string) error {
	return issueUserSecret(ctx, e, args, "users tradingview-token",
		"Issues the user a new TradingView webhook token (only a SHA-256 of its secret is stored) and prints it once,\n"+
			"then the webhook path to paste, after the API's address, into a TradingView alert's Webhook URL.\n"+
			"The previous token stops working at once.",
		func(ctx context.Context, tx pgx.Tx, _ config.Config, userID int64) ([]string, error) {
			tok, err := store.RotateTradingViewToken(ctx, tx, audit.Entry{Owner: userID, Source: audit.SourceCLI})
			return []string{tok.Value, store.TradingViewHookPath(tok.Value)}, err
		})
}
