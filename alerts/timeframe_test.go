package alerts

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vigilhq/vigil/bars"
)

// resample aggregates bars into bars of tf (open of the first, high/low
// over the group, close of the last, volume summed).
func resample(s bars.Series, tf bars.Timeframe) bars.Series {
	var out bars.Series
	for _, b := range s {
		open := tf.Open(b.Time)
		if n := len(out); n > 0 && out[n-1].Time.Equal(open) {
			last := &out[n-1]
			last.High, last.Low = max(last.High, b.High), min(last.Low, b.Low)
			last.Close = b.Close
			last.Volume += b.Volume
			continue
		}
		b.Time = open
		out = append(out, b)
	}
	return out
}

func TestTimeframe_Parse(t *testing.T) {
	t.Parallel()
	cfg := mustParse(t, withRule(`{"indicator": "close", "operator": ">", "right": {"indicator": "sma", "period": 200, "timeframe": "1d"}}`))
	require.Equal(t, bars.D1, cfg.Rule.Right.Timeframe)
	require.Equal(t, "close > sma(200,1d)", cfg.Rule.String())
	require.Equal(t, []bars.Timeframe{bars.D1}, cfg.Timeframes())
	require.Equal(t, 1, cfg.MinBars(), "the 1h series needs one bar")
	require.Equal(t, 202, cfg.LookbackFor(bars.D1), "200 daily bars, one still open, one to spare")
	require.Equal(t, cfg.Lookback(), cfg.LookbackFor(bars.H1))
	require.Zero(t, cfg.LookbackFor(bars.W1))
	out, err := json.Marshal(cfg)
	require.NoError(t, err)
	require.Contains(t, string(out), `"timeframe":"1d"`)
	require.Equal(t, cfg, mustParse(t, string(out)), "round trip")

	// Labels, the left operand, several timeframes, crossings' look-back.
	cfg = mustParse(t, withRule(`{"operator": "and", "conditions": [
		{"indicator": "close", "timeframe": "1w", "offset": 1, "operator": "<", "value": 100},
		{"indicator": "bollinger", "period": 20, "output": "upper", "timeframe": "4h", "operator": "crosses_above", "right": {"indicator": "ema", "period": 10, "timeframe": "1d"}},
		{"indicator": "rsi", "timeframe": "1h", "operator": ">", "value": 50}]}`))
	require.Equal(t, "close(1w)[1] < 100 and bollinger(20,2,4h).upper crosses_above ema(10,1d) and rsi(14) > 50", cfg.Rule.String())
	require.Equal(t, []bars.Timeframe{bars.H4, bars.D1, bars.W1}, cfg.Timeframes(), "shortest first; the alert's own is not another")
	require.Empty(t, cfg.Rule.Conditions[2].Left.Timeframe, "the alert's own timeframe is normalised away")
	require.Equal(t, 20+1+2, cfg.LookbackFor(bars.H4), "bollinger(20): 20 bars, one 4h bar for the crossing's previous 1h bar, 2")
	require.Equal(t, 10+30+1+2, cfg.LookbackFor(bars.D1), "ema(10) converges over 30 more bars")
	require.Equal(t, 1+1+0+2, cfg.LookbackFor(bars.W1))
	require.Equal(t, 15+14*5+1, cfg.Lookback(), "the 1h series: rsi(14) and its convergence, plus one")
}

func TestTimeframe_ShorterIsRejected(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, rule, path, msg string
	}{
		{"Left", `{"indicator": "sma", "period": 20, "timeframe": "5m", "operator": ">", "value": 1}`, "/rule/timeframe",
			"5m is shorter than the alert's timeframe 1h: an operand may use the alert's timeframe or a longer one (e.g. 1d)"},
		{"Right", `{"indicator": "close", "operator": ">", "right": {"indicator": "sma", "timeframe": "30m"}}`, "/rule/right/timeframe",
			"30m is shorter than the alert's timeframe 1h: an operand may use the alert's timeframe or a longer one (e.g. 1d)"},
		{"Channel", `{"operator": "or", "conditions": [{"indicator": "close", "operator": "inside_channel", "lower": 1, "upper": {"indicator": "high", "timeframe": "1m"}}]}`,
			"/rule/conditions/0/upper/timeframe", "1m is shorter than the alert's timeframe 1h"},
		{"Unknown", `{"indicator": "close", "timeframe": "2d", "operator": ">", "value": 1}`, "/rule/timeframe", "must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"},
		{"NotAString", `{"indicator": "close", "timeframe": 1, "operator": ">", "value": 1}`, "/rule/timeframe", "must be a string, got integer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(withRule(tt.rule)))
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			require.Len(t, pe.Problems, 1, err)
			require.Equal(t, tt.path, pe.Problems[0].Path)
			require.Contains(t, pe.Problems[0].Message, tt.msg)
		})
	}
	_, err := Parse([]byte(`{"ticker": "AAPL", "timeframe": "1d", "rule": {"indicator": "close", "timeframe": "1h", "operator": ">", "value": 1}}`))
	require.ErrorContains(t, err, "1h is shorter than the alert's timeframe 1d: an operand may use the alert's timeframe or a longer one (e.g. 1w)")
}

// An operand on daily bars reads, at each hourly bar, the last daily bar
// closed by that bar's close (or by now): never the day still open.
func TestTimeframe_ClosedBarsOnly(t *testing.T) {
	t.Parallel()
	hourly := walk(72, 3) // three days from Monday 00:00
	daily := bars.Series{
		{Time: t0, Open: 1, High: 1, Low: 1, Close: 10, Volume: 1},
		{Time: t0.AddDate(0, 0, 1), Open: 1, High: 1, Low: 1, Close: 20, Volume: 1},
		{Time: t0.AddDate(0, 0, 2), Open: 1, High: 1, Low: 1, Close: 30, Volume: 1},
	}
	cfg := mustParse(t, withRule(`{"indicator": "close", "timeframe": "1d", "operator": ">", "value": 15}`))
	eval := func(lastBar int, now time.Time) Evaluation {
		t.Helper()
		ev, err := cfg.EvaluateWith(Input{Series: hourly[:lastBar+1], Frames: map[bars.Timeframe]bars.Series{bars.D1: daily}, Now: now})
		require.NoError(t, err)
		return ev
	}
	// Monday: no daily bar has closed yet.
	ev, err := cfg.EvaluateWith(Input{Series: hourly[:10], Frames: map[bars.Timeframe]bars.Series{bars.D1: daily}, Now: hour(10)})
	require.ErrorIs(t, err, ErrMissingValue)
	require.Equal(t, []string{"close(1d) has no value on the latest bar"}, ev.Missing)

	// Tuesday 05:30: Monday's close (10), not Tuesday's (20, still open).
	ev = eval(29, hour(29).Add(30*time.Minute))
	require.False(t, ev.Matched)
	require.Equal(t, 10.0, ev.Details["close(1d)"])
	// Tuesday's last hour, still open at 23:30: Monday's.
	require.Equal(t, 10.0, eval(47, hour(47).Add(30*time.Minute)).Details["close(1d)"])
	// The same hour at its close, midnight, when Tuesday's bar closes too.
	ev = eval(47, hour(48))
	require.True(t, ev.Matched)
	require.Equal(t, 20.0, ev.Details["close(1d)"])
	// Wednesday 00:30: Tuesday's.
	require.Equal(t, 20.0, eval(48, hour(48).Add(30*time.Minute)).Details["close(1d)"])

	// Offset counts daily bars.
	prev := mustParse(t, withRule(`{"indicator": "close", "timeframe": "1d", "offset": 1, "operator": ">", "value": 15}`))
	ev, err = prev.EvaluateWith(Input{Series: hourly[:60], Frames: map[bars.Timeframe]bars.Series{bars.D1: daily}, Now: hour(60)})
	require.NoError(t, err)
	require.Equal(t, 10.0, ev.Details["close(1d)[1]"], "Wednesday noon: Tuesday closed (20), the day before it 10")

	// Without the daily bars the operand has no value.
	_, err = cfg.EvaluateAt(hourly[:60], hour(60))
	require.ErrorIs(t, err, ErrMissingValue)
	// Daily bars out of order are an error.
	_, err = cfg.EvaluateWith(Input{Series: hourly[:60], Frames: map[bars.Timeframe]bars.Series{bars.D1: {daily[1], daily[0]}}, Now: hour(60)})
	require.ErrorIs(t, err, ErrBarOrder)
	require.ErrorContains(t, err, "1d bars")
}

// No look-ahead: evaluating with the daily bars of the whole series, the
// future included, gives what evaluating with only the bars that existed
// at the time gives, bar after bar; a crossing of an hourly close over a
// daily SMA sees the daily value change only when a day closes.
func TestTimeframe_NoLookAhead(t *testing.T) {
	t.Parallel()
	hourly := walk(24*12, 8)
	daily := resample(hourly, bars.D1)
	cfg := mustParse(t, withRule(`{"indicator": "close", "operator": "crosses", "right": {"indicator": "sma", "period": 3, "timeframe": "1d"}}`))
	changes := 0
	last := math.NaN()
	for i := 24 * 4; i < len(hourly); i++ {
		now := hourly[i].Time.Add(20 * time.Minute) // the bar is still open
		known := bars.Series{}
		for _, d := range daily {
			if !d.Time.After(now) {
				known = append(known, d) // the day still open, as a live fetch returns it
			}
		}
		full, errFull := cfg.EvaluateWith(Input{Series: hourly[:i+1], Frames: map[bars.Timeframe]bars.Series{bars.D1: daily}, Now: now})
		then, errThen := cfg.EvaluateWith(Input{Series: hourly[:i+1], Frames: map[bars.Timeframe]bars.Series{bars.D1: known}, Now: now})
		require.Equal(t, errThen, errFull)
		require.Equal(t, then.Details, full.Details, "bar %d", i)
		require.Equal(t, then.Matched, full.Matched)
		v := full.Details["sma(3,1d)"]
		if v != last {
			changes++
			require.Zero(t, hourly[i].Time.Hour(), "the daily SMA changes on the first hour of a day, when the day before closed (bar %d)", i)
		}
		last = v
	}
	require.Equal(t, 8, changes, "once a day")
}

// A backtest reads the other timeframe exactly as the live path does.
func TestTimeframe_BacktestMatchesLive(t *testing.T) {
	t.Parallel()
	hourly := walk(24*15, 21)
	frames := map[bars.Timeframe]bars.Series{bars.D1: resample(hourly, bars.D1), bars.H4: resample(hourly, bars.H4)}
	for _, doc := range []string{
		withRule(`{"indicator": "close", "operator": "crosses_above", "right": {"indicator": "sma", "period": 3, "timeframe": "1d"}}`),
		withRule(`{"operator": "and", "conditions": [{"indicator": "close", "operator": ">", "right": {"indicator": "ema", "period": 5, "timeframe": "4h"}},
			{"indicator": "rsi", "period": 5, "timeframe": "1d", "operator": "<", "value": 60}]}`, `"rearm": {"type": "hysteresis", "threshold": 0.01}`),
		withRule(`{"indicator": "close", "timeframe": "4h", "operator": "change_pct", "bars": 6, "direction": "up", "value": 0.5}`, `"frequency": "once_per_bar_close"`),
	} {
		cfg := mustParse(t, doc)
		from, to := hourly[0].Time, hourly[len(hourly)-1].Time.Add(time.Hour)
		res, err := cfg.BacktestWith(hourly, frames, from, to)
		require.NoError(t, err)
		live, evaluated := liveReplayWith(t, cfg, hourly, frames, from, to)
		require.Equal(t, evaluated, res.BarsEvaluated, doc)
		require.Positive(t, res.Count, doc)
		require.Len(t, res.Triggers, len(live), doc)
		for j, want := range live {
			require.Equal(t, want.Bar.Time, res.Triggers[j].Time, doc)
			require.Equal(t, want.Details, res.Triggers[j].Values, doc)
		}
	}
	_, err := mustParse(t, withRule(`{"indicator": "close", "timeframe": "1d", "operator": ">", "value": 1}`)).
		BacktestWith(hourly, map[bars.Timeframe]bars.Series{bars.D1: {hourly[1], hourly[0]}}, hourly[0].Time, hourly[5].Time)
	require.True(t, errors.Is(err, ErrBarOrder), err)
}
