package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/preferences"
	"github.com/vigilhq/vigil/userprefs"
)

const putPreferencesDoc = "Replaces your notification preferences. Per notification type (`alert`, `report`, " +
	"`screener`, `system`, `trade`): `mode` `on`, `silent` (Telegram without a sound) or `off` (nothing is sent; the " +
	"notification is recorded as suppressed), and optionally the `channels` it goes to (default: every channel you " +
	"have an address on). A type left out goes back to the default (on, every channel). An alert's own " +
	"`notify.channels` and `POST /api/notify` channels beat these. `quiet_hours` (`start`, `end` as HH:MM in your " +
	"time zone; a window may cross midnight) hold every message but urgent ones until the window ends; omit it or " +
	"send null for none. 422 naming the field: an unknown type, mode or channel, a channel this server does not run " +
	"or you have no address on, a bad time."

// TypePreference is one notification type's setting.
type TypePreference struct {
	Mode     string   `json:"mode" enum:"on,silent,off" doc:"on, silent (Telegram's disable_notification) or off (recorded as suppressed)"`
	Channels []string `json:"channels,omitempty" maxItems:"3" uniqueItems:"true" doc:"Channels it goes to (telegram, email, webhook); omitted: every channel you have an address on" enum:"telegram,email,webhook"`
}

// TypeSettings are the per-type settings; a type left out is the default.
type TypeSettings struct {
	Alert    *TypePreference `json:"alert,omitempty"`
	Report   *TypePreference `json:"report,omitempty"`
	Screener *TypePreference `json:"screener,omitempty"`
	System   *TypePreference `json:"system,omitempty"`
	Trade    *TypePreference `json:"trade,omitempty"`
}

func (t *TypeSettings) each() []struct {
	name string
	p    **TypePreference
} {
	return []struct {
		name string
		p    **TypePreference
	}{{preferences.Alert, &t.Alert}, {preferences.Report, &t.Report}, {preferences.Screener, &t.Screener},
		{preferences.System, &t.System}, {preferences.Trade, &t.Trade}}
}

// QuietHours is a quiet-hours window in the user's time zone.
type QuietHours struct {
	Start string `json:"start" pattern:"^[0-9]{2}:[0-9]{2}$" example:"22:00" doc:"HH:MM, local time"`
	End   string `json:"end" pattern:"^[0-9]{2}:[0-9]{2}$" example:"07:00" doc:"HH:MM, local time; before start crosses midnight"`
}

// PreferencesRequest replaces the caller's notification preferences.
type PreferencesRequest struct {
	Types      TypeSettings `json:"types" required:"false"`
	QuietHours *QuietHours  `json:"quiet_hours,omitempty" required:"false"`
}

// TypeState is a type's setting as in force.
type TypeState struct {
	Mode      string     `json:"mode" enum:"on,silent,off"`
	Channels  []string   `json:"channels" doc:"The chosen channels; empty: every channel you have an address on (or none, when off)"`
	Default   bool       `json:"default" doc:"Nothing chosen: on, every channel (an alert that names no channel goes to telegram)"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Preferences are the caller's notification preferences.
type Preferences struct {
	Timezone   string               `json:"timezone" example:"America/New_York" doc:"Your time zone, in which quiet hours are read"`
	QuietHours *QuietHours          `json:"quiet_hours" doc:"null: none"`
	Types      map[string]TypeState `json:"types" doc:"Every notification type"`
}

type preferencesOutput struct {
	Body Preferences
}

type putPreferencesInput struct {
	Body PreferencesRequest
}

func (h *handler) registerPreferences(api huma.API) {
	op(api, "get-my-preferences", http.MethodGet, "/api/me/preferences", "Your notification preferences", "notifications", 0,
		h.getPreferences)
	opd(api, "put-my-preferences", http.MethodPut, "/api/me/preferences", "Replace your notification preferences",
		putPreferencesDoc, "notifications", 0, h.putPreferences)
}

func (h *handler) getPreferences(ctx context.Context, _ *struct{}) (*preferencesOutput, error) {
	s, err := userprefs.Load(ctx, h.pool, caller(ctx).UserID)
	if err != nil {
		return nil, h.prefsProblem(err)
	}
	return &preferencesOutput{Body: preferencesBody(s)}, nil
}

func (h *handler) putPreferences(ctx context.Context, in *putPreferencesInput) (*preferencesOutput, error) {
	p := caller(ctx)
	var ch userprefs.Change
	for _, t := range in.Body.Types.each() {
		if *t.p == nil {
			continue
		}
		pref, err := preferences.FromMode(t.name, (*t.p).Mode, (*t.p).Channels)
		if err != nil {
			return nil, h.prefsProblem(&userprefs.Error{Field: "types." + t.name, Msg: err.Error()})
		}
		ch.Types = append(ch.Types, pref)
	}
	if q := in.Body.QuietHours; q != nil {
		ch.Quiet = q.Start + "-" + q.End
	}
	var s userprefs.Settings
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		u, err := h.q.UserGetByID(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		s, err = userprefs.Checker{Configured: h.channels}.Replace(ctx, tx,
			auditlog.Entry{Actor: p.UserID, Source: auditlog.SourceAPI}, u, ch)
		return err
	})
	if err != nil {
		return nil, h.prefsProblem(err)
	}
	return &preferencesOutput{Body: preferencesBody(s)}, nil
}

func preferencesBody(s userprefs.Settings) Preferences {
	out := Preferences{Timezone: s.Timezone, Types: map[string]TypeState{}}
	if s.Quiet != "" {
		out.QuietHours = &QuietHours{Start: s.Quiet[:5], End: s.Quiet[6:]}
	}
	for _, t := range s.Types {
		chs := t.Channels
		if chs == nil {
			chs = []string{}
		}
		out.Types[t.Type] = TypeState{Mode: t.Mode, Channels: chs, Default: t.Default, UpdatedAt: t.UpdatedAt}
	}
	return out
}

// prefsProblem maps a userprefs error to its HTTP problem: 422 naming the
// body field.
func (h *handler) prefsProblem(err error) error {
	e, ok := userprefs.AsError(err)
	if !ok {
		return h.problem(err)
	}
	if e.NotFound {
		return huma.Error404NotFound(e.Msg)
	}
	if e.Field == "" {
		return huma.NewError(http.StatusUnprocessableEntity, e.Msg)
	}
	return huma.NewError(http.StatusUnprocessableEntity, e.Field+": "+e.Msg,
		&huma.ErrorDetail{Location: "body." + e.Field, Message: e.Msg})
}
