package screener

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// t0 is the open time of the first test bar.
var t0 = time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)

// now is the test clock.
var now = time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)

var nan = math.NaN()

func ptr(v float64) *float64 { return &v }

// day returns the open time of daily bar i.
func day(i int) time.Time { return t0.AddDate(0, 0, i) }

// series returns daily bars with the given closes (open = previous close)
// and volume vol.
func series(vol float64, closes ...float64) bars.Series {
	s := make(bars.Series, len(closes))
	for i, c := range closes {
		open := c
		if i > 0 {
			open = closes[i-1]
		}
		s[i] = bars.Bar{Time: day(i), Open: open, High: max(open, c) + 0.5, Low: min(open, c) - 0.5, Close: c, Volume: vol}
	}
	return s
}

// line returns n daily closes from start, step apart, with volume vol.
func line(n int, start, step, vol float64) bars.Series {
	closes := make([]float64, n)
	for i := range closes {
		closes[i] = start + step*float64(i)
	}
	return series(vol, closes...)
}

// zigzag returns n daily closes from 1000, alternately up by up and down by
// down; its RSI(14) settles near 100·up/(up+down).
func zigzag(n int, up, down float64) bars.Series {
	closes := make([]float64, n)
	c := 1000.0
	for i := range closes {
		if i%2 == 0 {
			c += up
		} else {
			c -= down
		}
		closes[i] = c
	}
	return series(1e6, closes...)
}

// walk returns n daily bars of a random walk seeded by symbol.
func walk(symbol string, n int) bars.Series {
	h := fnv.New64a()
	h.Write([]byte(symbol))
	r := rand.New(rand.NewPCG(h.Sum64(), 7))
	s := make(bars.Series, n)
	price := 20 + 300*r.Float64()
	drift := 0.0008 * r.NormFloat64()
	for i := range s {
		open := price
		price *= math.Exp(drift + 0.015*r.NormFloat64())
		s[i] = bars.Bar{
			Time:   day(i),
			Open:   open,
			High:   max(open, price) * (1 + 0.004*r.Float64()),
			Low:    min(open, price) * (1 - 0.004*r.Float64()),
			Close:  price,
			Volume: float64(5e5 + r.IntN(2e7)),
		}
	}
	return s
}

// fund returns fundamentals with the given market cap, P/E and average
// volume (NaN: unknown).
func fund(symbol string, mcap, pe, vol float64) market.Fundamentals {
	return market.Fundamentals{
		Symbol: symbol, Name: symbol + " Inc.", Sector: "Information Technology", Currency: "USD",
		MarketCap: mcap, PERatio: pe, AvgVolume: vol, AsOf: now,
	}
}

// fake is an in-memory data source that counts its calls.
type fake struct {
	funds    map[string]market.Fundamentals
	fundsErr error
	series   map[string]bars.Series
	barsErr  map[string]error

	// BarsHookFunc, when set, runs inside every Bars call.
	BarsHookFunc func(ctx context.Context, symbol string)

	mu        sync.Mutex
	fundCalls int
	barCalls  map[string]int
	barN      map[string]int // n asked for, per symbol
	inFlight  atomic.Int64
	maxFlight atomic.Int64
}

// bundle is what a test needs.
type bundle struct {
	fake *fake
	ctx  context.Context
}

func setup(t *testing.T) *bundle {
	t.Helper()
	return &bundle{
		fake: &fake{
			funds:    map[string]market.Fundamentals{},
			series:   map[string]bars.Series{},
			barsErr:  map[string]error{},
			barCalls: map[string]int{},
			barN:     map[string]int{},
		},
		ctx: t.Context(),
	}
}

// add registers a symbol's fundamentals and, unless nil, its bars.
func (f *fake) add(fd market.Fundamentals, s bars.Series) {
	f.funds[fd.Symbol] = fd
	if s != nil {
		f.series[fd.Symbol] = s
	}
}

func (f *fake) sources(concurrency int) Sources {
	return Sources{
		Fundamentals: func(ctx context.Context, symbols []string) (map[string]market.Fundamentals, error) {
			f.mu.Lock()
			f.fundCalls++
			f.mu.Unlock()
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if f.fundsErr != nil {
				return nil, f.fundsErr
			}
			out := map[string]market.Fundamentals{}
			for _, s := range symbols {
				if fd, ok := f.funds[s]; ok {
					out[s] = fd
				}
			}
			return out, nil
		},
		Bars: func(ctx context.Context, symbol string, tf bars.Timeframe, n int) (bars.Series, error) {
			cur := f.inFlight.Add(1)
			defer f.inFlight.Add(-1)
			for {
				m := f.maxFlight.Load()
				if cur <= m || f.maxFlight.CompareAndSwap(m, cur) {
					break
				}
			}
			f.mu.Lock()
			f.barCalls[symbol]++
			f.barN[symbol] = n
			f.mu.Unlock()
			if f.BarsHookFunc != nil {
				f.BarsHookFunc(ctx, symbol)
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if tf != bars.D1 {
				return nil, fmt.Errorf("fake: timeframe %s", tf)
			}
			if err := f.barsErr[symbol]; err != nil {
				return nil, err
			}
			s, ok := f.series[symbol]
			if !ok {
				return nil, fmt.Errorf("fake: no bars for %s", symbol)
			}
			return s[max(0, len(s)-n):], nil
		},
		Concurrency: concurrency,
		Now:         func() time.Time { return now },
	}
}

// calls returns a copy of the Bars call counts.
func (f *fake) calls() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.barCalls {
		out[k] = v
	}
	return out
}

// params parses task_params or fails the test.
func params(t testing.TB, doc string) Params {
	t.Helper()
	p, err := ParseParams(json.RawMessage(doc))
	require.NoError(t, err, doc)
	return p
}

// symbols lists the result's symbols in rank order.
func symbols(r Result) []string {
	out := make([]string, len(r.Results))
	for i, m := range r.Results {
		out[i] = m.Symbol
	}
	return out
}

// missingSymbols maps the result's missing symbols to their reasons.
func missingSymbols(r Result) map[string]string {
	out := map[string]string{}
	for _, m := range r.Missing {
		out[m.Symbol] = m.Reason
	}
	return out
}

// synthetic is a deterministic S&P 500-sized data set: 300 daily bars and
// fundamentals per symbol, generated from the symbol.
type synthetic struct {
	symbols []string
	funds   map[string]market.Fundamentals
	series  map[string]bars.Series
}

func newSynthetic(t testing.TB, nBars int) *synthetic {
	t.Helper()
	cs, err := SP500()
	require.NoError(t, err)
	s := &synthetic{funds: map[string]market.Fundamentals{}, series: map[string]bars.Series{}}
	for i, c := range cs {
		s.symbols = append(s.symbols, c.Symbol)
		s.series[c.Symbol] = walk(c.Symbol, nBars)
		r := rand.New(rand.NewPCG(uint64(i), 11))
		pe := 5 + 40*r.Float64()
		if i%17 == 0 {
			pe = nan // negative earnings
		}
		f := fund(c.Symbol, 2e9*math.Pow(10, 3*r.Float64()), pe, 5e5+1e8*r.Float64()*r.Float64())
		f.Name, f.Sector = c.Name, c.Sector
		s.funds[c.Symbol] = f
	}
	return s
}

// sources serves the data set without counting.
func (s *synthetic) sources() Sources {
	return Sources{
		Fundamentals: func(ctx context.Context, symbols []string) (map[string]market.Fundamentals, error) {
			out := make(map[string]market.Fundamentals, len(symbols))
			for _, sym := range symbols {
				if f, ok := s.funds[sym]; ok {
					out[sym] = f
				}
			}
			return out, nil
		},
		Bars: func(ctx context.Context, symbol string, _ bars.Timeframe, n int) (bars.Series, error) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			ser, ok := s.series[symbol]
			if !ok {
				return nil, fmt.Errorf("synthetic: no bars for %s", symbol)
			}
			return ser[max(0, len(ser)-n):], nil
		},
		Now: func() time.Time { return now },
	}
}
