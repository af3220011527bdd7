package bot

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigilhq/vigil/preferences"
)

// NotifySpec is what /notify asks for: Type "" shows the preferences.
type NotifySpec struct {
	Type string
	// Mode is on, silent, off, or default (back to the default).
	Mode string
	// Channels are the chosen channels (none: every channel the user has an
	// address on).
	Channels []string
}

// parseNotify reads /notify [TYPE on|silent|off|default [CHANNELS]].
func parseNotify(fields []string) (*NotifySpec, error) {
	if len(fields) == 0 {
		return &NotifySpec{}, nil
	}
	typ := strings.ToLower(fields[0])
	if !preferences.KnownType(typ) {
		return nil, usage("notify", fmt.Sprintf("Unknown notification type %q: use %s.", clip(fields[0]), strings.Join(preferences.Types(), ", ")))
	}
	if len(fields) == 1 {
		return nil, usage("notify", fmt.Sprintf("Say how %s notifications should come: /notify %s on, silent, off or default.", typ, typ))
	}
	mode := strings.ToLower(fields[1])
	if mode != "default" && !slices.Contains(preferences.Modes(), mode) {
		return nil, usage("notify", fmt.Sprintf("Unknown mode %q: use on, silent, off or default.", clip(fields[1])))
	}
	spec := &NotifySpec{Type: typ, Mode: mode}
	rest := fields[2:]
	if len(rest) == 0 {
		return spec, nil
	}
	if mode == preferences.ModeOff || mode == "default" {
		return nil, usage("notify", fmt.Sprintf("/notify %s %s takes no channels.", typ, mode))
	}
	chans, err := parseChannels("notify", "after the mode", strings.Join(rest, ","))
	if err != nil {
		return nil, err
	}
	spec.Channels = chans
	return spec, nil
}

// parseQuiet reads /quiet [HH:MM-HH:MM|off]: nil shows the quiet hours, ""
// ends them. The window itself is checked by package preferences when it
// is stored (in the user's time zone).
func parseQuiet(fields []string) (*string, error) {
	switch {
	case len(fields) == 0:
		return nil, nil
	case len(fields) > 1:
		return nil, usage("quiet", "/quiet takes one window without spaces, like /quiet 22:00-07:00.")
	case strings.EqualFold(fields[0], "off"):
		off := ""
		return &off, nil
	}
	w := fields[0]
	if !strings.Contains(w, "-") {
		return nil, usage("quiet", fmt.Sprintf("%q is not a window: write START-END, like /quiet 22:00-07:00.", clip(w)))
	}
	return &w, nil
}
