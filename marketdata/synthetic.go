package marketdata

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"time"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/market"
)

// Synthetic is the default provider: made-up but plausible prices that are a
// pure function of (Seed, symbol, time), so demos and tests are reproducible
// without a network.
//
// Each symbol has a price path p(t) in continuous time, a random walk built
// from value noise at periods from 4 minutes to a year (amplitudes growing
// with the square root of the period, like Brownian motion), around the
// symbol's price level (market.CompanyOf) with a daily volatility drawn from
// a hash of the symbol. A bar opening at
// T has open p(T), close p(T+d), high and low from the path sampled inside the
// bar plus a small hashed wick, and a hashed volume. So:
//
//   - a bar is the same whatever range is requested, and the same in every
//     Synthetic with the same Seed;
//   - timeframes agree: the close of the 10:00 hourly bar is the close of the
//     10:59 minute bar;
//   - no bar opens after Now's bar; that bar is open: its close is p(Now) and
//     moves as Now does, its volume grows with the elapsed part of the bar;
//   - markets never close: weekends and nights have bars too (simplicity).
//
// Quote returns p(Now) in USD.
type Synthetic struct {
	Seed int64
	Now  func() time.Time // nil: time.Now
}

// maxSyntheticBars bounds one Bars call (a year of minute bars is 525,600).
const maxSyntheticBars = 1_000_000

// Name is "synthetic".
func (s *Synthetic) Name() string { return "synthetic" }

func (s *Synthetic) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Bars returns the bars opening in [from, to), up to and including the bar open
// at Now.
func (s *Synthetic) Bars(ctx context.Context, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return nil, fmt.Errorf("synthetic: %w", err)
	}
	if err := checkTimeframe(tf); err != nil {
		return nil, fmt.Errorf("synthetic: %w", err)
	}
	now := s.now()
	d := tf.Duration()
	last := tf.Open(now)
	t := tf.Open(from)
	if t.Before(from) {
		t = t.Add(d)
	}
	if to.After(last.Add(d)) {
		to = last.Add(d)
	}
	if !t.Before(to) {
		return bars.Series{}, nil
	}
	if n := int64(to.Sub(t) / d); n > maxSyntheticBars {
		return nil, fmt.Errorf("synthetic %s %s: %d bars requested, at most %d", sym, tf, n, maxSyntheticBars)
	}
	w := newWalk(s.Seed, sym)
	out := make(bars.Series, 0, int(to.Sub(t)/d)+1)
	for i := 0; t.Before(to); t, i = t.Add(d), i+1 {
		if i%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out = append(out, w.bar(tf, t, now))
	}
	return out, nil
}

// Quote returns the price at Now.
func (s *Synthetic) Quote(_ context.Context, symbol string) (Quote, error) {
	sym, err := market.NormalizeSymbol(symbol)
	if err != nil {
		return Quote{}, fmt.Errorf("synthetic: %w", err)
	}
	now := s.now()
	w := newWalk(s.Seed, sym)
	return Quote{Symbol: sym, Price: round2(w.price(now.Unix())), Time: now, Currency: "USD"}, nil
}

// walk is one symbol's price path.
type walk struct {
	key    uint64
	base   float64 // price level around which the path wanders
	vol    float64 // daily volatility, 1%..3%
	volume float64 // typical daily volume
}

// The path's octaves: periods 2^k minutes, k = 2..19 (4 minutes to ~1 year).
const (
	firstOctave = 2
	lastOctave  = 19
)

// octaveAmplitude[k] is sqrt(period of octave k / one day): Brownian scaling.
var octaveAmplitude = func() (a [lastOctave + 1]float64) {
	for k := firstOctave; k <= lastOctave; k++ {
		a[k] = math.Sqrt(float64(int64(60)<<k) / 86400)
	}
	return a
}()

// substeps is how many points inside a bar are sampled for high and low.
const substeps = 12

func newWalk(seed int64, symbol string) walk {
	h := fnv.New64a()
	h.Write([]byte(symbol))
	key := mix(h.Sum64() ^ mix(uint64(seed)))
	return walk{
		key:    key,
		base:   market.CompanyOf(symbol).Price,
		vol:    0.01 + 0.015*unit(mix(key^2)),                  // 1%..2.5% a day
		volume: 1e5 * math.Exp(unit(mix(key^3))*math.Log(100)), // 1e5..1e7
	}
}

// price is p(t) for t in Unix seconds.
func (w walk) price(t int64) float64 {
	x := 0.0
	for k := firstOctave; k <= lastOctave; k++ {
		period := float64(int64(60) << k) // seconds
		u := float64(t) / period
		i := math.Floor(u)
		f := u - i
		a := w.lattice(uint64(k), int64(i))
		b := w.lattice(uint64(k), int64(i)+1)
		f = f * f * (3 - 2*f)
		x += octaveAmplitude[k] * (a + (b-a)*f)
	}
	return w.base * math.Exp(w.vol*x)
}

// lattice is the noise value in [-1, 1) at point i of octave k.
func (w walk) lattice(k uint64, i int64) float64 {
	return 2*unit(mix(mix(w.key^k<<56)^uint64(i))) - 1
}

// bar is the bar of tf opening at t, as seen at now.
func (w walk) bar(tf bars.Timeframe, t, now time.Time) bars.Bar {
	d := tf.Duration()
	start := t.Unix()
	end := t.Add(d).Unix()
	elapsed := 1.0
	if nowSec := now.Unix(); nowSec < end {
		end = max(nowSec, start)
		elapsed = float64(end-start) / d.Seconds()
	}
	open := w.price(start)
	closePrice := w.price(end)
	high, low := max(open, closePrice), min(open, closePrice)
	step := d.Seconds() / substeps
	for j := 1; j < substeps; j++ {
		at := start + int64(float64(j)*step)
		if at >= end {
			break
		}
		p := w.price(at)
		high, low = max(high, p), min(low, p)
	}
	// A wick beyond the sampled points, up to a tenth of the bar's typical move.
	seed := mix(w.key ^ mix(uint64(start)) ^ uint64(len(tf)))
	typical := w.vol * math.Sqrt(d.Hours()/24) * math.Sqrt(elapsed)
	high *= 1 + 0.1*typical*unit(mix(seed^1))
	low *= 1 - 0.1*typical*unit(mix(seed^2))

	move := math.Abs(math.Log(closePrice / open))
	volume := w.volume * (d.Hours() / 24) * elapsed * (0.5 + unit(mix(seed^3))) * (1 + 20*move)
	return bars.Bar{
		Time:   t,
		Open:   round2(open),
		High:   round2(high),
		Low:    round2(low),
		Close:  round2(closePrice),
		Volume: max(1, math.Round(volume)),
	}
}

// round2 rounds to cents; rounding is monotonic, so it keeps low <= open,
// close <= high.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// mix is SplitMix64's finalizer: a fast, well-spread 64-bit hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }
