package schedule

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Transitions used below (2027):
//   America/New_York  spring 03-14 07:00Z (02:00 EST → 03:00 EDT), fall 11-07 06:00Z (02:00 EDT → 01:00 EST)
//   Europe/Berlin     spring 03-28 01:00Z (02:00 CET → 03:00 CEST), fall 10-31 01:00Z (03:00 CEST → 02:00 CET)

func TestDSTFires(t *testing.T) {
	t.Parallel()

	shift, skip := Options{}, Options{Gap: GapSkip}
	first, both := Options{}, Options{Fold: FoldBoth}

	tests := []struct {
		name     string
		expr, tz string
		opts     Options
		from, to string // Between(from, to]
		want     []string
	}{
		// Spring forward, fixed hour.
		{name: "NY 02:30 shift fires at 03:00", expr: "30 2 * * *", tz: "America/New_York", opts: shift,
			from: "2027-03-13T05:00:00Z", to: "2027-03-15T12:00:00Z",
			want: []string{"2027-03-13T07:30:00Z", "2027-03-14T07:00:00Z", "2027-03-15T06:30:00Z"}},
		{name: "NY 02:30 skip", expr: "30 2 * * *", tz: "America/New_York", opts: skip,
			from: "2027-03-13T05:00:00Z", to: "2027-03-15T12:00:00Z",
			want: []string{"2027-03-13T07:30:00Z", "2027-03-15T06:30:00Z"}},
		{name: "Berlin 02:30 shift fires at 03:00", expr: "30 2 * * *", tz: "Europe/Berlin", opts: shift,
			from: "2027-03-27T00:00:00Z", to: "2027-03-29T12:00:00Z",
			want: []string{"2027-03-27T01:30:00Z", "2027-03-28T01:00:00Z", "2027-03-29T00:30:00Z"}},
		{name: "Berlin 02:30 skip", expr: "30 2 * * *", tz: "Europe/Berlin", opts: skip,
			from: "2027-03-27T00:00:00Z", to: "2027-03-29T12:00:00Z",
			want: []string{"2027-03-27T01:30:00Z", "2027-03-29T00:30:00Z"}},
		{name: "NY 02:00 and 03:00 coincide once", expr: "0 2,3 * * *", tz: "America/New_York", opts: shift,
			from: "2027-03-14T05:00:00Z", to: "2027-03-14T12:00:00Z",
			want: []string{"2027-03-14T07:00:00Z"}},
		{name: "NY 02:00 and 03:00 skip keeps 03:00", expr: "0 2,3 * * *", tz: "America/New_York", opts: skip,
			from: "2027-03-14T05:00:00Z", to: "2027-03-14T12:00:00Z",
			want: []string{"2027-03-14T07:00:00Z"}},
		{name: "Berlin 02:00 and 03:00 coincide once", expr: "0 2,3 * * *", tz: "Europe/Berlin", opts: shift,
			from: "2027-03-27T23:00:00Z", to: "2027-03-28T12:00:00Z",
			want: []string{"2027-03-28T01:00:00Z"}},
		{name: "NY half hours over 02 and 03", expr: "0,30 2,3 * * *", tz: "America/New_York", opts: shift,
			from: "2027-03-14T05:00:00Z", to: "2027-03-14T12:00:00Z",
			want: []string{"2027-03-14T07:00:00Z", "2027-03-14T07:30:00Z"}},
		{name: "NY every minute of 02 collapses", expr: "* 2 * * *", tz: "America/New_York", opts: shift,
			from: "2027-03-14T05:00:00Z", to: "2027-03-14T12:00:00Z",
			want: []string{"2027-03-14T07:00:00Z"}},
		{name: "NY every second of 02 collapses", expr: "* * 2 * * *", tz: "America/New_York", opts: shift,
			from: "2027-03-14T05:00:00Z", to: "2027-03-14T12:00:00Z",
			want: []string{"2027-03-14T07:00:00Z"}},
		{name: "NY 01:59 then shifted 02:30", expr: "59 1 * * *", tz: "America/New_York", opts: shift,
			from: "2027-03-14T05:00:00Z", to: "2027-03-14T12:00:00Z",
			want: []string{"2027-03-14T06:59:00Z"}},

		// Fall back, fixed hour.
		{name: "NY 01:30 first", expr: "30 1 * * *", tz: "America/New_York", opts: first,
			from: "2027-11-07T00:00:00Z", to: "2027-11-07T12:00:00Z",
			want: []string{"2027-11-07T05:30:00Z"}},
		{name: "NY 01:30 both", expr: "30 1 * * *", tz: "America/New_York", opts: both,
			from: "2027-11-07T00:00:00Z", to: "2027-11-07T12:00:00Z",
			want: []string{"2027-11-07T05:30:00Z", "2027-11-07T06:30:00Z"}},
		{name: "Berlin 02:30 first", expr: "30 2 * * *", tz: "Europe/Berlin", opts: first,
			from: "2027-10-30T12:00:00Z", to: "2027-10-31T12:00:00Z",
			want: []string{"2027-10-31T00:30:00Z"}},
		{name: "Berlin 02:30 both", expr: "30 2 * * *", tz: "Europe/Berlin", opts: both,
			from: "2027-10-30T12:00:00Z", to: "2027-10-31T12:00:00Z",
			want: []string{"2027-10-31T00:30:00Z", "2027-10-31T01:30:00Z"}},
		{name: "NY every 20 min in 01 first", expr: "*/20 1 * * *", tz: "America/New_York", opts: first,
			from: "2027-11-07T00:00:00Z", to: "2027-11-07T12:00:00Z",
			want: []string{"2027-11-07T05:00:00Z", "2027-11-07T05:20:00Z", "2027-11-07T05:40:00Z"}},
		{name: "NY every 20 min in 01 both", expr: "*/20 1 * * *", tz: "America/New_York", opts: both,
			from: "2027-11-07T00:00:00Z", to: "2027-11-07T12:00:00Z",
			want: []string{"2027-11-07T05:00:00Z", "2027-11-07T05:20:00Z", "2027-11-07T05:40:00Z",
				"2027-11-07T06:00:00Z", "2027-11-07T06:20:00Z", "2027-11-07T06:40:00Z"}},
		{name: "NY 01:00 and 02:00 first", expr: "0 1,2 * * *", tz: "America/New_York", opts: first,
			from: "2027-11-07T00:00:00Z", to: "2027-11-07T12:00:00Z",
			want: []string{"2027-11-07T05:00:00Z", "2027-11-07T07:00:00Z"}},

		// Wildcard hour: every real matching instant.
		{name: "NY half hours over fall-back hour", expr: "*/30 * * * *", tz: "America/New_York", opts: first,
			from: "2027-11-07T04:59:59Z", to: "2027-11-07T06:59:59Z", // [01:00 EDT, 02:00 EST)
			want: []string{"2027-11-07T05:00:00Z", "2027-11-07T05:30:00Z", "2027-11-07T06:00:00Z", "2027-11-07T06:30:00Z"}},
		{name: "Berlin half hours over fall-back hour", expr: "*/30 * * * *", tz: "Europe/Berlin", opts: first,
			from: "2027-10-30T23:59:59Z", to: "2027-10-31T01:59:59Z", // [02:00 CEST, 03:00 CET)
			want: []string{"2027-10-31T00:00:00Z", "2027-10-31T00:30:00Z", "2027-10-31T01:00:00Z", "2027-10-31T01:30:00Z"}},
		{name: "NY half hours over spring night", expr: "*/30 * * * *", tz: "America/New_York", opts: shift,
			from: "2027-03-14T06:00:00Z", to: "2027-03-14T08:00:00Z",
			want: []string{"2027-03-14T06:30:00Z", "2027-03-14T07:00:00Z", "2027-03-14T07:30:00Z", "2027-03-14T08:00:00Z"}},
		{name: "NY step hours skip missing 02:00", expr: "0 */2 * * *", tz: "America/New_York", opts: shift,
			from: "2027-03-14T04:00:00Z", to: "2027-03-14T10:00:00Z",
			want: []string{"2027-03-14T05:00:00Z", "2027-03-14T08:00:00Z", "2027-03-14T10:00:00Z"}},
		{name: "NY hourly over fall-back", expr: "@hourly", tz: "America/New_York", opts: first,
			from: "2027-11-07T04:00:00Z", to: "2027-11-07T07:00:00Z",
			want: []string{"2027-11-07T05:00:00Z", "2027-11-07T06:00:00Z", "2027-11-07T07:00:00Z"}},

		// Other zones.
		{name: "Lord Howe half-hour gap shift", expr: "15 2 * * *", tz: "Australia/Lord_Howe", opts: shift,
			from: "2027-10-02T00:00:00Z", to: "2027-10-03T23:00:00Z",
			want: []string{"2027-10-02T15:30:00Z", "2027-10-03T15:15:00Z"}},
		{name: "Lord Howe half-hour fold both", expr: "45 1 * * *", tz: "Australia/Lord_Howe", opts: both,
			from: "2027-04-03T00:00:00Z", to: "2027-04-04T12:00:00Z",
			want: []string{"2027-04-03T14:45:00Z", "2027-04-03T15:15:00Z"}},
		{name: "Santiago midnight gap", expr: "@daily", tz: "America/Santiago", opts: shift,
			from: "2027-09-04T00:00:00Z", to: "2027-09-06T12:00:00Z",
			want: []string{"2027-09-04T04:00:00Z", "2027-09-05T04:00:00Z", "2027-09-06T03:00:00Z"}},
		{name: "Santiago 23:30 fold both", expr: "30 23 * * *", tz: "America/Santiago", opts: both,
			from: "2027-04-03T12:00:00Z", to: "2027-04-04T12:00:00Z",
			want: []string{"2027-04-04T02:30:00Z", "2027-04-04T03:30:00Z"}},
		{name: "Apia skipped day shift", expr: "0 12 * * *", tz: "Pacific/Apia", opts: shift,
			from: "2011-12-29T00:00:00Z", to: "2011-12-31T23:00:00Z",
			want: []string{"2011-12-29T22:00:00Z", "2011-12-30T10:00:00Z", "2011-12-30T22:00:00Z", "2011-12-31T22:00:00Z"}},
		{name: "Apia skipped day skip", expr: "0 12 * * *", tz: "Pacific/Apia", opts: skip,
			from: "2011-12-29T00:00:00Z", to: "2011-12-31T23:00:00Z",
			want: []string{"2011-12-29T22:00:00Z", "2011-12-30T22:00:00Z", "2011-12-31T22:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := mustParse(t, tt.expr, tt.tz, tt.opts)
			got := s.Between(utc(t, tt.from), utc(t, tt.to), 100)
			require.Equal(t, tt.want, fmtUTC(got))
		})
	}
}

func TestDSTPreviewFlags(t *testing.T) {
	t.Parallel()

	type fire struct {
		At      string
		Local   string
		Nominal string
		Shifted bool
		Fold    bool
	}
	tests := []struct {
		name     string
		expr, tz string
		opts     Options
		after    string
		want     []fire
	}{
		{name: "NY spring shift", expr: "30 2 * * *", tz: "America/New_York", after: "2027-03-13T12:00:00Z", want: []fire{
			{At: "2027-03-14T07:00:00Z", Local: "2027-03-14 03:00:00 EDT", Nominal: "2027-03-14 02:30:00", Shifted: true},
			{At: "2027-03-15T06:30:00Z", Local: "2027-03-15 02:30:00 EDT", Nominal: "2027-03-15 02:30:00"},
		}},
		{name: "NY merged 02:00 and 03:00", expr: "0 2,3 * * *", tz: "America/New_York", after: "2027-03-14T05:00:00Z", want: []fire{
			{At: "2027-03-14T07:00:00Z", Local: "2027-03-14 03:00:00 EDT", Nominal: "2027-03-14 02:00:00", Shifted: true},
			{At: "2027-03-15T06:00:00Z", Local: "2027-03-15 02:00:00 EDT", Nominal: "2027-03-15 02:00:00"},
		}},
		{name: "NY fall first", expr: "30 1 * * *", tz: "America/New_York", after: "2027-11-06T12:00:00Z", want: []fire{
			{At: "2027-11-07T05:30:00Z", Local: "2027-11-07 01:30:00 EDT", Nominal: "2027-11-07 01:30:00", Fold: true},
			{At: "2027-11-08T06:30:00Z", Local: "2027-11-08 01:30:00 EST", Nominal: "2027-11-08 01:30:00"},
		}},
		{name: "NY fall both", expr: "30 1 * * *", tz: "America/New_York", opts: Options{Fold: FoldBoth}, after: "2027-11-06T12:00:00Z", want: []fire{
			{At: "2027-11-07T05:30:00Z", Local: "2027-11-07 01:30:00 EDT", Nominal: "2027-11-07 01:30:00", Fold: true},
			{At: "2027-11-07T06:30:00Z", Local: "2027-11-07 01:30:00 EST", Nominal: "2027-11-07 01:30:00", Fold: true},
			{At: "2027-11-08T06:30:00Z", Local: "2027-11-08 01:30:00 EST", Nominal: "2027-11-08 01:30:00"},
		}},
		{name: "Berlin wildcard fold", expr: "0 * * * *", tz: "Europe/Berlin", after: "2027-10-30T23:30:00Z", want: []fire{
			{At: "2027-10-31T00:00:00Z", Local: "2027-10-31 02:00:00 CEST", Nominal: "2027-10-31 02:00:00", Fold: true},
			{At: "2027-10-31T01:00:00Z", Local: "2027-10-31 02:00:00 CET", Nominal: "2027-10-31 02:00:00", Fold: true},
			{At: "2027-10-31T02:00:00Z", Local: "2027-10-31 03:00:00 CET", Nominal: "2027-10-31 03:00:00"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			s := mustParse(t, tt.expr, tt.tz, tt.opts)
			var got []fire
			for _, f := range s.Preview(utc(t, tt.after), len(tt.want)) {
				require.Equal(t, time.UTC, f.At.Location())
				require.True(t, f.At.Equal(f.Local))
				got = append(got, fire{
					At: f.At.Format(time.RFC3339), Local: f.Local.Format("2006-01-02 15:04:05 MST"),
					Nominal: f.Nominal, Shifted: f.Shifted, Fold: f.Fold,
				})
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// TestDSTAgainstOracle compares the fires over the 2027 transitions of each
// zone (spring and autumn windows of about a month) with an independent,
// brute-force reading of the rules: walk every wall-clock minute, find its
// instants by trying each offset the zone uses, and apply the policies.
func TestDSTAgainstOracle(t *testing.T) {
	t.Parallel()

	type match func(w time.Time) bool
	exprs := []struct {
		expr  string
		match match
	}{
		{"30 2 * * *", func(w time.Time) bool { return w.Hour() == 2 && w.Minute() == 30 }},
		{"0 2,3 * * *", func(w time.Time) bool { return (w.Hour() == 2 || w.Hour() == 3) && w.Minute() == 0 }},
		{"*/20 1,2 * * *", func(w time.Time) bool { return (w.Hour() == 1 || w.Hour() == 2) && w.Minute()%20 == 0 }},
		{"0,30 1-3 * * SUN", func(w time.Time) bool {
			return w.Hour() >= 1 && w.Hour() <= 3 && w.Minute()%30 == 0 && w.Weekday() == time.Sunday
		}},
		{"59 1 * * *", func(w time.Time) bool { return w.Hour() == 1 && w.Minute() == 59 }},
		{"0 0 * * *", func(w time.Time) bool { return w.Hour() == 0 && w.Minute() == 0 }},
		{"*/15 * * * *", func(w time.Time) bool { return w.Minute()%15 == 0 }},
		{"7 */2 * * *", func(w time.Time) bool { return w.Hour()%2 == 0 && w.Minute() == 7 }},
	}
	zones := []string{"America/New_York", "Europe/Berlin", "Australia/Lord_Howe"}
	policies := []Options{{}, {Gap: GapSkip}, {Fold: FoldBoth}, {Gap: GapSkip, Fold: FoldBoth}}

	for _, tz := range zones {
		for _, e := range exprs {
			for _, opts := range policies {
				t.Run(tz+"/"+e.expr+"/"+string(opts.Gap)+string(opts.Fold), func(t *testing.T) {
					t.Parallel()

					s := mustParse(t, e.expr, tz, opts)
					for _, window := range [][2]string{
						{"2027-03-10T00:00:00Z", "2027-04-10T00:00:00Z"},
						{"2027-09-28T00:00:00Z", "2027-11-10T00:00:00Z"},
					} {
						from, to := utc(t, window[0]), utc(t, window[1])
						want := oracle(s.Location(), e.match, from, to, s.WallClock(), s.Options())
						got := s.Between(from, to, 1<<20)
						require.Equal(t, fmtUTC(want), fmtUTC(got))
					}
				})
			}
		}
	}
}

// oracle lists fires in (from, to] by brute force over wall-clock minutes.
func oracle(loc *time.Location, match func(time.Time) bool, from, to time.Time, wallClock bool, opts Options) []time.Time {
	wallOf := func(t time.Time) time.Time {
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
	}
	var offsets []time.Duration
	for t := from.Add(-48 * time.Hour); t.Before(to.Add(48 * time.Hour)); t = t.Add(time.Hour) {
		_, off := t.In(loc).Zone()
		if d := time.Duration(off) * time.Second; !slices.Contains(offsets, d) {
			offsets = append(offsets, d)
		}
	}
	maxOff := slices.Max(offsets)

	var out []time.Time
	seen := make(map[int64]bool)
	add := func(t time.Time) {
		if t.After(from) && !t.After(to) && !seen[t.Unix()] {
			seen[t.Unix()] = true
			out = append(out, t)
		}
	}
	if !wallClock {
		for t := from.Truncate(time.Minute); !t.After(to); t = t.Add(time.Minute) {
			if match(wallOf(t)) {
				add(t)
			}
		}
		return out
	}
	for w := wallOf(from).Add(-24 * time.Hour); w.Before(wallOf(to).Add(24 * time.Hour)); w = w.Add(time.Minute) {
		if !match(w) {
			continue
		}
		var instants []time.Time
		for _, off := range offsets {
			if t := w.Add(-off); wallOf(t).Equal(w) {
				instants = append(instants, t)
			}
		}
		slices.SortFunc(instants, func(a, b time.Time) int { return a.Compare(b) })
		switch {
		case len(instants) == 0 && opts.Gap == GapShift:
			t := w.Add(-maxOff)
			for !wallOf(t).After(w) {
				t = t.Add(time.Minute)
			}
			add(t)
		case len(instants) > 1 && opts.Fold == FoldFirst:
			add(instants[0])
		default:
			for _, t := range instants {
				add(t)
			}
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}
