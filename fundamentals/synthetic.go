package fundamentals

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
)

// Synthetic ranges: plausible for US large caps.
const (
	syntheticMinPE         = 6
	syntheticMaxPE         = 60
	syntheticNoPEShare     = 0.08 // share of symbols with negative earnings (P/E NaN)
	syntheticMinVolume     = 3e5
	syntheticMaxVolume     = 8e7
	syntheticUnknownSector = "Unknown"
)

// Synthetic invents figures from a hash of (Seed, symbol), so that demos and
// tests work offline and give the same figures in every call and process. It
// knows every valid symbol:
//
//   - market cap the symbol's shares outstanding (market.CompanyOf) times
//     the synthetic market data's price at AsOf (the close of the previous
//     daily bar of marketdata.Synthetic with the same Seed), in whole
//     millions: a few real mega caps, most between 10e9 and 200e9 USD;
//   - trailing P/E log-uniform from 6 to 60, two decimals, except for about
//     8% of symbols whose earnings are "negative" (NaN);
//   - average daily volume log-uniform from 3e5 to 8e7 shares, whole shares;
//   - currency USD; name and sector from Lookup, else the symbol and
//     "Unknown";
//   - AsOf the start of Now's UTC day.
//
// A symbol that is not one (empty, or characters no exchange uses) is absent.
type Synthetic struct {
	// Seed varies the figures; the same seed gives the same figures.
	Seed int64
	// Lookup returns a symbol's company name and sector (such as the S&P
	// 500 snapshot's); nil, or ok false, means none.
	Lookup func(symbol string) (name, sector string, ok bool)
	// Now is the clock AsOf comes from (default time.Now).
	Now func() time.Time
}

// Name is "synthetic".
func (s *Synthetic) Name() string { return "synthetic" }

// Fundamentals returns figures for every valid symbol.
func (s *Synthetic) Fundamentals(ctx context.Context, symbols []string) (map[string]market.Fundamentals, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("synthetic: %w", err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	asOf := now().UTC().Truncate(24 * time.Hour)
	out := make(map[string]market.Fundamentals, len(symbols))
	for _, given := range symbols {
		sym, ok := normalizeSymbol(given)
		if !ok {
			continue
		}
		out[given] = s.figures(sym, asOf)
	}
	return out, nil
}

// figures derives one symbol's figures from its hash.
func (s *Synthetic) figures(sym string, asOf time.Time) market.Fundamentals {
	r := newSplitMix(s.Seed, sym)
	r.float() // was the market cap's draw: keeps the other figures as they were
	f := market.Fundamentals{
		Symbol:    sym,
		Name:      sym,
		MarketCap: math.Round(syntheticPrice(s.Seed, sym, asOf)*market.CompanyOf(sym).Shares/1e6) * 1e6,
		PERatio:   math.NaN(),
		Sector:    syntheticUnknownSector,
		Currency:  "USD",
		AsOf:      asOf,
	}
	noPE, pe := r.float(), r.float()
	if noPE >= syntheticNoPEShare {
		f.PERatio = math.Round(logUniform(pe, syntheticMinPE, syntheticMaxPE)*100) / 100
	}
	f.AvgVolume = math.Round(logUniform(r.float(), syntheticMinVolume, syntheticMaxVolume))
	if s.Lookup != nil {
		if name, sector, ok := s.Lookup(sym); ok {
			if name != "" {
				f.Name = name
			}
			if sector != "" {
				f.Sector = sector
			}
		}
	}
	return f
}

// logUniform maps u in [0, 1) to [lo, hi) with a uniform logarithm.
func logUniform(u, lo, hi float64) float64 {
	return lo * math.Pow(hi/lo, u)
}

// splitMix is SplitMix64 seeded with an FNV-1a hash of (seed, symbol): the
// same numbers on every platform and in every process, unlike hash/maphash.
type splitMix struct{ state uint64 }

func newSplitMix(seed int64, sym string) *splitMix {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	h.Write([]byte(sym))
	return &splitMix{state: h.Sum64()}
}

func (s *splitMix) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a number in [0, 1) from the top 53 bits.
func (s *splitMix) float() float64 {
	return float64(s.next()>>11) / (1 << 53)
}

// syntheticPrice is marketdata.Synthetic's price of sym at t, the close of the
// daily bar ending at t.
func syntheticPrice(seed int64, sym string, t time.Time) float64 {
	q, err := (&marketdata.Synthetic{Seed: seed, Now: func() time.Time { return t }}).Quote(context.Background(), sym)
	if err != nil { // sym is normalised already, so this does not happen
		return market.CompanyOf(sym).Price
	}
	return q.Price
}
