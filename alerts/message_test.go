package alerts

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMessage(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 1, 2, 10, 4, 59, 0, time.FixedZone("EST", -5*3600))
	ev := Evaluation{Price: 151.2, Value: 151.2, Level: 150, Condition: "close > 150"}

	t.Run("Default", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(closeVs(">", 150)))
		require.Equal(t, "🔔 AAPL 1h: close > 150 (price 151.20) at 2027-01-02 15:04 UTC", cfg.Message(ev, now))

		// Without Evaluation.Condition the rule is rendered.
		require.Equal(t, "🔔 AAPL 1h: close > 150 (price 151.20) at 2027-01-02 15:04 UTC", cfg.Message(Evaluation{Price: 151.2}, now))
	})

	t.Run("Custom", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(closeVs(">", 150), `"notify": {"channels": ["telegram"], "message_template":
			"{ticker}/{timeframe} {condition}: value {value} vs {level}, price {price} at {triggered_at} {{json}} }"}`))
		require.Equal(t, "AAPL/1h close > 150: value 151.20 vs 150.00, price 151.20 at 2027-01-02 15:04 UTC {json} }", cfg.Message(ev, now))
	})

	t.Run("Numbers", func(t *testing.T) {
		t.Parallel()
		cfg := mustParse(t, withRule(closeVs(">", 0), `"notify": {"channels": ["telegram"], "message_template": "{price} {value} {level}"}`))
		require.Equal(t, "0.0001234 n/a 0.00", cfg.Message(Evaluation{Price: 0.000123449, Value: math.NaN(), Level: 0}, now))
		require.Equal(t, "-2.50 1234567.89 0.5", cfg.Message(Evaluation{Price: -2.5, Value: 1234567.891, Level: 0.5}, now))
		require.Equal(t, "0.00000001 n/a n/a", cfg.Message(Evaluation{Price: 1e-8, Value: math.Inf(1), Level: math.NaN()}, now))
	})

	t.Run("HandBuiltBadTemplate", func(t *testing.T) {
		t.Parallel()
		cfg := &Config{Ticker: "AAPL", Notify: Notify{MessageTemplate: "{nope}"}}
		require.Equal(t, "{nope}", cfg.Message(ev, now))
	})
}

func TestValidateTemplate(t *testing.T) {
	t.Parallel()
	for tmpl, want := range map[string]string{
		"":                          "",
		"plain":                     "",
		DefaultTemplate:             "",
		"{{ literal }} and } alone": "",
		"{ticker} {triggered_at}":   "",
		"{Ticker}":                  "unknown placeholder {Ticker} (known: {ticker}, {timeframe}, {price}, {value}, {level}, {condition}, {triggered_at}; write {{ for a literal brace)",
		"{}":                        "unknown placeholder {} (known: {ticker}, {timeframe}, {price}, {value}, {level}, {condition}, {triggered_at}; write {{ for a literal brace)",
		"price {price":              "unclosed { at byte 6 (write {{ for a literal brace)",
		"{ticker {price}":           "unclosed { at byte 0 (write {{ for a literal brace)",
		`{"text": "{ticker}"}`:      "unclosed { at byte 0 (write {{ for a literal brace)",
		`{{"text": "{ticker}"}}`:    "",
	} {
		err := ValidateTemplate(tmpl)
		if want == "" {
			require.NoError(t, err, tmpl)
		} else {
			require.EqualError(t, err, want, tmpl)
		}
	}
}
