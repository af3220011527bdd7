package schedule

import (
	"testing"
	"time"
)

func BenchmarkNext(b *testing.B) {
	cases := []struct{ name, expr, tz string }{
		{"daily_utc", "0 9 * * *", ""},
		{"daily_new_york", "30 2 * * *", "America/New_York"},
		{"quarter_hour_berlin", "*/15 * * * *", "Europe/Berlin"},
		{"per_second", "* * * * * *", "America/New_York"},
		{"leap_day", "0 0 29 2 *", "Europe/Berlin"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := mustParse(b, c.expr, c.tz, Options{})
			at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
			for b.Loop() {
				at = s.Next(at)
			}
		})
	}
}

func BenchmarkBetweenPerSecondDay(b *testing.B) {
	s := mustParse(b, "* * * * * *", "America/New_York", Options{})
	from := time.Date(2027, 3, 14, 5, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	for b.Loop() {
		if n := len(s.Between(from, to, 1<<20)); n != 86400 {
			b.Fatalf("got %d fires", n)
		}
	}
}

func BenchmarkMinInterval(b *testing.B) {
	s := mustParse(b, "*/5 * * * *", "America/New_York", Options{})
	from := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		s.MinInterval(from)
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("0 9 * * MON", "Europe/Berlin", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
