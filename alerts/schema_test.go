package alerts_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/schemas"
)

// The API validates task_params with schemas/alert.v1.json and the worker
// parses them with Parse, so the two must agree. Parse also checks what the
// schema cannot express; those problems are the only allowed difference.
var parseOnly = []string{
	"must be below slow",                    // macd fast < slow
	"must be <= upper",                      // constant channel bounds
	"must be an RFC 3339 date-time like",    // a well-formed but impossible date
	"is shorter than the alert's timeframe", // an operand's timeframe against the alert's
}

func parseOnlyProblem(err error) bool {
	var perr *alerts.ParseError
	if !errors.As(err, &perr) {
		return false
	}
	for _, p := range perr.Problems {
		known := false
		for _, s := range parseOnly {
			known = known || strings.Contains(p.Message, s)
		}
		if !known {
			return false
		}
	}
	return true
}

func agreementCorpus(t testing.TB) [][]byte {
	t.Helper()
	var docs [][]byte
	paths, err := filepath.Glob(filepath.Join("..", "schemas", "examples", "alert", "*", "*.json"))
	require.NoError(t, err)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		docs = append(docs, data)
	}
	full := func(rule string, extra ...string) []byte {
		doc := `{"ticker": "AAPL", "timeframe": "1h", "rule": ` + rule
		for _, e := range extra {
			doc += ", " + e
		}
		return []byte(doc + "}")
	}
	for _, d := range []string{
		`{"symbol": "AAPL", "condition": "volume_spike"}`,
		`{"symbol": "AAPL", "condition": "rsi_overbought"}`,
		`{"symbol": "AAPL", "condition": "price_above"}`,
		`{"symbol": "AAPL", "condition": "price_above", "threshold": 1e16}`,
		`{"symbol": "AAPL", "condition": "price_above", "threshold": 1, "notification_channels": ["email", "email"]}`,
		`{"symbol": "AAPL", "condition": "price_above", "threshold": 1, "timeframe": "1w", "version": 1}`,
		`{"symbol": "AAPL", "condition": "price_above", "threshold": 1, "frequency": "once"}`,
		`{"symbol": "aapl", "condition": "price_above", "threshold": 1}`,
		`{"condition": "price_above", "threshold": 1}`,
		`{}`, `[]`, `null`,
	} {
		docs = append(docs, []byte(d))
	}
	docs = append(docs, [][]byte{
		full(`{"indicator": "close", "operator": ">", "value": 1}`),
		full(`{"indicator": "close", "operator": ">", "value": 1, "right": {"indicator": "sma"}}`),
		full(`{"indicator": "close", "operator": ">"}`),
		full(`{"indicator": "close", "operator": ">", "value": "1"}`),
		full(`{"indicator": "close", "operator": ">", "value": 1e16}`),
		full(`{"indicator": "close", "operator": ">", "right": 5}`),
		full(`{"indicator": "close", "operator": ">", "value": 1, "bars": 3}`),
		full(`{"indicator": "sma", "period": 5, "params": {"period": 5}, "operator": ">", "value": 1}`),
		full(`{"indicator": "close", "operator": ">", "right": {"indicator": "sma", "period": 200, "timeframe": "1d"}}`),
		full(`{"indicator": "close", "timeframe": "1w", "offset": 1, "operator": ">", "value": 1}`),
		full(`{"indicator": "close", "timeframe": "5m", "operator": ">", "value": 1}`),
		full(`{"indicator": "close", "timeframe": "2d", "operator": ">", "value": 1}`),
		full(`{"indicator": "close", "operator": ">", "right": {"indicator": "sma", "timeframe": 1}}`),
		full(`{"indicator": "close", "operator": ">", "right": {"indicator": "sma", "params": {"timeframe": "1d"}}}`),
		full(`{"indicator": "sma", "params": {"period": 5, "offset": 2}, "operator": ">", "value": 1}`),
		full(`{"indicator": "sma", "period": 0, "operator": ">", "value": 1}`),
		full(`{"indicator": "sma", "period": 1001, "operator": ">", "value": 1}`),
		full(`{"indicator": "sma", "period": 5.0, "operator": ">", "value": 1}`),
		full(`{"indicator": "sma", "period": 5.5, "operator": ">", "value": 1}`),
		full(`{"indicator": "sma", "source": "price", "operator": ">", "value": 1}`),
		full(`{"indicator": "sma", "source": "hl2", "operator": ">", "value": 1}`),
		full(`{"indicator": "atr", "source": "open", "operator": ">", "value": 1}`),
		full(`{"indicator": "close", "period": 3, "operator": ">", "value": 1}`),
		full(`{"indicator": "close", "offset": 3, "operator": ">", "value": 1}`),
		full(`{"indicator": "macd", "fast": 30, "operator": ">", "value": 0}`),
		full(`{"indicator": "macd", "output": "signal", "signal": 3, "operator": ">", "value": 0}`),
		full(`{"indicator": "macd", "output": "hist", "operator": ">", "value": 0}`),
		full(`{"indicator": "rsi", "output": "line", "operator": ">", "value": 0}`),
		full(`{"indicator": "bollinger", "operator": ">", "value": 0}`),
		full(`{"indicator": "bollinger", "output": "width", "stddev": 0, "operator": ">", "value": 0}`),
		full(`{"indicator": "bollinger", "output": "width", "stddev": 10, "operator": ">", "value": 0}`),
		full(`{"indicator": "stoch", "output": "d", "k_period": 5, "params": {"d_period": 2}, "operator": "<", "value": 20}`),
		full(`{"indicator": "stoch", "period": 5, "operator": "<", "value": 20}`),
		full(`{"indicator": "close", "operator": "inside_channel", "lower": 1, "upper": 2}`),
		full(`{"indicator": "close", "operator": "inside_channel", "lower": 3, "upper": 2}`),
		full(`{"indicator": "close", "operator": "inside_channel", "lower": 1}`),
		full(`{"indicator": "close", "operator": "outside_channel", "lower": {"indicator": "lowest"}, "upper": {"indicator": "highest", "offset": 1}}`),
		full(`{"indicator": "close", "operator": "change_pct", "bars": 5, "direction": "down", "value": 3}`),
		full(`{"indicator": "close", "operator": "change_pct", "bars": 5, "direction": "down", "value": -3}`),
		full(`{"indicator": "close", "operator": "change_pct", "bars": 5, "direction": "down", "value": {"indicator": "sma"}}`),
		full(`{"indicator": "close", "operator": "change_pct", "bars": 5, "direction": "down", "value": 3, "right": 3}`),
		full(`{"operator": "and", "conditions": []}`),
		full(`{"operator": "not", "conditions": [{"indicator": "close", "operator": ">", "value": 1}]}`),
		full(`{"operator": "xor", "conditions": [{"indicator": "close", "operator": ">", "value": 1}]}`),
		full(`{"conditions": [{"indicator": "close", "operator": ">", "value": 1}]}`),
		full(`{"operator": "and"}`),
		full(`{"operator": ">", "conditions": [{"indicator": "close", "operator": ">", "value": 1}]}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"rearm": {"type": "hysteresis", "threshold": 0.02, "cooldown": 300}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"rearm": {"type": "hysteresis", "threshold": 1}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"rearm": {"type": "simple", "threshold": 0.1}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"rearm": {"type": "simple", "bars": 3, "cooldown": 0}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"rearm": {"type": "cooldown", "cooldown": 0}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"rearm": {"type": "crossing", "bars": 2}`),
		full(`{"indicator": "close", "operator": "==", "value": 1}`, `"rearm": {"type": "crossing"}`),
		full(`{"indicator": "close", "operator": "==", "value": 1}`, `"rearm": {"type": "hysteresis", "threshold": 0.1}`),
		full(`{"operator": "not", "conditions": [{"operator": "or", "conditions": [{"indicator": "close", "operator": "exiting_channel", "lower": 1, "upper": 2}]}]}`, `"rearm": {"type": "crossing"}`),
		full(`{"operator": "or", "conditions": [{"indicator": "close", "operator": "<", "value": 1}, {"indicator": "close", "operator": "exiting_channel", "lower": 1, "upper": 2}]}`, `"rearm": {"type": "hysteresis", "threshold": 0.1}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"frequency": "once_per_bar_close"`, `"expires_at": "2027-01-02T15:04:05.123+05:30"`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"expires_at": "2027-13-02T15:04:05Z"`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"expires_at": "2027-01-02 15:04:05Z"`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"notify": {"channels": ["telegram"], "message_template": "{{{ticker}}} } {price"}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"notify": {"channels": ["telegram"], "message_template": "{{{ticker}}} } {price}"}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"notify": {"channels": ["telegram"], "message_template": ""}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"notify": {"channels": []}`),
		full(`{"indicator": "close", "operator": ">", "value": 1}`, `"notify": {"message_template": "x"}`),
	}...)
	return docs
}

func TestSchemaAgreesWithParse(t *testing.T) {
	t.Parallel()
	v, err := schemas.New()
	require.NoError(t, err)
	for _, doc := range agreementCorpus(t) {
		schemaErr := v.Validate("alert", doc)
		_, parseErr := alerts.Parse(doc)
		if schemaErr == nil && parseErr != nil && parseOnlyProblem(parseErr) {
			continue
		}
		require.Equal(t, schemaErr == nil, parseErr == nil, "%s\nschema: %v\nparse:  %v", doc, schemaErr, parseErr)
		if schemaErr != nil {
			// Both blame the same places, unless Parse rejects the whole
			// document (mixed forms, not an object) or cannot tell which form
			// it is meant to be ({}).
			var verr *schemas.ValidationError
			var perr *alerts.ParseError
			if errors.As(schemaErr, &verr) && errors.As(parseErr, &perr) && perr.Problems[0].Path != "" && string(doc) != "{}" {
				var sp, pp []string // related when equal or one inside the other
				for _, p := range verr.Problems {
					sp = append(sp, p.Pointer)
				}
				for _, p := range perr.Problems {
					pp = append(pp, p.Path)
				}
				for _, a := range sp {
					related := false
					for _, b := range pp {
						related = related || a == b || strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/")
					}
					require.True(t, related, "schema blames %s, Parse %v\n%s\nschema: %v\nparse:  %v", a, pp, doc, schemaErr, parseErr)
				}
			}
		}
	}
}

// FuzzSchemaAgreement: whatever the schema accepts, Parse accepts, save for
// the checks only Parse can make.
func FuzzSchemaAgreement(f *testing.F) {
	for _, doc := range agreementCorpus(f) {
		f.Add(doc)
	}
	v, err := schemas.New()
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, doc []byte) {
		if v.Validate("alert", doc) != nil {
			return
		}
		if _, err := alerts.Parse(doc); err != nil && !parseOnlyProblem(err) {
			t.Fatalf("schema accepts what Parse rejects: %s\n%v", doc, err)
		}
	})
}
