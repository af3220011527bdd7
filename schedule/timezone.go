package schedule

import (
	"time"

	// Embed the zone database so that Parse accepts the same IANA names on
	// every host, including minimal containers without /usr/share/zoneinfo.
	// The host database still takes precedence when present.
	_ "time/tzdata"
)

// loadLocation resolves an IANA zone name; "" means UTC. "Local" is rejected
// because it depends on the host.
func loadLocation(name string) (*time.Location, *Error) {
	if name == "" {
		return time.UTC, nil
	}
	if name == "Local" {
		return nil, invalid(FieldTimezone, name, "%q is not allowed; use an IANA name such as \"Europe/Berlin\"", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, invalid(FieldTimezone, name, "unknown time zone %q", name)
	}
	return loc, nil
}
