package trading

import "github.com/vigilhq/vigil/bars"

// maxWarmupBars bounds WarmupBars (a provider serves at most 10,000 bars a call).
const maxWarmupBars = 5000

// WarmupBars is how many closed bars of history s needs before its first
// signal: its longest lookback (sma_cross: slow + 1; rsi_reversion: ten
// periods, enough for Wilder's smoothing to forget its seed), 0 for a
// strategy that keeps no indicators.
func WarmupBars(s Strategy) int {
	switch v := s.(type) {
	case *SMACross:
		return min(v.Slow+1, maxWarmupBars)
	case *RSIReversion:
		return min(10*v.Period+1, maxWarmupBars)
	}
	if w, ok := s.(interface{ WarmupBars() int }); ok {
		return min(max(w.WarmupBars(), 0), maxWarmupBars)
	}
	return 0
}

// WarmUp shows the strategy closed bars of symbol without trading, so that
// its indicators are ready: a live bot warms up on the history before its
// first decision, and feeds it the bars it skipped after downtime (which it
// must not trade). Orders the strategy returns are dropped; pending orders
// are not matched, protective exits are not checked, and the account, the
// equity and the engine's bar count are left alone. The strategy sees the
// current position and cash.
func (e *Engine) WarmUp(symbol string, s bars.Series) {
	for _, b := range s {
		in := Input{Symbol: symbol, Bar: b, Position: e.Position(symbol), Cash: e.st.Cash, Equity: e.st.LastEquity, Bars: e.st.Bars,
			AllowShort: e.short}
		e.strategy.OnBar(&in)
	}
}
