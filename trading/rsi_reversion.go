package trading

// RSIReversion buys (all available cash) when Wilder's RSI of closes over
// Period bars is below BuyBelow and exits when it is above SellAbove. The RSI
// is kept incrementally and equals indicators.RSI on the same closes.
//
// With allow_short (its parameter, or the bot's) it also sells short (all
// the buying power) when the RSI is above SellAbove and covers when it is
// below BuyBelow, buying in the same step: the exit fills first at the next
// open.
type RSIReversion struct {
	Period     int     `json:"period"`
	BuyBelow   float64 `json:"buy_below"`
	SellAbove  float64 `json:"sell_above"`
	Fractional bool    `json:"fractional"`
	AllowShort bool    `json:"allow_short,omitempty"`

	Symbols map[string]*RSIState `json:"state,omitempty"`

	out [2]Order
}

// RSIState is one symbol's incremental RSI.
type RSIState struct {
	N         int     `json:"n"` // closes seen
	PrevClose float64 `json:"prev_close"`
	AvgGain   float64 `json:"avg_gain"`
	AvgLoss   float64 `json:"avg_loss"`
}

// Name is "rsi_reversion".
func (s *RSIReversion) Name() string { return "rsi_reversion" }

// IsFractional reports the fractional parameter.
func (s *RSIReversion) IsFractional() bool { return s.Fractional }

// IsAllowShort reports the allow_short parameter.
func (s *RSIReversion) IsAllowShort() bool { return s.AllowShort }

// OnBar updates the RSI and signals on the levels.
func (s *RSIReversion) OnBar(in *Input) []Order {
	st := s.Symbols[in.Symbol]
	if st == nil {
		if s.Symbols == nil {
			s.Symbols = map[string]*RSIState{}
		}
		st = &RSIState{}
		s.Symbols[in.Symbol] = st
	}
	c := in.Bar.Close
	st.N++
	if st.N == 1 {
		st.PrevClose = c
		return nil
	}
	d := c - st.PrevClose
	st.PrevClose = c
	gain, loss := max(d, 0), max(-d, 0)
	n := float64(s.Period)
	switch {
	case st.N <= s.Period: // seeding: a plain mean of the first Period changes
		st.AvgGain += gain / n
		st.AvgLoss += loss / n
		return nil
	case st.N == s.Period+1:
		st.AvgGain += gain / n
		st.AvgLoss += loss / n
	default:
		st.AvgGain = (st.AvgGain*(n-1) + gain) / n
		st.AvgLoss = (st.AvgLoss*(n-1) + loss) / n
	}
	rsi := rsiOf(st.AvgGain, st.AvgLoss)
	switch {
	case rsi < s.BuyBelow:
		return reverse(s.out[:0], in, Buy, "rsi_below")
	case rsi > s.SellAbove:
		return reverse(s.out[:0], in, Sell, "rsi_above")
	}
	return nil
}

// rsiOf is 100·gain/(gain+loss), 50 when both are zero (as indicators.RSI).
func rsiOf(gain, loss float64) float64 {
	if gain+loss == 0 {
		return 50
	}
	return 100 * gain / (gain + loss)
}

// AlertSignals places no order of its own: the bot trades only on the
// actions submitted with Engine.SubmitAction (from alerts and screeners).
type AlertSignals struct {
	Fractional bool `json:"fractional"`
}

// Name is "alert_signals".
func (s *AlertSignals) Name() string { return "alert_signals" }

// IsFractional reports the fractional parameter.
func (s *AlertSignals) IsFractional() bool { return s.Fractional }

// OnBar returns nothing: actions are turned into orders by the engine.
func (s *AlertSignals) OnBar(*Input) []Order { return nil }
