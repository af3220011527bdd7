package screener

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseParamsDefaults(t *testing.T) {
	t.Parallel()
	p := params(t, `{"screener_set": "sp500", "filter_criteria": {"min_market_cap": 1e9, "max_pe_ratio": 25, "min_volume": 1e6}}`)
	require.Equal(t, Params{
		ScreenerSet: "sp500",
		Criteria:    Criteria{MinMarketCap: ptr(1e9), MaxPERatio: ptr(25), MinVolume: ptr(1e6)},
		TopN:        10,
		RankBy:      "market_cap",
	}, p)

	p = params(t, `{"screener_set": "custom", "tickers": ["AAPL", "BRK.B"], "filter_criteria": {"rule": {"indicator": "rsi", "operator": "<", "value": 30}},
		"top_n": 500, "rank_by": "rsi", "create_alerts": true, "timeframe": "1h", "version": 1}`)
	require.Equal(t, 500, p.TopN)
	require.Equal(t, "rsi", p.RankBy)
	require.True(t, p.CreateAlerts)
	require.Equal(t, []string{"AAPL", "BRK.B"}, p.Tickers)
	require.EqualValues(t, "1h", p.Timeframe)
	require.JSONEq(t, `{"indicator": "rsi", "operator": "<", "value": 30}`, string(p.Criteria.Rule))

	// actions without actions_top_n apply to the best DefaultActionsTopN (3)
	// matches, or fewer when top_n is smaller.
	p = params(t, `{"screener_set": "sp500", "filter_criteria": {}, "top_n": 2, "actions": [{"bot": "swing", "side": "buy", "size_pct": 10}]}`)
	require.Equal(t, 2, p.ActionsTopN)
	require.Equal(t, "swing", p.Actions[0].Bot)
	require.Equal(t, 3, params(t, `{"screener_set": "sp500", "filter_criteria": {}, "actions": [{"bot": "s", "side": "exit"}]}`).ActionsTopN)
}

// TestParseParamsSchemaExamples parses the schema's valid examples.
func TestParseParamsSchemaExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../schemas/examples/screener/valid/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		_, err = ParseParams(data)
		require.NoError(t, err, f)
	}
	files, err = filepath.Glob("../schemas/examples/screener/invalid/*.json")
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		_, err = ParseParams(data)
		require.ErrorIs(t, err, ErrInvalidParams, f)
	}
}

func TestParseParamsErrors(t *testing.T) {
	t.Parallel()
	const rsiRule = `"rule": {"operator": "and", "conditions": [{"indicator": "rsi", "operator": "<", "value": 30}, {"indicator": "close", "operator": ">", "right": {"indicator": "sma", "period": 200}}, {"indicator": "close", "operator": ">", "right": {"indicator": "sma", "period": 50}}]}`
	for _, tt := range []struct {
		name, doc string
		field     string // of the first problem
		contains  string
	}{
		{"not an object", `[1]`, "", "must be a JSON object"},
		{"invalid JSON", `{`, "", "must be a JSON object"},
		{"missing set", `{"filter_criteria": {}}`, "screener_set", "missing required property"},
		{"typo set", `{"screener_set": "sp50", "filter_criteria": {}}`, "screener_set", `"sp50": must be one of`},
		{"set type", `{"screener_set": 500, "filter_criteria": {}}`, "screener_set", "must be a string, got number"},
		{"missing criteria", `{"screener_set": "sp500"}`, "filter_criteria", "missing required property"},
		{"criteria type", `{"screener_set": "sp500", "filter_criteria": []}`, "filter_criteria", "must be an object"},
		{"criteria typo", `{"screener_set": "sp500", "filter_criteria": {"max_pe": 25}}`, "filter_criteria.max_pe", "unknown property"},
		{"negative market cap", `{"screener_set": "sp500", "filter_criteria": {"min_market_cap": -1}}`, "filter_criteria.min_market_cap", "at least 0"},
		{"zero P/E", `{"screener_set": "sp500", "filter_criteria": {"max_pe_ratio": 0}}`, "filter_criteria.max_pe_ratio", "greater than 0"},
		{"P/E out of range", `{"screener_set": "sp500", "filter_criteria": {"max_pe_ratio": 1e400}}`, "filter_criteria.max_pe_ratio", "must be a finite number"},
		{"volume type", `{"screener_set": "sp500", "filter_criteria": {"min_volume": "1M"}}`, "filter_criteria.min_volume", "must be a number, got string"},
		{"rule type", `{"screener_set": "sp500", "filter_criteria": {"rule": 30}}`, "filter_criteria.rule", "must be an object"},
		{"rule indicator", `{"screener_set": "sp500", "filter_criteria": {"rule": {"indicator": "rsx", "operator": "<", "value": 30}}}`,
			"filter_criteria.rule.indicator", `unknown indicator "rsx" (did you mean "rsi"?)`},
		{"rule nested", `{"screener_set": "sp500", "filter_criteria": {"rule": {"operator": "and", "conditions": [{"indicator": "rsi", "operator": "<<", "value": 30}]}}}`,
			"filter_criteria.rule.conditions.0.operator", "must be one of"},
		{"rule on another timeframe", `{"screener_set": "sp500", "filter_criteria": {"rule": {"indicator": "close", "operator": ">", "right": {"indicator": "sma", "timeframe": "1w"}}}}`,
			"filter_criteria.rule", "operands on another timeframe (1w) are for alerts; a screener rule reads the 1d bars only"},
		{"top_n zero", `{"screener_set": "sp500", "filter_criteria": {}, "top_n": 0}`, "top_n", "between 1 and 500, got 0"},
		{"top_n big", `{"screener_set": "sp500", "filter_criteria": {}, "top_n": 501}`, "top_n", "between 1 and 500, got 501"},
		{"top_n float", `{"screener_set": "sp500", "filter_criteria": {}, "top_n": 2.5}`, "top_n", "must be an integer"},
		{"rank_by unknown", `{"screener_set": "sp500", "filter_criteria": {}, "rank_by": "rsi"}`, "rank_by", `unknown field "rsi"`},
		{"rank_by not in rule", `{"screener_set": "sp500", "filter_criteria": {` + rsiRule + `}, "rank_by": "macd"}`, "rank_by", "rsi_14, close, sma_200, sma_50"},
		{"rank_by ambiguous", `{"screener_set": "sp500", "filter_criteria": {` + rsiRule + `}, "rank_by": "sma"}`, "rank_by", `"sma" is ambiguous: the rule has sma_200 and sma_50`},
		{"rank_by empty", `{"screener_set": "sp500", "filter_criteria": {}, "rank_by": ""}`, "rank_by", "must not be empty"},
		{"create_alerts type", `{"screener_set": "sp500", "filter_criteria": {}, "create_alerts": "yes"}`, "create_alerts", "must be a boolean"},
		{"tickers type", `{"screener_set": "custom", "filter_criteria": {}, "tickers": "AAPL"}`, "tickers", "must be an array"},
		{"ticker case", `{"screener_set": "custom", "filter_criteria": {}, "tickers": ["AAPL", "msft"]}`, "tickers.1", `"msft": must be an uppercase ticker`},
		{"ticker twice", `{"screener_set": "custom", "filter_criteria": {}, "tickers": ["AAPL", "AAPL"]}`, "tickers.1", "listed twice"},
		{"timeframe", `{"screener_set": "sp500", "filter_criteria": {}, "timeframe": "2d"}`, "timeframe", "must be one of"},
		{"version", `{"version": 2, "screener_set": "sp500", "filter_criteria": {}}`, "version", "must be 1"},
		{"unknown key", `{"screener_set": "sp500", "filter_criteria": {}, "topn": 5}`, "topn", "unknown property"},
		{"actions type", `{"screener_set": "sp500", "filter_criteria": {}, "actions": {"bot": "swing"}}`, "actions", "must be an array of actions"},
		{"action side", `{"screener_set": "sp500", "filter_criteria": {}, "actions": [{"bot": "swing", "side": "short", "size_pct": 5}]}`, "actions.0.side", `must be buy, sell or exit, got "short"`},
		{"action size", `{"screener_set": "sp500", "filter_criteria": {}, "actions": [{"bot": "swing", "side": "buy"}]}`, "actions.0.size_pct", "missing required property"},
		{"action bot", `{"screener_set": "sp500", "filter_criteria": {}, "actions": [{"bot": "-x", "side": "exit"}]}`, "actions.0.bot", "must be 1-64 characters"},
		{"actions_top_n big", `{"screener_set": "sp500", "filter_criteria": {}, "actions": [{"bot": "s", "side": "exit"}], "actions_top_n": 51}`, "actions_top_n", "between 1 and 50, got 51"},
		{"actions_top_n alone", `{"screener_set": "sp500", "filter_criteria": {}, "actions_top_n": 2}`, "actions_top_n", "needs actions"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseParams(json.RawMessage(tt.doc))
			require.ErrorIs(t, err, ErrInvalidParams)
			var pe *ParamsError
			require.True(t, errors.As(err, &pe))
			require.NotEmpty(t, pe.Problems)
			require.Equal(t, tt.field, pe.Problems[0].Field, err.Error())
			require.Contains(t, pe.Problems[0].Message, tt.contains)
			if tt.field != "" {
				require.Contains(t, err.Error(), tt.field+": ")
			}
		})
	}
}

func TestParseParamsAllProblems(t *testing.T) {
	t.Parallel()
	_, err := ParseParams(json.RawMessage(`{"screener_set": "sp50", "filter_criteria": {"max_pe_ratio": -3, "rule": {"indicator": "rsi"}}, "top_n": 0}`))
	var pe *ParamsError
	require.ErrorAs(t, err, &pe)
	var fields []string
	for _, p := range pe.Problems {
		fields = append(fields, p.Field)
	}
	require.Equal(t, []string{
		"filter_criteria.max_pe_ratio",
		"filter_criteria.rule.operator",
		"screener_set",
		"top_n",
	}, fields)
}

func TestResolveRank(t *testing.T) {
	t.Parallel()
	const rule = `{"operator": "and", "conditions": [
		{"indicator": "rsi", "operator": "<", "value": 30},
		{"indicator": "close", "operator": ">", "right": {"indicator": "sma", "period": 200}},
		{"operator": "not", "conditions": [{"indicator": "roc", "operator": "<", "value": 0}]},
		{"indicator": "bollinger", "output": "percent_b", "operator": "<=", "value": 0.2},
		{"indicator": "volume", "operator": "change_pct", "bars": 5, "direction": "down", "value": 10}]}`
	doc := func(rankBy string) string {
		return `{"screener_set": "sp500", "filter_criteria": {"rule": ` + rule + `}, "rank_by": "` + rankBy + `"}`
	}
	for _, tt := range []struct {
		rankBy, name string
		asc          bool
	}{
		{"market_cap", "market_cap", false},
		{"market_cap_asc", "market_cap", true},
		{"pe_ratio", "pe_ratio", true},
		{"pe_ratio_desc", "pe_ratio", false},
		{"volume", "avg_volume", false},
		{"avg_volume", "avg_volume", false},
		{"close", "close", false},
		{"change_pct", "change_pct", false},
		{"rsi", "rsi(14)", true},     // rsi < 30: most oversold first
		{"rsi_14", "rsi(14)", true},  // snake label
		{"rsi(14)", "rsi(14)", true}, // label
		{"rsi_desc", "rsi(14)", false},
		{"sma", "sma(200)", false},
		{"sma_200", "sma(200)", false},
		{"roc", "roc(10)", false}, // not (roc < 0): roc >= 0
		{"bollinger_20_2_percent_b", "bollinger(20,2).percent_b", true},
		{"change_pct_volume_5", "change_pct(volume,5)", true},
	} {
		p := params(t, doc(tt.rankBy))
		pl, probs := compile(p)
		require.Empty(t, probs, tt.rankBy)
		require.Equal(t, tt.name, pl.rank.name, tt.rankBy)
		require.Equal(t, tt.asc, pl.rank.asc, tt.rankBy)
	}
	p := params(t, `{"screener_set": "sp500", "filter_criteria": {"rule": {"indicator": "rsi", "operator": ">", "value": 70}}, "rank_by": "rsi"}`)
	pl, _ := compile(p)
	require.False(t, pl.rank.asc, "rsi > 70: most overbought first")
}
