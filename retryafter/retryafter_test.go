package retryafter

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30", 30 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{"", 0, false},
		{"-5", 0, false},
		{"soon", 0, false},
		{"Fri, 04 Dec 2026 12:01:30 GMT", 90 * time.Second, true},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0, true}, // in the past: retry now
		{"99999999999999999", maxWait, true},
	}
	for _, c := range cases {
		got, ok := Parse(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("Parse(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"30", "", "-1", "Fri, 04 Dec 2026 12:01:30 GMT", "1e9"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d, _ := Parse(v, now); d < 0 {
			t.Fatalf("Parse(%q) = %v, negative", v, d)
		}
	})
}
