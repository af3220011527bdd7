package trading

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

func day(i int) time.Time { return time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC) }

func bar(i int, o, h, l, c float64) bars.Bar {
	return bars.Bar{Time: day(i), Open: o, High: h, Low: l, Close: c, Volume: 1}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// script is a strategy that places the given orders on the given bar counts.
type script struct {
	At map[int][]Order `json:"-"`
}

func (s *script) Name() string            { return "script" }
func (s *script) OnBar(in *Input) []Order { return s.At[in.Bars] }

func newEngine(t *testing.T, cfg Config, s Strategy) *Engine {
	t.Helper()
	if cfg.Cash.IsZero() {
		cfg.Cash = dec("1000")
	}
	if cfg.Timeframe == "" {
		cfg.Timeframe = bars.D1
	}
	e, err := NewEngine(cfg, s)
	require.NoError(t, err)
	return e
}

func timeHours(i int) time.Duration { return time.Duration(i) * time.Hour }
