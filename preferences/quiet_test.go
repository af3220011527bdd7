package preferences

import (
	"testing"
	"time"
)

func TestHoldAcrossMidnightAndDST(t *testing.T) {
	t.Parallel()
	q, err := ParseQuiet("22:00-07:00", "America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name, now, priority, want string
	}{
		// 2026-03-08 is the spring-forward day in New York (02:00 EST -> 03:00 EDT).
		{"before window, EST", "2026-03-08T02:30:00Z", Normal, ""},                    // 21:30 EST on the 7th: goes at once
		{"inside, EST night", "2026-03-08T03:30:00Z", Normal, "2026-03-08T11:00:00Z"}, // 22:30 EST on the 7th; ends 07:00 EDT = 11:00Z
		{"urgent passes", "2026-03-08T03:30:00Z", Urgent, ""},
		{"after end, EDT", "2026-03-08T11:00:00Z", Normal, ""},
		{"inside, just before end", "2026-03-08T10:59:00Z", Normal, "2026-03-08T11:00:00Z"},
		// Fall back 2026-11-01: 07:00 EST = 12:00Z.
		{"inside, fall back", "2026-11-01T06:00:00Z", Normal, "2026-11-01T12:00:00Z"},
	}
	for _, c := range cases {
		got := q.Hold(utc(c.now), c.priority)
		want := time.Time{}
		if c.want != "" {
			want = utc(c.want)
		}
		if !got.Equal(want) {
			t.Errorf("%s: Hold(%s) = %v, want %v", c.name, c.now, got, want)
		}
	}
}

func TestHoldHalfHourZone(t *testing.T) {
	t.Parallel()
	q, err := ParseQuiet("22:00-07:00", "Asia/Kolkata") // UTC+05:30
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 1, 16, 29, 0, 0, time.UTC) // 21:59 IST: outside
	if h := q.Hold(at, Normal); !h.IsZero() {
		t.Errorf("21:59 IST held until %v", h)
	}
	at = time.Date(2026, 6, 1, 16, 30, 0, 0, time.UTC) // 22:00 IST: inside
	if h, want := q.Hold(at, Normal), time.Date(2026, 6, 2, 1, 30, 0, 0, time.UTC); !h.Equal(want) {
		t.Errorf("22:00 IST held until %v, want %v", h, want)
	}
}

func TestParseQuietErrorsNameField(t *testing.T) {
	t.Parallel()
	for in, tz := range map[string]string{"25:00-07:00": "UTC", "22:00-7": "UTC", "22:00": "UTC", "22:00-22:00": "UTC", "22:00-07:00": "Mars/Base"} {
		if _, err := ParseQuiet(in, tz); err == nil {
			t.Errorf("ParseQuiet(%q, %q) accepted", in, tz)
		}
	}
}
