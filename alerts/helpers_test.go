package alerts

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/vigilhq/vigil/bars"
)

// t0 is the open time of the first test bar, a Monday.
var t0 = time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)

var nan = math.NaN()

// hour returns the open time of hourly bar i.
func hour(i int) time.Time { return t0.Add(time.Duration(i) * time.Hour) }

// flat returns hourly bars whose open, high, low and close are all the given
// price, with volume 1000.
func flat(closes ...float64) bars.Series {
	s := make(bars.Series, len(closes))
	for i, c := range closes {
		s[i] = bars.Bar{Time: hour(i), Open: c, High: c, Low: c, Close: c, Volume: 1000}
	}
	return s
}

// walk returns n hourly bars of a seeded random walk around 100.
func walk(n int, seed uint64) bars.Series {
	r := rand.New(rand.NewPCG(seed, 42))
	s := make(bars.Series, n)
	price := 100.0
	for i := range s {
		open := price
		price *= math.Exp(0.01 * r.NormFloat64())
		s[i] = bars.Bar{
			Time:   hour(i),
			Open:   open,
			High:   max(open, price) * (1 + 0.005*r.Float64()),
			Low:    min(open, price) * (1 - 0.005*r.Float64()),
			Close:  price,
			Volume: float64(1000 + r.IntN(100000)),
		}
	}
	return s
}

// mustParse parses doc or fails the test.
func mustParse(t testing.TB, doc string) *Config {
	t.Helper()
	cfg, err := Parse([]byte(doc))
	require.NoError(t, err, doc)
	return cfg
}

// withRule wraps a rule (JSON) in a full-form config on AAPL 1h; extra is
// more top-level JSON members, e.g. `"rearm": {...}`.
func withRule(rule string, extra ...string) string {
	doc := `{"ticker": "AAPL", "timeframe": "1h", "rule": ` + rule
	for _, e := range extra {
		doc += ", " + e
	}
	return doc + "}"
}

// closeVs is a condition on close with a constant right side.
func closeVs(op string, v float64) string {
	return fmt.Sprintf(`{"indicator": "close", "operator": %q, "value": %v}`, op, v)
}

// design is the design document's section 5.1 example.
const design = `{
  "ticker": "AAPL",
  "timeframe": "1h",
  "rule": {
    "operator": "and",
    "conditions": [
      {"indicator": "rsi", "operator": ">", "value": 70},
      {"indicator": "price", "operator": ">", "value": 150}
    ]
  },
  "rearm": {"type": "hysteresis", "threshold": 0.02, "cooldown": 300},
  "notify": {"channels": ["telegram"], "message_template": "Alert triggered for {ticker}"}
}`
