package trading

// SMACross buys when the SMA of the last Fast closes crosses above the SMA of
// the last Slow closes and exits when it crosses below. A cross above is
// fast ≤ slow on the previous bar and fast > slow on this bar (below: fast ≥
// slow, then fast < slow). By default it is long only and each entry spends
// all available cash.
//
// With allow_short (its parameter, or the bot's) it always reverses: a
// cross below exits a long and sells short with all the buying power, a
// cross above covers a short and buys; both orders of a reversal fill at
// the next open, the exit first. Risk refusals (a kill switch, a cooldown)
// refuse the new entry, never the exit.
//
// The SMAs are kept incrementally (a ring of the last Slow closes and two
// running sums), so a bar costs O(1) and allocates nothing.
type SMACross struct {
	Fast       int  `json:"fast"`
	Slow       int  `json:"slow"`
	Fractional bool `json:"fractional"`
	AllowShort bool `json:"allow_short,omitempty"`

	// State, per symbol.
	Symbols map[string]*SMAState `json:"state,omitempty"`

	out [2]Order
}

// SMAState is one symbol's incremental SMAs.
type SMAState struct {
	Ring     []float64 `json:"ring"`
	N        int       `json:"n"` // closes seen
	SumFast  float64   `json:"sum_fast"`
	SumSlow  float64   `json:"sum_slow"`
	PrevDiff float64   `json:"prev_diff"` // fast − slow on the previous bar
	HasPrev  bool      `json:"has_prev"`
}

// Name is "sma_cross".
func (s *SMACross) Name() string { return "sma_cross" }

// IsFractional reports the fractional parameter.
func (s *SMACross) IsFractional() bool { return s.Fractional }

// IsAllowShort reports the allow_short parameter.
func (s *SMACross) IsAllowShort() bool { return s.AllowShort }

// OnBar updates the SMAs with the bar's close and signals on a cross.
func (s *SMACross) OnBar(in *Input) []Order {
	st := s.Symbols[in.Symbol]
	if st == nil {
		if s.Symbols == nil {
			s.Symbols = map[string]*SMAState{}
		}
		st = &SMAState{Ring: make([]float64, s.Slow)}
		s.Symbols[in.Symbol] = st
	}
	c := in.Bar.Close
	slow, fast := s.Slow, s.Fast
	// The ring holds the last Slow closes; index N%Slow is the oldest.
	if st.N >= slow {
		st.SumSlow -= st.Ring[st.N%slow]
	}
	if st.N >= fast {
		st.SumFast -= st.Ring[(st.N-fast)%slow]
	}
	st.Ring[st.N%slow] = c
	st.SumFast += c
	st.SumSlow += c
	st.N++
	if st.N < slow {
		return nil
	}
	diff := st.SumFast/float64(fast) - st.SumSlow/float64(slow)
	prev, had := st.PrevDiff, st.HasPrev
	st.PrevDiff, st.HasPrev = diff, true
	if !had {
		return nil
	}
	switch {
	case prev <= 0 && diff > 0:
		return reverse(s.out[:0], in, Buy, "sma_cross_above")
	case prev >= 0 && diff < 0:
		return reverse(s.out[:0], in, Sell, "sma_cross_below")
	}
	return nil
}

// reverse appends a signal's orders to out: towards side, close an opposite
// position, then enter with all the buying power unless already on that
// side (a short entry only with in.AllowShort; without it a sell signal
// only exits a long).
func reverse(out []Order, in *Input, side Side, reason string) []Order {
	q := in.Position.Quantity
	against, along := q.IsPositive(), q.IsNegative()
	if side == Buy {
		against, along = along, against
	}
	if against {
		out = append(out, Order{Symbol: in.Symbol, Side: side, Type: Market, TIF: GTC, Close: true, Reason: reason})
	}
	if !along && (side == Buy || in.AllowShort) {
		out = append(out, Order{Symbol: in.Symbol, Side: side, Type: Market, TIF: GTC, AllCash: true, Reason: reason})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
