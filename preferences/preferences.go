// Package preferences holds per-user, per-type notification preferences and
// quiet hours (issue 14 item 3) as pure domain logic: which channels a
// notification goes to, whether Telegram delivers it silently, and until when
// quiet hours hold it. It does no I/O; the API, the bot, the notify worker and
// the console call it with rows they loaded.
package preferences

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigilhq/vigil/notify/channels"
)

// Notification types, as the design's notification schema names them.
const (
	Alert    = "alert"
	Report   = "report"
	Screener = "screener"
	System   = "system"
	Trade    = "trade"
)

// Types lists every notification type in a stable order.
func Types() []string { return []string{Alert, Report, Screener, System, Trade} }

// KnownType reports whether t is a notification type.
func KnownType(t string) bool { return slices.Contains(Types(), t) }

// Priorities of the design's notification schema.
const (
	Normal = "normal"
	High   = "high"
	Urgent = "urgent"
)

// Modes of a type as the API and the bot name them.
const (
	// ModeOn delivers the type normally.
	ModeOn = "on"
	// ModeSilent delivers it with Telegram's disable_notification (no
	// sound); other channels deliver it as usual.
	ModeSilent = "silent"
	// ModeOff sends nothing: the notification is recorded as suppressed.
	ModeOff = "off"
)

// Modes lists the modes in a stable order.
func Modes() []string { return []string{ModeOn, ModeSilent, ModeOff} }

// Pref is one user's choice for one notification type. All means every
// channel the user has an address on at delivery time; otherwise Channels
// are the chosen ones, and none means the type is off (recorded as
// suppressed, never sent).
type Pref struct {
	Type     string
	Channels []string
	All      bool
	Silent   bool
}

// Mode is p's mode: off without channels, else silent or on.
func (p Pref) Mode() string {
	switch {
	case !p.All && len(p.Channels) == 0:
		return ModeOff
	case p.Silent:
		return ModeSilent
	}
	return ModeOn
}

// FromMode builds the Pref of type typ in mode with the chosen channels
// (none: every channel the user has an address on). Off takes no channels.
func FromMode(typ, mode string, chosen []string) (Pref, error) {
	p := Pref{Type: typ, Channels: chosen, All: len(chosen) == 0, Silent: mode == ModeSilent}
	switch mode {
	case ModeOn, ModeSilent:
	case ModeOff:
		if len(chosen) > 0 {
			return Pref{}, fmt.Errorf("channels: off takes no channels (got %s)", strings.Join(chosen, ", "))
		}
		p.All, p.Channels = false, nil
	default:
		return Pref{}, fmt.Errorf("mode: unknown mode %q (one of %s)", mode, strings.Join(Modes(), ", "))
	}
	return p, p.Validate()
}

// Validate checks p's type and channels, naming the offending field.
func (p Pref) Validate() error {
	if !KnownType(p.Type) {
		return fmt.Errorf("notification_type: unknown type %q (one of %s)", p.Type, strings.Join(Types(), ", "))
	}
	if p.All && len(p.Channels) > 0 {
		return fmt.Errorf("channels: every channel (all) and a list of channels are exclusive")
	}
	for i, c := range p.Channels {
		if !slices.Contains(channels.User(), c) {
			return fmt.Errorf("channels[%d]: unknown channel %q (one of %s)", i, c, strings.Join(channels.User(), ", "))
		}
		if slices.Contains(p.Channels[:i], c) {
			return fmt.Errorf("channels[%d]: duplicate channel %q", i, c)
		}
	}
	return nil
}

// Route is the outcome of routing one notification.
type Route struct {
	// Channels to deliver on; empty with Suppressed set means off.
	Channels []string
	// Silent asks Telegram for disable_notification.
	Silent bool
	// Suppressed says why nothing is sent ("" when something is).
	Suppressed string
}

// Decide routes a notification of type typ. explicit (an alert's
// notify.channels, POST /api/notify channels) beats prefs; then the
// preference for typ; then fallback (an alert that names no channel gets
// telegram when its owner has no alert preference); then available (the
// channels the user has an address on), which is also what a preference
// for every channel means. A preference's Silent holds in every case.
// Channels are returned as chosen, without duplicates: a chosen channel
// the user has no address on is the caller's to record.
func Decide(typ string, explicit []string, prefs []Pref, fallback, available []string) Route {
	var pref *Pref
	for i := range prefs {
		if prefs[i].Type == typ {
			pref = &prefs[i]
		}
	}
	r := Route{}
	if pref != nil {
		r.Silent = pref.Silent
	}
	var want []string
	switch {
	case len(explicit) > 0:
		want = explicit
	case pref != nil && pref.All:
		want = available
	case pref != nil:
		want = pref.Channels
		if len(want) == 0 {
			r.Suppressed = typ + " notifications are off in the user's preferences"
			return r
		}
	case len(fallback) > 0:
		want = fallback
	default:
		want = available
	}
	for _, c := range want {
		if !slices.Contains(r.Channels, c) {
			r.Channels = append(r.Channels, c)
		}
	}
	return r
}
