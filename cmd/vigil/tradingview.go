package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/tradingview"
)

// usersTradingViewToken issues a user a new TradingView webhook token and
// prints it with its webhook path: the only time it is shown.
func usersTradingViewToken(ctx context.Context, e *env, args []string) error {
	var c common
	fs := newFlags(e, "users tradingview-token", "USER_ID",
		"Issues the user a new TradingView webhook token (only a SHA-256 of its secret is stored) and prints it once,\n"+
			"then the webhook path to paste, after the API's address, into a TradingView alert's Webhook URL.\n"+
			"The previous token stops working at once.")
	c.register(fs)
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("expected one user id")
	}
	userID, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || userID < 1 {
		return fmt.Errorf("user id %q: must be a positive integer", pos[0])
	}
	_, pool, err := openSecretsDB(ctx, e, c)
	if err != nil {
		return err
	}
	defer pool.Close()
	var tok tradingview.Token
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		tok, err = store.RotateTradingViewToken(ctx, tx, audit.Entry{Owner: userID, Source: audit.SourceCLI})
		return err
	})
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("no user %d", userID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok.Value)
	fmt.Fprintln(e.stdout, store.TradingViewHookPath(tok.Value))
	return nil
}
