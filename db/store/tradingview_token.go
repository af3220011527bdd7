package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/tradingview"
)

// foreignKeyViolation is PostgreSQL's SQLSTATE for a missing referenced
// row (the user).
const foreignKeyViolation = "23503"

// TradingViewHookPath is the path of a token's webhook on the API listener.
func TradingViewHookPath(token string) string { return "/hooks/tradingview/" + token }

// RotateTradingViewToken gives the user (e.Owner) a new TradingView webhook
// token, stores its selector and the SHA-256 of its secret and audits the
// change (never the token) in tx, and returns it: the only time it is
// shown. The previous token stops working at once. A missing user is
// db.ErrNotFound.
func RotateTradingViewToken(ctx context.Context, tx pgx.Tx, e audit.Entry) (tradingview.Token, error) {
	userID := e.Owner
	tok := tradingview.NewToken()
	row, err := dbsqlc.New().TradingViewTokenUpsert(ctx, tx, dbsqlc.TradingViewTokenUpsertParams{
		UserID: userID, Selector: tok.Selector, SecretHash: tok.SecretHash, TokenPrefix: tok.Prefix})
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == foreignKeyViolation {
			return tok, fmt.Errorf("user %d: %w", userID, db.ErrNotFound)
		}
		return tok, fmt.Errorf("store tradingview token of user %d: %w", userID, err)
	}
	e.Action, e.EntityType, e.EntityID = "user.tradingview_token.rotate", "user", userID
	e.Details = map[string]any{"prefix": row.TokenPrefix}
	if err := audit.Write(ctx, tx, e); err != nil {
		return tok, err
	}
	return tok, nil
}
