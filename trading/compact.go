package trading

import "sort"

// Compact drops from s what a live runner has stored elsewhere and the
// engine no longer needs: the closed trades and the refusals. Open trades
// stay, and the positions' Trade indexes are renumbered to match, so an
// engine restored from a compacted state decides exactly as one restored
// from the full state. Without it a bot's state would grow with every trade.
func (s *State) Compact() {
	symbols := make([]string, 0, len(s.Positions))
	for sym := range s.Positions {
		symbols = append(symbols, sym)
	}
	sort.Strings(symbols) // a stable order, so equal states encode alike
	keep := make([]Trade, 0, len(s.Positions))
	for _, sym := range symbols {
		p := s.Positions[sym]
		if p.Trade < 0 || p.Trade >= len(s.Trades) {
			continue
		}
		keep = append(keep, s.Trades[p.Trade])
		p.Trade = len(keep) - 1
	}
	s.Trades = keep
	s.Refusals = nil
}
