// Package userprefs reads and writes a user's notification preferences (per
// notification type: which channels, silent or off; quiet hours in the
// user's time zone), the same for the API, the bot, the console and the
// notification worker. The rules themselves are package preferences'; this
// package loads them from and stores them in PostgreSQL, checks a choice
// against what the server and the user can deliver on, and audits every
// change in the caller's transaction.
package userprefs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/preferences"
	"github.com/vigilhq/vigil/schedules"
)

// Error is a choice refused, to show the person: Field names it the way the
// API's request body does ("types.alert.channels[0]", "quiet_hours.start").
type Error struct {
	Field string
	Msg   string
	// NotFound says the user does not exist.
	NotFound bool
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// AsError returns err's *Error, if it is one.
func AsError(err error) (*Error, bool) { return errors.AsType[*Error](err) }

// Type is one notification type's setting as shown to the user.
type Type struct {
	Type string
	// Mode is on, silent or off.
	Mode string
	// Channels are the chosen channels; empty when on or silent goes to
	// every channel the user has an address on (and when off).
	Channels []string
	// Default says nothing is stored for the type: on, every channel (an
	// alert that names no channel goes to telegram).
	Default   bool
	UpdatedAt *time.Time
}

// Settings are a user's notification preferences.
type Settings struct {
	// Timezone is the user's IANA zone, in which quiet hours are read.
	Timezone string
	// Quiet is the quiet-hours window ("22:00-07:00"); "" when none.
	Quiet string
	// Types holds every notification type, in preferences.Types order.
	Types []Type
}

// Prefs loads the stored preferences of a user, for preferences.Decide.
func Prefs(ctx context.Context, db dbsqlc.DBTX, userID int64) ([]preferences.Pref, error) {
	rows, err := dbsqlc.New().PreferencesList(ctx, db, userID)
	if err != nil {
		return nil, fmt.Errorf("load the notification preferences of user %d: %w", userID, err)
	}
	out := make([]preferences.Pref, len(rows))
	for i, r := range rows {
		out[i] = preferences.Pref{Type: r.NotificationType, Channels: r.Channels, All: r.AllChannels, Silent: r.Silent}
	}
	return out, nil
}

// QuietOf returns u's quiet hours; ok is false when u has none. A time zone
// that no longer loads (the stored zone is checked when set) reads as UTC,
// and the error says so.
func QuietOf(u dbsqlc.User) (q preferences.Quiet, ok bool, err error) {
	if !u.QuietStart.Valid || !u.QuietEnd.Valid {
		return preferences.Quiet{}, false, nil
	}
	loc, err := preferences.LoadZone(u.Timezone)
	if err != nil {
		loc, err = time.UTC, fmt.Errorf("quiet hours of user %d read in UTC: %w", u.ID, err)
	}
	return preferences.Quiet{Start: clockOf(u.QuietStart), End: clockOf(u.QuietEnd), Loc: loc}, true, err
}

func clockOf(t pgtype.Time) preferences.Clock {
	return preferences.Clock(t.Microseconds / int64(time.Minute/time.Microsecond))
}

func timeOf(c preferences.Clock) pgtype.Time {
	return pgtype.Time{Microseconds: int64(c) * int64(time.Minute/time.Microsecond), Valid: true}
}

// Load returns the settings of user userID.
func Load(ctx context.Context, db dbsqlc.DBTX, userID int64) (Settings, error) {
	u, err := dbsqlc.New().UserGetByID(ctx, db, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Settings{}, &Error{NotFound: true, Msg: fmt.Sprintf("user %d does not exist", userID)}
	}
	if err != nil {
		return Settings{}, fmt.Errorf("load user %d: %w", userID, err)
	}
	rows, err := dbsqlc.New().PreferencesList(ctx, db, userID)
	if err != nil {
		return Settings{}, fmt.Errorf("load the notification preferences of user %d: %w", userID, err)
	}
	s := Settings{Timezone: u.Timezone}
	if q, ok, _ := QuietOf(u); ok {
		s.Quiet = q.String()
	}
	for _, typ := range preferences.Types() {
		t := Type{Type: typ, Mode: preferences.ModeOn, Default: true}
		for _, r := range rows {
			if r.NotificationType == typ {
				p := preferences.Pref{Type: typ, Channels: r.Channels, All: r.AllChannels, Silent: r.Silent}
				at := r.UpdatedAt
				t = Type{Type: typ, Mode: p.Mode(), Channels: p.Channels, UpdatedAt: &at}
			}
		}
		s.Types = append(s.Types, t)
	}
	return s, nil
}

// Checker says which channels a choice may name: Configured are those this
// deployment delivers on (config.DeliveryChannels; nil accepts every one).
type Checker struct {
	Configured []string
}

// check refuses a chosen channel the server does not run or u has no
// address on, naming the field (base + "[i]").
func (c Checker) check(u dbsqlc.User, p preferences.Pref, base string) error {
	if err := p.Validate(); err != nil {
		return &Error{Field: base, Msg: err.Error()}
	}
	chosen := make([]schedules.ChosenChannel, len(p.Channels))
	for i, name := range p.Channels {
		chosen[i] = schedules.ChosenChannel{Name: name, Field: base + "[" + strconv.Itoa(i) + "]"}
	}
	err := schedules.CheckChannels(chosen, c.Configured, false, schedules.RecipientOf(u), true)
	var se *schedules.Error
	if errors.As(err, &se) {
		return &Error{Field: se.Field, Msg: se.Msg}
	}
	return err
}

// SetType stores p for u after checking it, and audits the change
// (user.preferences.set). field names p in errors ("types.alert.channels"
// in the API; the bot shows the message only).
func (c Checker) SetType(ctx context.Context, tx pgx.Tx, e audit.Entry, u dbsqlc.User, p preferences.Pref, field string) error {
	if err := c.check(u, p, field); err != nil {
		return err
	}
	if err := dbsqlc.New().PreferenceUpsert(ctx, tx, dbsqlc.PreferenceUpsertParams{UserID: u.ID, NotificationType: p.Type,
		Channels: nonNil(p.Channels), AllChannels: p.All, Silent: p.Silent}); err != nil {
		return fmt.Errorf("store the %s preference of user %d: %w", p.Type, u.ID, err)
	}
	return write(ctx, tx, e, u.ID, "user.preferences.set", map[string]any{"notification_type": p.Type,
		"mode": p.Mode(), "channels": nonNil(p.Channels)})
}

// ResetType puts type typ of user userID back to the default (on, every
// channel), audited as user.preferences.reset when something was stored.
func ResetType(ctx context.Context, tx pgx.Tx, e audit.Entry, userID int64, typ string) error {
	if !preferences.KnownType(typ) {
		return &Error{Field: "notification_type", Msg: (preferences.Pref{Type: typ}).Validate().Error()}
	}
	prefs, err := Prefs(ctx, tx, userID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(prefs, func(p preferences.Pref) bool { return p.Type == typ }) {
		return nil
	}
	if err := dbsqlc.New().PreferenceDelete(ctx, tx, dbsqlc.PreferenceDeleteParams{UserID: userID, NotificationType: typ}); err != nil {
		return fmt.Errorf("reset the %s preference of user %d: %w", typ, userID, err)
	}
	return write(ctx, tx, e, userID, "user.preferences.reset", map[string]any{"notification_type": typ})
}

// SetQuiet sets the quiet hours of u from a window "22:00-07:00" read in
// u's time zone, or turns them off with "" (audited as
// user.quiet_hours.set or user.quiet_hours.clear when they change).
func SetQuiet(ctx context.Context, tx pgx.Tx, e audit.Entry, u dbsqlc.User, window string) error {
	params := dbsqlc.UserQuietHoursSetParams{UserID: u.ID}
	details := map[string]any{"timezone": u.Timezone}
	action := "user.quiet_hours.clear"
	if window != "" {
		q, err := preferences.ParseQuiet(window, u.Timezone)
		if err != nil {
			return quietError(err)
		}
		params.QuietStart, params.QuietEnd = timeOf(q.Start), timeOf(q.End)
		action, details["quiet_hours"] = "user.quiet_hours.set", q.String()
	}
	if params.QuietStart == u.QuietStart && params.QuietEnd == u.QuietEnd {
		return nil
	}
	if err := dbsqlc.New().UserQuietHoursSet(ctx, tx, params); err != nil {
		return fmt.Errorf("set the quiet hours of user %d: %w", u.ID, err)
	}
	return write(ctx, tx, e, u.ID, action, details)
}

// quietError names the field of a ParseQuiet error.
func quietError(err error) error {
	msg := err.Error()
	for _, f := range []string{"quiet_start", "quiet_end", "timezone"} {
		if len(msg) > len(f)+2 && msg[:len(f)+2] == f+": " {
			return &Error{Field: "quiet_hours." + f[len("quiet_"):], Msg: msg[len(f)+2:]}
		}
	}
	return &Error{Field: "quiet_hours", Msg: msg}
}

// Change is a whole set of preferences, as PUT /api/me/preferences and
// the console's form send it: Types not listed go back to the default.
type Change struct {
	// Types are the chosen types, at most one Pref each.
	Types []preferences.Pref
	// Quiet is the quiet-hours window ("22:00-07:00"); "" turns them off.
	Quiet string
}

// Replace stores ch as u's whole preferences after checking every part
// (nothing is stored when one is refused), auditing each change, and
// returns the settings now in force. Fields are named as in the API:
// types.TYPE.channels[i], quiet_hours.start.
func (c Checker) Replace(ctx context.Context, tx pgx.Tx, e audit.Entry, u dbsqlc.User, ch Change) (Settings, error) {
	seen := map[string]bool{}
	for _, p := range ch.Types {
		field := "types." + p.Type + ".channels"
		if seen[p.Type] {
			return Settings{}, &Error{Field: "types." + p.Type, Msg: "given twice"}
		}
		seen[p.Type] = true
		if !preferences.KnownType(p.Type) {
			return Settings{}, &Error{Field: "types." + p.Type, Msg: p.Validate().Error()}
		}
		if err := c.check(u, p, field); err != nil {
			return Settings{}, err
		}
	}
	if ch.Quiet != "" {
		if _, err := preferences.ParseQuiet(ch.Quiet, u.Timezone); err != nil {
			return Settings{}, quietError(err)
		}
	}
	stored, err := Prefs(ctx, tx, u.ID)
	if err != nil {
		return Settings{}, err
	}
	for _, typ := range preferences.Types() {
		i := slices.IndexFunc(ch.Types, func(p preferences.Pref) bool { return p.Type == typ })
		if i < 0 {
			if err := ResetType(ctx, tx, e, u.ID, typ); err != nil {
				return Settings{}, err
			}
			continue
		}
		p := ch.Types[i]
		j := slices.IndexFunc(stored, func(s preferences.Pref) bool { return s.Type == typ })
		if j >= 0 && samePref(stored[j], p) {
			continue // unchanged: no write, no audit row
		}
		if err := c.SetType(ctx, tx, e, u, p, "types."+typ+".channels"); err != nil {
			return Settings{}, err
		}
	}
	if err := SetQuiet(ctx, tx, e, u, ch.Quiet); err != nil {
		return Settings{}, err
	}
	return Load(ctx, tx, u.ID)
}

func samePref(a, b preferences.Pref) bool {
	return a.All == b.All && a.Silent == b.Silent && slices.Equal(a.Channels, b.Channels)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func write(ctx context.Context, tx pgx.Tx, e audit.Entry, userID int64, action string, details map[string]any) error {
	e.Owner, e.Action, e.EntityType, e.EntityID, e.Details = userID, action, "user", userID, details
	if err := audit.Write(ctx, tx, e); err != nil {
		return fmt.Errorf("audit %s of user %d: %w", action, userID, err)
	}
	return nil
}
