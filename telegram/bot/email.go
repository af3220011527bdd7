package bot

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/useremail"
)

// cmdEmail shows, sets (mailing a code after the transaction commits),
// confirms or removes the user's email address (package useremail, as the
// API does).
func (b *Bot) cmdEmail(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	entry := audit.Entry{Actor: user.ID, Source: audit.SourceBot}
	switch cmd.Email.Action {
	case "show":
		r.text = emailStatusText(user)
		return r, nil
	case "remove":
		if user.Email == nil {
			r.text = "You have no email address. " + usages["email"]
			return r, nil
		}
		if err := useremail.Clear(ctx, tx, entry, user.ID); err != nil {
			return r, err
		}
		r.text = fmt.Sprintf("Removed %s: you get no more email.", *user.Email)
		return r, nil
	case "set":
		if b.email == nil {
			r.text = "Email is not configured on this server: its operator has not set smtp_host. Your other channels work as before."
			return r, nil
		}
		pending, err := useremail.Request(ctx, tx, entry, user.ID, cmd.Email.Address, b.now())
		if e, ok := useremail.AsError(err); ok {
			r.text = usage("email", e.Msg).Error()
			return r, nil
		}
		if err != nil {
			return r, err
		}
		r.mail = &pending
		return r, nil
	case "confirm":
		addr, err := useremail.Confirm(ctx, tx, entry, user.ID, cmd.Email.Code, b.now())
		if e, ok := useremail.AsError(err); ok {
			// A wrong code still counts: the transaction commits.
			r.text = e.Msg + "."
			if e.Kind == useremail.KindInvalid {
				r.text = usage("email", e.Msg+".").Error()
			}
			return r, nil
		}
		if err != nil {
			return r, err
		}
		r.text = fmt.Sprintf("Confirmed: your notifications go to %s by email too.", addr)
		return r, nil
	}
	return r, fmt.Errorf("/email: unknown action %q", cmd.Email.Action)
}

// sendConfirmation mails a pending code after its transaction committed
// and returns the reply.
func (b *Bot) sendConfirmation(ctx context.Context, p useremail.Pending) string {
	if err := useremail.Send(ctx, b.pool, b.email, p); err != nil {
		if e, ok := useremail.AsError(err); ok {
			return e.Msg + ". Send /email ADDRESS again to retry."
		}
		b.log.ErrorContext(ctx, "telegram /email: confirmation mail", "user_id", p.UserID, "error", err)
		return "Sorry, the confirmation mail could not be sent. Send /email ADDRESS again to retry."
	}
	return fmt.Sprintf("I mailed a code to %s. Send /email confirm CODE within an hour; until then nothing is mailed there.", p.To)
}

func emailStatusText(u dbsqlc.User) string {
	switch status := useremail.Status(u); status {
	case "none":
		return "You have no email address.\n\n" + usages["email"]
	case "unconfirmed":
		return fmt.Sprintf("%s is waiting for its code: send /email confirm CODE, or /email %s for a new code.", *u.Email, *u.Email)
	case "bouncing":
		return fmt.Sprintf("Mail to %s bounced (%s), so none is sent. Send /email ADDRESS to set it again.", *u.Email, deref(u.EmailBounceReason))
	case "unsubscribed":
		return fmt.Sprintf("Email to %s is off (turned off with the link in a mail). Open that link again to turn it on, or send /email %s.", *u.Email, *u.Email)
	default:
		return fmt.Sprintf("Your notifications go to %s by email too. /email remove stops that.", *u.Email)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
