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

// Pref is one user's choice for one notification type. Channels empty means
// the type is off (recorded as suppressed, never sent).
type Pref struct {
	Type     string
	Channels []string
	Silent   bool
}

// Validate checks p's type and channels, naming the offending field.
func (p Pref) Validate() error {
	if !KnownType(p.Type) {
		return fmt.Errorf("notification_type: unknown type %q (one of %s)", p.Type, strings.Join(Types(), ", "))
	}
	for i, c := range p.Channels {
		if !slices.Contains(channels.User(), c) {
			return fmt.Errorf("channels[%d]: unknown channel %q (one of %s)", i, c, strings.Join(channels.User(), ", "))
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
// notify.channels, POST /api/notify channels) beats prefs; without either the
// notification goes to every channel in available (the channels the user has
// an address for), which is today's behaviour. Chosen channels the user has
// no address for are dropped.
func Decide(typ string, explicit []string, prefs []Pref, available []string) Route {
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
	want := available
	switch {
	case len(explicit) > 0:
		want = explicit
	case pref != nil:
		want = pref.Channels
		if len(want) == 0 {
			r.Suppressed = typ + " notifications are off in the user's preferences"
			return r
		}
	}
	for _, c := range want {
		if slices.Contains(available, c) && !slices.Contains(r.Channels, c) {
			r.Channels = append(r.Channels, c)
		}
	}
	if len(r.Channels) == 0 {
		r.Suppressed = "no chosen channel has an address for this user"
	}
	return r
}
