package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/preferences"
	"github.com/vigilhq/vigil/userprefs"
)

// cmdNotify shows or sets the user's per-type preferences (package
// userprefs, as the API does: the same checks and audit rows).
func (b *Bot) cmdNotify(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	spec := cmd.Notify
	entry := audit.Entry{Actor: user.ID, Source: audit.SourceBot}
	switch {
	case spec.Type == "":
	case spec.Mode == "default":
		if err := userprefs.ResetType(ctx, tx, entry, user.ID, spec.Type); err != nil {
			return prefsRefused(r, "notify", err)
		}
	default:
		p, err := preferences.FromMode(spec.Type, spec.Mode, spec.Channels)
		if err != nil {
			r.text = usage("notify", err.Error()+".").Error()
			return r, nil
		}
		if err := (userprefs.Checker{Configured: b.schedules.Channels()}).SetType(ctx, tx, entry, user, p, "channels"); err != nil {
			return prefsRefused(r, "notify", err)
		}
	}
	s, err := userprefs.Load(ctx, tx, user.ID)
	if err != nil {
		return r, err
	}
	r.text = prefsText(s)
	return r, nil
}

// cmdQuiet shows, sets or ends the user's quiet hours.
func (b *Bot) cmdQuiet(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	if cmd.Quiet != nil {
		entry := audit.Entry{Actor: user.ID, Source: audit.SourceBot}
		if err := userprefs.SetQuiet(ctx, tx, entry, user, *cmd.Quiet); err != nil {
			return prefsRefused(r, "quiet", err)
		}
	}
	s, err := userprefs.Load(ctx, tx, user.ID)
	if err != nil {
		return r, err
	}
	r.text = quietText(s)
	return r, nil
}

// prefsRefused answers a choice userprefs refused with its reason and the
// command's usage; other errors fail the update.
func prefsRefused(r reply, name string, err error) (reply, error) {
	if e, ok := userprefs.AsError(err); ok {
		r.text = usage(name, e.Msg+".").Error()
		return r, nil
	}
	return r, err
}

func prefsText(s userprefs.Settings) string {
	var sb strings.Builder
	sb.WriteString("Your notifications:\n")
	for _, t := range s.Types {
		where := "every channel you have an address on"
		if len(t.Channels) > 0 {
			where = strings.Join(t.Channels, ", ")
		}
		switch t.Mode {
		case preferences.ModeOff:
			fmt.Fprintf(&sb, "%s: off\n", t.Type)
		case preferences.ModeSilent:
			fmt.Fprintf(&sb, "%s: silent, %s\n", t.Type, where)
		default:
			def := ""
			if t.Default {
				def = " (default)"
			}
			fmt.Fprintf(&sb, "%s: on, %s%s\n", t.Type, where, def)
		}
	}
	sb.WriteString(quietText(s))
	sb.WriteString("\nAn alert that names its channels (via …) goes there whatever these say. /notify TYPE on|silent|off [CHANNELS] changes one.")
	return sb.String()
}

func quietText(s userprefs.Settings) string {
	if s.Quiet == "" {
		return "Quiet hours: none. /quiet 22:00-07:00 holds messages overnight."
	}
	return fmt.Sprintf("Quiet hours: %s (%s); messages wait until they end, urgent alerts still come. /quiet off ends them.", s.Quiet, s.Timezone)
}
