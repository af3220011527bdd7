package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that reads as seconds, possibly fractional (the
// design's unit: 30, "30", 0.5), or as a Go duration string ("30s", "5m"), in
// JSON and in environment variables alike. It writes the Go string.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String returns d in Go notation, such as "5m0s".
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.String())
}

// UnmarshalJSON reads a JSON number of seconds or a string that ParseDuration
// accepts. null leaves d unchanged.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := string(b)
	switch {
	case s == "null":
		return nil
	case strings.HasPrefix(s, `"`):
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseDuration(s)
		if err != nil {
			return err
		}
		*d = v
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("want seconds or a duration string like \"30s\", got %s", s)
	}
	v, err := fromSeconds(f)
	if err != nil {
		return fmt.Errorf("%s: %w", s, err)
	}
	*d = v
	return nil
}

// ParseDuration reads seconds ("30", "0.5") or a Go duration ("30s", "1h30m").
func ParseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		d, err := fromSeconds(f)
		if err != nil {
			return 0, fmt.Errorf("%q: %w", s, err)
		}
		return d, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (want seconds like \"30\" or a Go duration like \"30s\")", s)
	}
	return Duration(d), nil
}

// fromSeconds converts seconds to a Duration, rounded to the nanosecond.
func fromSeconds(f float64) (Duration, error) {
	ns := math.Round(f * float64(time.Second))
	if math.IsNaN(ns) || ns >= math.MaxInt64 || ns < math.MinInt64 {
		return 0, errors.New("seconds out of range")
	}
	return Duration(ns), nil
}
