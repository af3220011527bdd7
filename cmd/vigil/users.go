package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/telegram/bot"
)

func cmdUsers(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "invite" {
		return usersInvite(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "webhook-secret" {
		return usersWebhookSecret(ctx, e, args[1:])
	}
	if len(args) > 0 && args[0] == "tradingview-token" {
		return usersTradingViewToken(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stdout, "Usage: vigil users create --name NAME [--admin] [--telegram-id ID] [--webhook-url URL]\n       vigil users invite   (prints a one-time code for the bot's /verify)\n       vigil users webhook-secret USER_ID   (issues a webhook signing secret, printed once)\n       vigil users tradingview-token USER_ID   (issues a TradingView webhook token, printed once)")
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
			return errHelp
		}
		return fmt.Errorf("unknown users action %q", args[0])
	}
	var c common
	fs := newFlags(e, "users create", "--name NAME [--admin] [--telegram-id ID]",
		"Creates a verified user and prints its id. The first admin is made this way.")
	c.register(fs)
	name := fs.String("name", "", "the user's name (required)")
	admin := fs.Bool("admin", false, "make the user an admin")
	telegramID := fs.Int64("telegram-id", 0, "the user's Telegram user id (also used as the chat id)")
	webhook := fs.String("webhook-url", "", "deliver the user's notifications to this URL (signed with the user's own secret from `vigil users webhook-secret`, else VIGIL_WEBHOOK_SECRET)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("--name is required")
	}
	if len(*name) > 255 {
		return errors.New("--name: at most 255 characters")
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
	p := dbsqlc.UserCreateParams{Name: *name, IsAdmin: *admin, Status: "verified"}
	if *telegramID != 0 {
		p.TelegramUserID, p.TelegramChatID = telegramID, telegramID
	}
	if *webhook != "" {
		p.WebhookUrl = webhook
	}
	u, err := dbsqlc.New().UserCreate(ctx, pool, p)
	if err != nil {
		if errors.Is(db.Translate(err), db.ErrConflict) {
			return fmt.Errorf("a user with Telegram id %d already exists", *telegramID)
		}
		return fmt.Errorf("create user: %w", err)
	}
	if err := audit.Write(ctx, pool, audit.Entry{Owner: u.ID, Source: audit.SourceCLI, Action: "user.create", EntityType: "user",
		EntityID: u.ID, Details: map[string]any{"admin": u.IsAdmin}}); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, u.ID)
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
