package report

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// Float is a float64 that encodes to JSON as a number, or as null when it is
// NaN or ±Inf: an undefined figure, such as SMA 200 of a 50-bar history,
// which encoding/json would otherwise refuse. It decodes null back to NaN.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if !finite(v) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("decode report figure: %w", err)
	}
	*f = Float(v)
	return nil
}

// WindowReturn is the return over the last Window bars.
type WindowReturn struct {
	// Window is the number of bars looked back.
	Window int `json:"window"`
	// ReturnPct is (last / value Window bars earlier − 1) · 100, null when
	// the history is shorter than Window + 1 bars.
	ReturnPct Float `json:"return_pct"`
}

// Stats are the performance figures of one price or equity series over the
// fetched history, from its first bar to its last.
type Stats struct {
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	Bars int       `json:"bars"`
	// Returns are the returns over the request's windows.
	Returns []WindowReturn `json:"returns"`
	// TotalReturnPct is the return from the first bar to the last, in %.
	TotalReturnPct Float `json:"total_return_pct"`
	// VolatilityPct is the sample standard deviation of the per-bar returns
	// annualised with PeriodsPerYear, in % (see Volatility).
	VolatilityPct Float `json:"volatility_pct"`
	// Sharpe is the annualised Sharpe ratio of the per-bar returns with a
	// risk-free rate of 0 (see Sharpe).
	Sharpe Float `json:"sharpe"`
	// MaxDrawdownPct is the largest fall below a running peak as a positive
	// percentage of the peak (see MaxDrawdown), between DrawdownPeak and
	// DrawdownTrough; 0 when the series never falls.
	MaxDrawdownPct Float     `json:"max_drawdown_pct"`
	DrawdownPeak   time.Time `json:"drawdown_peak,omitzero"`
	DrawdownTrough time.Time `json:"drawdown_trough,omitzero"`
	// PeriodsPerYear is the number of bars in a year used to annualise.
	PeriodsPerYear float64 `json:"periods_per_year"`
}

// computeStats computes Stats of values observed at times (same length,
// oldest first).
func computeStats(times []time.Time, values []float64, windows []int, ppy float64) Stats {
	nan := Float(math.NaN())
	st := Stats{
		Bars:           len(values),
		Returns:        make([]WindowReturn, len(windows)),
		TotalReturnPct: nan,
		VolatilityPct:  nan,
		Sharpe:         nan,
		MaxDrawdownPct: nan,
		PeriodsPerYear: ppy,
	}
	last := len(values) - 1
	for i, w := range windows {
		st.Returns[i] = WindowReturn{Window: w, ReturnPct: nan}
		if last-w >= 0 {
			st.Returns[i].ReturnPct = Float(changePct(values[last-w], values[last]))
		}
	}
	if len(values) == 0 {
		return st
	}
	st.From, st.To = times[0], times[last]
	st.TotalReturnPct = Float(changePct(values[0], values[last]))
	r := Returns(values)
	st.VolatilityPct = Float(Volatility(r, ppy) * 100)
	st.Sharpe = Float(Sharpe(r, 0, ppy))
	dd, peak, trough := MaxDrawdown(values)
	st.MaxDrawdownPct = Float(dd)
	if peak >= 0 {
		st.DrawdownPeak, st.DrawdownTrough = times[peak], times[trough]
	}
	return st
}

// changePct is (v / base − 1) · 100, NaN when base is zero or either value
// is not finite.
func changePct(base, v float64) float64 {
	if base == 0 || !finite(base) || !finite(v) {
		return math.NaN()
	}
	return (v/base - 1) * 100
}

// at returns x[i], or NaN when i is out of range.
func at(x []float64, i int) float64 {
	if i < 0 || i >= len(x) {
		return math.NaN()
	}
	return x[i]
}

// lastOf returns the last element of x, or NaN when x is empty.
func lastOf(x []float64) float64 { return at(x, len(x)-1) }
