package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

const tokensUsage = `Usage: vigil tokens <action> [flags]

Actions:
  create --user ID [--name NAME]   create an API token for a user and print it (it is shown only once)
  revoke ID                        revoke a token (requests with it get 401 from then on)
  list [--user ID]                 list tokens: id, user, name, prefix, last use (never the token)`

func cmdTokens(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, tokensUsage)
		return errHelp
	}
	action, args := args[0], args[1:]
	var c common
	fs := newFlags(e, "tokens "+action, "[ID] [flags]", tokensUsage)
	c.register(fs)
	var user int64
	var name string
	switch action {
	case "create":
		fs.Int64Var(&user, "user", 0, "the user the token acts as (required)")
		fs.StringVar(&name, "name", "", "what the token is for, e.g. the client's name")
	case "list":
		fs.Int64Var(&user, "user", 0, "only this user's tokens")
	case "revoke":
	default:
		fmt.Fprintln(e.stderr, tokensUsage)
		return fmt.Errorf("unknown action %q", action)
	}
	// Accept the id before or after the flags.
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}

	var tokenID int64
	switch action {
	case "create":
		if user < 1 {
			return errors.New("--user is required (a user id; `vigil users create` makes one)")
		}
		if len(pos) > 0 {
			return fmt.Errorf("unexpected argument %q", pos[0])
		}
	case "revoke":
		if len(pos) != 1 {
			return errors.New("expected one token id")
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("token id %q: must be a positive integer", pos[0])
		}
		tokenID = id
	}

	cfg, err := c.load()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg, "vigil").With("component", "tokens")
	pool, err := openDB(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := requireMigrated(ctx, pool); err != nil {
		return err
	}
	switch action {
	case "create":
		var token string
		var row dbsqlc.TokenCreateRow
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := dbsqlc.New().UserGetByID(ctx, tx, user); err != nil {
				if errors.Is(db.Translate(err), db.ErrNotFound) {
					return fmt.Errorf("user %d does not exist", user)
				}
				return fmt.Errorf("load user %d: %w", user, err)
			}
			var err error
			token, row, err = api.CreateToken(ctx, tx, nil, user, name)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, token)
		fmt.Fprintf(e.stderr, "token %d (%s…) for user %d created; store it now, it cannot be shown again\n", row.ID, row.TokenPrefix, user)
		return nil
	case "revoke":
		var row dbsqlc.TokenRevokeRow
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var err error
			row, err = api.RevokeToken(ctx, tx, nil, tokenID)
			return err
		})
		if errors.Is(err, db.ErrNotFound) {
			return fmt.Errorf("token %d does not exist", tokenID)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "token %d (%s…) of user %d revoked\n", row.ID, row.TokenPrefix, row.UserID)
		return nil
	}
	return tokensList(ctx, e, pool, user)
}

func tokensList(ctx context.Context, e *env, pool *pgxpool.Pool, user int64) error {
	var filter *int64
	if user > 0 {
		filter = &user
	}
	rows, err := dbsqlc.New().TokenList(ctx, pool, filter)
	if err != nil {
		return fmt.Errorf("list tokens: %w", err)
	}
	at := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.UserID, r.Name, r.TokenPrefix,
			r.CreatedAt.UTC().Format(time.RFC3339), at(r.LastUsedAt), at(r.RevokedAt))
	}
	return tw.Flush()
}
