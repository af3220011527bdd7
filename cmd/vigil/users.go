package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	neturl "net/url"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/telegram/bot"
	"github.com/vigilhq/vigil/useremail"
)

const usersUsage = `Usage: vigil users create --name NAME [--admin] [--telegram-id ID] [--webhook-url URL] [--email ADDR]
       vigil users update USER_ID [--email ADDR] [--webhook-url URL]   (--email "" removes the address)
       vigil users invite   (prints a one-time code for the bot's /verify)
       vigil users webhook-secret USER_ID   (issues a webhook signing secret, printed once)
       vigil users tradingview-token USER_ID   (issues a TradingView webhook token, printed once)`

func cmdUsers(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "invite":
			return usersInvite(ctx, e, args[1:])
		case "webhook-secret":
			return usersWebhookSecret(ctx, e, args[1:])
		case "update":
			return usersUpdate(ctx, e, args[1:])
		case "create":
			return usersCreate(ctx, e, args[1:])
		case "tradingview-token":
			return usersTradingViewToken(ctx, e, args[1:])
		}
	}
	fmt.Fprintln(e.stdout, usersUsage)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		return errHelp
	}
	return fmt.Errorf("unknown users action %q", args[0])
}

// usersCreate creates a verified user (the first admin is made this way).
// An --email is an operator's word: confirmed at once.
func usersCreate(ctx context.Context, e *env, args []string) error {
	var c common
	fs := newFlags(e, "users create", "--name NAME [--admin] [--telegram-id ID] [--webhook-url URL] [--email ADDR]",
		"Creates a verified user and prints its id. The first admin is made this way.")
	c.register(fs)
	name := fs.String("name", "", "the user's name (required)")
	admin := fs.Bool("admin", false, "make the user an admin")
	telegramID := fs.Int64("telegram-id", 0, "the user's Telegram user id (also used as the chat id)")
	webhook := fs.String("webhook-url", "", "deliver the user's notifications to this URL (signed with the user's own secret from `vigil users webhook-secret`, else VIGIL_WEBHOOK_SECRET)")
	email := fs.String("email", "", "the user's email address for the email channel, confirmed at once (an operator's word)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("--name is required")
	}
	if len(*name) > 255 {
		return errors.New("--name: at most 255 characters")
	}
	if *webhook != "" {
		if err := checkWebhookURL(*webhook); err != nil {
			return err
		}
	}
	addr := ""
	if *email != "" {
		var err error
		if addr, err = normalizeEmailFlag(*email); err != nil {
			return err
		}
	}
	pool, err := usersPool(ctx, e, c)
	if err != nil {
		return err
	}
	defer pool.Close()
	p := dbsqlc.UserCreateParams{Name: *name, IsAdmin: *admin, Status: "verified"}
	if *telegramID != 0 {
		p.TelegramUserID, p.TelegramChatID = telegramID, telegramID
	}
	if *webhook != "" {
		p.WebhookUrl = webhook
	}
	var u dbsqlc.User
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var err error
		u, err = dbsqlc.New().UserCreate(ctx, tx, p)
		if err != nil {
			if errors.Is(db.Translate(err), db.ErrConflict) {
				return fmt.Errorf("a user with Telegram id %d already exists", *telegramID)
			}
			return fmt.Errorf("create user: %w", err)
		}
		if err := audit.Write(ctx, tx, audit.Entry{Owner: u.ID, Source: audit.SourceCLI, Action: "user.create", EntityType: "user",
			EntityID: u.ID, Details: map[string]any{"admin": u.IsAdmin}}); err != nil {
			return err
		}
		if addr != "" {
			_, err = useremail.SetConfirmed(ctx, tx, audit.Entry{Source: audit.SourceCLI}, u.ID, addr)
		}
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, u.ID)
	return nil
}

// usersUpdate changes a user's email address (confirmed at once, or
// removed with --email "") or webhook URL.
func usersUpdate(ctx context.Context, e *env, args []string) error {
	var c common
	fs := newFlags(e, "users update", "USER_ID [--email ADDR] [--webhook-url URL]",
		"Changes a user's email address (an operator's word: confirmed at once; --email \"\" removes it) or webhook URL (--webhook-url \"\" removes it).")
	c.register(fs)
	email := fs.String("email", "", "the user's email address, confirmed at once; empty removes it")
	webhook := fs.String("webhook-url", "", "where the user's webhook notifications go; empty removes it")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("users update takes one USER_ID")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("USER_ID %q is not a user id (a positive whole number)", pos[0])
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["email"] && !set["webhook-url"] {
		return errors.New("nothing to change: give --email or --webhook-url")
	}
	addr := ""
	if set["email"] && *email != "" {
		if addr, err = normalizeEmailFlag(*email); err != nil {
			return err
		}
	}
	if set["webhook-url"] && *webhook != "" {
		if err := checkWebhookURL(*webhook); err != nil {
			return err
		}
	}
	pool, err := usersPool(ctx, e, c)
	if err != nil {
		return err
	}
	defer pool.Close()
	entry := audit.Entry{Source: audit.SourceCLI}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		q := dbsqlc.New()
		if _, err := q.UserGetForUpdate(ctx, tx, id); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("user %d does not exist", id)
			}
			return fmt.Errorf("load user %d: %w", id, err)
		}
		switch {
		case set["email"] && addr == "":
			if err := useremail.Clear(ctx, tx, entry, id); err != nil {
				return err
			}
		case set["email"]:
			if _, err := useremail.SetConfirmed(ctx, tx, entry, id, addr); err != nil {
				return err
			}
		}
		if set["webhook-url"] {
			var url *string
			if *webhook != "" {
				url = webhook
			}
			if err := q.UserSetWebhookURL(ctx, tx, dbsqlc.UserSetWebhookURLParams{ID: id, WebhookUrl: url}); err != nil {
				return fmt.Errorf("set the webhook URL of user %d: %w", id, err)
			}
			if err := audit.Write(ctx, tx, audit.Entry{Owner: id, Source: audit.SourceCLI, Action: "user.webhook_url.set",
				EntityType: "user", EntityID: id, Details: map[string]any{"set": url != nil}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "user %d updated\n", id)
	return nil
}

// usersPool opens the configured database for a users command.
func usersPool(ctx context.Context, e *env, c common) (*pgxpool.Pool, error) {
	cfg, err := c.load()
	if err != nil {
		return nil, err
	}
	log := newLogger(e.stderr, cfg, "vigil").With("component", "users")
	pool, err := openDB(ctx, cfg, log, false)
	if err != nil {
		return nil, err
	}
	if err := requireMigrated(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// normalizeEmailFlag checks --email, naming the flag.
func normalizeEmailFlag(v string) (string, error) {
	addr, err := useremail.Normalize(v)
	if err != nil {
		return "", fmt.Errorf("--email: %w", err)
	}
	return addr, nil
}

// checkWebhookURL checks --webhook-url: an absolute http or https URL.
func checkWebhookURL(v string) error {
	u, err := neturl.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--webhook-url: %q is not an http:// or https:// URL", v)
	}
	return nil
}

// usersInvite prints a one-time verification code for the bot's /verify
// (stored hashed; shown once).
func usersInvite(ctx context.Context, e *env, args []string) error {
	var c common
	fs := newFlags(e, "users invite", "[flags]", "Prints a one-time code a Telegram user sends as /verify CODE.")
	c.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg, "vigil").With("component", "users")
	pool, err := openDB(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := requireMigrated(ctx, pool); err != nil {
		return err
	}
	code, err := bot.CreateInvite(ctx, pool, 0)
	if err != nil {
		return fmt.Errorf("create invite: %w", err)
	}
	fmt.Fprintln(e.stdout, code)
	return nil
}
