package console

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/preferences"
	"github.com/vigilhq/vigil/userprefs"
)

// prefsRow is one notification type on the preferences form.
type prefsRow struct {
	Type string
	// Mode is "default", on, silent or off.
	Mode     string
	Channels []string
	Updated  string
}

type prefsData struct {
	Timezone   string
	Rows       []prefsRow
	Channels   []string
	Modes      []string
	QuietStart string
	QuietEnd   string
	Errors     map[string]string
	General    string
	Notice     string
}

// userChannels are the channels a preference may name, in form order.
var userChannels = []string{"telegram", "email", "webhook"}

func (c *Console) prefsData(st userprefs.Settings) prefsData {
	d := prefsData{Timezone: st.Timezone, Channels: userChannels, Errors: map[string]string{},
		Modes: append([]string{"default"}, preferences.Modes()...)}
	if c.channels != nil {
		d.Channels = slices.DeleteFunc(slices.Clone(userChannels), func(ch string) bool { return !slices.Contains(c.channels, ch) })
	}
	if st.Quiet != "" {
		d.QuietStart, d.QuietEnd, _ = strings.Cut(st.Quiet, "-")
	}
	for _, t := range st.Types {
		for _, ch := range t.Channels {
			// A stored channel this server no longer runs still shows, ticked,
			// so that saving the form does not drop it unseen (the check
			// refuses it, naming it).
			if !slices.Contains(d.Channels, ch) {
				d.Channels = append(d.Channels, ch)
			}
		}
	}
	for _, t := range st.Types {
		row := prefsRow{Type: t.Type, Mode: t.Mode, Channels: t.Channels}
		if t.Default {
			row.Mode = "default"
		}
		if t.UpdatedAt != nil {
			row.Updated = fmtUTC(t.UpdatedAt)
		}
		d.Rows = append(d.Rows, row)
	}
	return d
}

func (c *Console) preferencesPage(w http.ResponseWriter, r *http.Request, s *session) {
	st, err := userprefs.Load(r.Context(), c.pool, s.UserID)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	d := c.prefsData(st)
	if r.URL.Query().Get("done") == "saved" {
		d.Notice = "Saved."
	}
	c.render(w, r, s, http.StatusOK, "preferences", "Preferences", d)
}

// prefsField is the form field of a userprefs field: "types.alert" for
// "types.alert.channels[0]", "quiet_hours" for "quiet_hours.start".
func prefsField(f string) string {
	if rest, ok := strings.CutPrefix(f, "types."); ok {
		typ, _, _ := strings.Cut(rest, ".")
		return "types." + typ
	}
	if strings.HasPrefix(f, "quiet_hours") {
		return "quiet_hours"
	}
	return ""
}

// preferencesPost replaces the user's preferences as PUT
// /api/me/preferences does (userprefs.Checker.Replace: every part checked
// before anything is stored, each change audited); a refusal comes back
// beside its field with what was typed.
func (c *Console) preferencesPost(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	d := prefsData{Channels: userChannels, Errors: map[string]string{}, Modes: append([]string{"default"}, preferences.Modes()...),
		QuietStart: strings.TrimSpace(r.PostFormValue("quiet_start")), QuietEnd: strings.TrimSpace(r.PostFormValue("quiet_end"))}
	if c.channels != nil {
		d.Channels = slices.DeleteFunc(slices.Clone(userChannels), func(ch string) bool { return !slices.Contains(c.channels, ch) })
	}
	var ch userprefs.Change
	for _, typ := range preferences.Types() {
		mode := r.PostFormValue(typ + ".mode")
		chosen := r.PostForm[typ+".channels"]
		for _, ch := range chosen {
			if !slices.Contains(d.Channels, ch) && slices.Contains(userChannels, ch) {
				d.Channels = append(d.Channels, ch)
			}
		}
		d.Rows = append(d.Rows, prefsRow{Type: typ, Mode: mode, Channels: chosen})
		switch mode {
		case "", "default":
			if len(chosen) > 0 {
				d.Errors["types."+typ] = "types." + typ + ".channels: choose a mode (on or silent) to pick channels"
			}
			continue
		}
		p, err := preferences.FromMode(typ, mode, chosen)
		if err != nil {
			d.Errors["types."+typ] = "types." + typ + "." + err.Error()
			continue
		}
		ch.Types = append(ch.Types, p)
	}
	switch {
	case d.QuietStart == "" && d.QuietEnd == "":
	case d.QuietStart == "" || d.QuietEnd == "":
		d.Errors["quiet_hours"] = "quiet_hours: give a start and an end (HH:MM), or neither for none"
	default:
		ch.Quiet = d.QuietStart + "-" + d.QuietEnd
	}
	if len(d.Errors) > 0 {
		c.render(w, r, s, http.StatusUnprocessableEntity, "preferences", "Preferences", d)
		return
	}
	err := c.inTx(r, func(tx pgx.Tx) error {
		u, err := c.q.UserGetByID(ctx, tx, s.UserID)
		if err != nil {
			return err
		}
		d.Timezone = u.Timezone
		_, err = userprefs.Checker{Configured: c.channels}.Replace(ctx, tx,
			audit.Entry{Actor: s.UserID, Source: audit.SourceConsole}, u, ch)
		return err
	})
	if ue, ok := userprefs.AsError(err); ok && !ue.NotFound {
		if f := prefsField(ue.Field); f != "" {
			d.Errors[f] = ue.Error()
		} else {
			d.General = ue.Error()
		}
		c.render(w, r, s, http.StatusUnprocessableEntity, "preferences", "Preferences", d)
		return
	}
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		c.fail(w, r, s, err)
		return
	}
	if err != nil {
		c.notFound(w, r, s, "your user no longer exists")
		return
	}
	http.Redirect(w, r, Prefix+"/preferences?done=saved", http.StatusSeeOther)
}
