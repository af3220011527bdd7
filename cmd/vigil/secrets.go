package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/store"
)

// cmdSecrets operates the secrets stored in the database.
func cmdSecrets(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(e.stdout, "Usage: vigil secrets rotate   (re-seals every stored secret under secret_key; set the old key in VIGIL_SECRET_KEY_PREVIOUS)")
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
			return errHelp
		}
		return fmt.Errorf("unknown secrets action %q", args[0])
	}
	var c common
	fs := newFlags(e, "secrets rotate", "[flags]",
		"Re-seals every secret stored in the database under the current secret_key (VIGIL_SECRET_KEY), opening\n"+
			"values sealed with an earlier key with secret_key_previous (VIGIL_SECRET_KEY_PREVIOUS), in one transaction.\n"+
			"Afterwards the previous key can be dropped. Prints what it did as JSON.")
	c.register(fs)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, pool, err := openSecretsDB(ctx, e, c)
	if err != nil {
		return err
	}
	defer pool.Close()
	kr, err := cfg.Keyring()
	if err != nil {
		return fmt.Errorf("secret_key: %w", err)
	}
	var res store.ResealResult
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		res, err = store.ResealSecrets(ctx, tx, kr, audit.Entry{Source: audit.SourceCLI})
		return err
	})
	if err != nil {
		return err
	}
	out, _ := json.Marshal(struct {
		store.ResealResult
		KeyID string `json:"key_id"`
	}{res, kr.KeyID()})
	fmt.Fprintln(e.stdout, string(out))
	return nil
}

// usersWebhookSecret issues a user a new webhook signing secret and prints
// it: the only time it is shown.
func usersWebhookSecret(ctx context.Context, e *env, args []string) error {
	return issueUserSecret(ctx, e, args, "users webhook-secret",
		"Issues the user a new webhook signing secret (stored encrypted under secret_key) and prints it once.\n"+
			"The user's webhook requests are signed with it from now on; the previous one stops verifying.",
		func(ctx context.Context, tx pgx.Tx, cfg config.Config, userID int64) ([]string, error) {
			kr, err := cfg.Keyring()
			if err != nil {
				return nil, fmt.Errorf("secret_key: %w", err)
			}
			secret, err := store.RotateWebhookSecret(ctx, tx, kr, audit.Entry{Owner: userID, Source: audit.SourceCLI})
			return []string{secret}, err
		})
}

// issueUserSecret is a `vigil users NAME USER_ID` command that issues the
// user something shown once: issue runs in one transaction and returns the
// lines to print.
func issueUserSecret(ctx context.Context, e *env, args []string, name, help string,
	issue func(ctx context.Context, tx pgx.Tx, cfg config.Config, userID int64) ([]string, error)) error {
	var c common
	fs := newFlags(e, name, "USER_ID", help)
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
	cfg, pool, err := openSecretsDB(ctx, e, c)
	if err != nil {
		return err
	}
	defer pool.Close()
	var lines []string
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		lines, err = issue(ctx, tx, cfg, userID)
		return err
	})
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("no user %d", userID)
	}
	if err != nil {
		return err
	}
	for _, l := range lines {
		fmt.Fprintln(e.stdout, l)
	}
	return nil
}

// openSecretsDB loads the config and opens the migrated database.
func openSecretsDB(ctx context.Context, e *env, c common) (config.Config, *pgxpool.Pool, error) {
	cfg, err := c.load()
	if err != nil {
		return cfg, nil, err
	}
	log := newLogger(e.stderr, cfg, "vigil").With("component", "secrets")
	pool, err := openDB(ctx, cfg, log, false)
	if err != nil {
		return cfg, nil, err
	}
	if err := requireMigrated(ctx, pool); err != nil {
		pool.Close()
		return cfg, nil, err
	}
	return cfg, pool, nil
}
