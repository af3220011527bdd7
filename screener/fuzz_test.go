package screener

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseParams checks that ParseParams never panics, that every failure is
// a *ParamsError naming at least one problem, and that accepted params are
// within their limits, compile for Run and survive a round trip: marshalling
// them and parsing the result gives the same Params (the rule compared as
// JSON, since marshalling compacts it) and the same bytes when marshalled
// again.
func FuzzParseParams(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "schemas", "examples", "screener", "*", "*.json"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `"sp500"`, "\xff", `{"screener_set":`,
		`{"screener_set": "nasdaq", "filter_criteria": {"min_market_cap": 0, "min_volume": 1e6}, "top_n": 1e2, "version": 1.0}`,
		`{"screener_set": "custom", "tickers": ["BRK.B", "^GSPC", "EURUSD=X"], "filter_criteria": {"max_pe_ratio": 1e-300}, "top_n": 500, "rank_by": "pe_ratio_asc"}`,
		`{"screener_set": "custom", "tickers": ["AAPL", "AAPL", "aapl", 1], "filter_criteria": null, "top_n": 2.5, "rank_by": ""}`,
		`{"screener_set": "custom:x", "filter_criteria": {"min_market_cap": -0, "max_pe_ratio": 1e400, "rule": null}, "create_alerts": null, "timeframe": "2h"}`,
		`{"screener_set": "sp500", "timeframe": "1h", "rank_by": "rsi_14", "create_alerts": true,
		  "filter_criteria": {"rule": {"operator": "and", "conditions": [
		    {"indicator": "rsi", "period": 14, "operator": "<", "value": 30},
		    {"indicator": "close", "operator": ">", "right": {"indicator": "sma", "period": 200}}]}}}`,
		`{"screener_set": "sp500", "rank_by": "bollinger_20_2_lower", "filter_criteria": {"rule":
		  {"indicator": "close", "operator": "exiting_channel", "lower": {"indicator": "bollinger", "output": "lower"}, "upper": {"indicator": "bollinger", "output": "upper"}}}}`,
		`{"screener_set": "sp500", "rank_by": "change_pct_close_5", "filter_criteria": {"rule":
		  {"indicator": "close", "operator": "change_pct", "bars": 5, "direction": "up", "value": 3}}}`,
		`{"screener_set": "sp500", "filter_criteria": {"rule": {"operator": "not", "conditions": [{"indicator": "close", "operator": ">", "value": 1}]}}, "extra": 1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseParams(data)
		if err != nil {
			var pe *ParamsError
			require.ErrorAs(t, err, &pe)
			require.ErrorIs(t, err, ErrInvalidParams)
			require.NotEmpty(t, pe.Problems)
			require.NotEmpty(t, err.Error())
			return
		}
		require.True(t, setRE.MatchString(p.ScreenerSet), p.ScreenerSet)
		require.GreaterOrEqual(t, p.TopN, 1)
		require.LessOrEqual(t, p.TopN, MaxTopN)
		require.NotEmpty(t, p.RankBy)
		require.LessOrEqual(t, len(p.Tickers), MaxTickers)
		_, probs := compile(p)
		require.Empty(t, probs, "Run would refuse params ParseParams accepted")

		b1, err := json.Marshal(p)
		require.NoError(t, err)
		q, err := ParseParams(b1)
		require.NoError(t, err, "%s", b1)
		b2, err := json.Marshal(q)
		require.NoError(t, err)
		require.True(t, bytes.Equal(b1, b2), "%s\n%s", b1, b2)
		if p.Criteria.Rule != nil || q.Criteria.Rule != nil {
			require.JSONEq(t, string(p.Criteria.Rule), string(q.Criteria.Rule))
		}
		p.Criteria.Rule, q.Criteria.Rule = nil, nil
		require.Equal(t, p, q)
	})
}
