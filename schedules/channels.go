package schedules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify/channels"
	"github.com/vigilhq/vigil/useremail"
)

// ChosenChannel is a channel a definition names, and where.
type ChosenChannel struct {
	Name string
	// Field is its place in the definition, e.g.
	// "task_params/notify/channels/1".
	Field string
}

// ChosenChannels returns the channels the task_params of jobType name
// explicitly: an alert's notify.channels (or the short form's
// notification_channels), a notification's channels. An alert that names
// none gets the alert default (telegram) without choosing it, and is not
// listed. task_params must already be valid.
func ChosenChannels(jobType string, taskParams []byte) []ChosenChannel {
	var p struct {
		Notify struct {
			Channels []string `json:"channels"`
		} `json:"notify"`
		NotificationChannels []string `json:"notification_channels"`
		Channels             []string `json:"channels"`
	}
	if json.Unmarshal(taskParams, &p) != nil {
		return nil
	}
	var names []string
	var base string
	switch jobType {
	case config.JobAlert:
		names, base = p.Notify.Channels, "task_params/notify/channels/"
		if len(names) == 0 {
			names, base = p.NotificationChannels, "task_params/notification_channels/"
		}
	case config.JobNotification:
		names, base = p.Channels, "task_params/channels/"
	}
	out := make([]ChosenChannel, len(names))
	for i, n := range names {
		out[i] = ChosenChannel{Name: n, Field: base + strconv.Itoa(i)}
	}
	return out
}

// Recipient is the user a channel choice is for, as far as the check
// needs: whether they are an admin and where they can be reached.
type Recipient struct {
	ID             int64
	Admin          bool
	TelegramChatID bool // has a chat
	Email          bool // has a deliverable (confirmed) address
	WebhookURL     bool // has a webhook URL
}

// RecipientOf reads u for CheckChannels.
func RecipientOf(u dbsqlc.User) Recipient {
	return Recipient{ID: u.ID, Admin: u.IsAdmin, TelegramChatID: u.TelegramChatID != nil,
		Email: useremail.Deliverable(u) != "", WebhookURL: u.WebhookUrl != nil && *u.WebhookUrl != ""}
}

// CheckChannels refuses a chosen channel this deployment does not deliver
// on (configured, as config.DeliveryChannels; nil accepts every channel),
// log for anyone but an operator (chooser is the owner of the choice), and
// a channel the recipient has no address on. self says the recipient is
// the one choosing, for the wording. Errors are *Error naming the field.
func CheckChannels(chosen []ChosenChannel, configured []string, chooserAdmin bool, r Recipient, self bool) error {
	for _, c := range chosen {
		if !channels.Known(c.Name) {
			return invalid(c.Field, fmt.Sprintf("unknown channel %q: choose %s", c.Name, oneOf(channels.User())))
		}
		if channels.OperatorOnly(c.Name) && !chooserAdmin {
			return forbidden(c.Field, fmt.Sprintf("%s is for operators only: choose %s", c.Name, oneOf(channels.User())))
		}
		if configured != nil && !slices.Contains(configured, c.Name) {
			msg := c.Name + " is not configured on this server"
			if s := config.ChannelSetting(c.Name); s != "" {
				msg += " (its operator has not set " + s + ")"
			}
			return invalid(c.Field, msg)
		}
		who := fmt.Sprintf("user %d has", r.ID)
		if self {
			who = "you have"
		}
		switch {
		case c.Name == channels.Telegram && !r.TelegramChatID:
			return invalid(c.Field, who+" no Telegram chat: send /start to the bot first")
		case c.Name == channels.Email && !r.Email:
			return invalid(c.Field, who+" no confirmed email address: set one with PUT /api/me/email or the bot's /email ADDRESS, then confirm the mailed code")
		case c.Name == channels.Webhook && !r.WebhookURL:
			return invalid(c.Field, who+" no webhook URL: an operator sets one with vigil users update ID --webhook-url URL")
		}
	}
	return nil
}

// checkChannels applies CheckChannels to a definition owned by o: the
// recipient is the owner, or a notification's user_id.
func (s *Service) checkChannels(ctx context.Context, tx pgx.Tx, o Owner, d Definition) error {
	if s.channels == nil {
		return nil
	}
	chosen := ChosenChannels(d.JobType, d.TaskParams)
	if len(chosen) == 0 {
		return nil
	}
	target := o.ID
	if d.JobType == config.JobNotification {
		var p struct {
			UserID int64 `json:"user_id"`
		}
		if json.Unmarshal(d.TaskParams, &p) == nil && p.UserID != 0 {
			target = p.UserID
		}
	}
	u, err := s.q.UserGetByID(ctx, tx, target)
	if errors.Is(err, pgx.ErrNoRows) {
		return invalid("task_params/user_id", fmt.Sprintf("user %d does not exist", target))
	}
	if err != nil {
		return fmt.Errorf("load user %d: %w", target, err)
	}
	return CheckChannels(chosen, s.channels, o.Admin, RecipientOf(u), target == o.ID)
}

// oneOf lists names as "a, b or c".
func oneOf(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	out := ""
	for i, n := range names[:len(names)-1] {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out + " or " + names[len(names)-1]
}
