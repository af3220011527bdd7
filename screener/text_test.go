package screener

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestHuman(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]string{
		2.9e12:   "2.9T",
		350e9:    "350B",
		55.2e6:   "55.2M",
		1e9:      "1B",
		1e6:      "1M",
		999.96e9: "1T",
		99.96e6:  "100M",
		1.04e9:   "1B",
		12_345:   "12.3K",
		950:      "950",
		999.7:    "1K",
		12.34:    "12.3",
		0:        "0",
		-3.5e9:   "-3.5B",
		nan:      "-",
	} {
		require.Equal(t, want, human(v), "%g", v)
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	r := Result{
		ScreenerSet:   "sp500",
		TotalTickers:  503,
		FilteredCount: 12,
		RankBy:        "market_cap",
		RankOrder:     "desc",
		TopN:          3,
		Criteria: Criteria{MinMarketCap: ptr(1e9), MaxPERatio: ptr(25), MinVolume: ptr(1e6),
			Rule: []byte(`{"indicator": "rsi", "operator": "<", "value": 30}`)},
		Results: []Match{
			{Rank: 1, Symbol: "AAPL", MarketCap: ptr(2.9e12), PERatio: ptr(24.9), AvgVolume: ptr(55.2e6), Close: ptr(189.2), ChangePct: ptr(-1.234),
				Indicators: map[string]float64{"rsi(14)": 28.123}},
			{Rank: 2, Symbol: "BRK.B", MarketCap: ptr(350e9), PERatio: ptr(9.5), AvgVolume: ptr(3.1e6), Close: ptr(412.5), ChangePct: ptr(0.5),
				Indicators: map[string]float64{"rsi(14)": 25}},
			{Rank: 3, Symbol: "T", MarketCap: ptr(120e9), PERatio: ptr(8), AvgVolume: ptr(30e6)},
		},
		Missing: []Missing{{Symbol: "XYZ", Reason: "no P/E ratio"}, {Symbol: "ABC", Reason: "bars: timeout"}},
	}
	require.Equal(t, `Screener sp500: 12 of 503 match (min market cap 1B, P/E ≤ 25, volume ≥ 1M, rsi(14) < 30) — top 3 by market cap

 # Symbol  Mkt cap   P/E  Avg vol   Close    Chg  rsi(14)
1. AAPL       2.9T  24.9    55.2M  189.20  -1.2%    28.12
2. BRK.B      350B   9.5     3.1M  412.50  +0.5%    25.00
3. T          120B   8.0      30M       -      -        -

missing data: 2 symbols (XYZ, ABC)`, r.Text())

	// Cut to fit, with the caller's footer.
	cut := r.TextLimit(320, "full list in run 42")
	require.LessOrEqual(t, utf8.RuneCountInString(cut), 320)
	require.Contains(t, cut, "1. AAPL")
	require.NotContains(t, cut, "3. T")
	require.Contains(t, cut, "… and 2 more (full list in run 42)")
	require.True(t, strings.HasSuffix(cut, "missing data: 2 symbols (XYZ, ABC)"))

	// Ascending rank fields say so; no matches, no table.
	r.RankBy, r.RankOrder = "pe_ratio", "asc"
	require.Contains(t, r.Text(), "— top 3 by P/E, lowest first")
	r.FilteredCount, r.Results, r.Missing, r.Criteria = 0, nil, nil, Criteria{}
	require.Equal(t, "Screener sp500: 0 of 503 match", r.Text())

	// Whatever the limit, the text keeps to it.
	for _, limit := range []int{0, 1, 10, 50} {
		require.LessOrEqual(t, utf8.RuneCountInString(r.TextLimit(limit, "footer")), limit)
	}
}

// TestTextTop500 renders a top_n 500 run over the S&P 500 synthetic data.
func TestTextTop500(t *testing.T) {
	t.Parallel()
	data := newSynthetic(t, 300)
	p := params(t, `{"screener_set": "sp500", "filter_criteria": {"min_market_cap": 1e9, "max_pe_ratio": 40, "min_volume": 1e6,
		"rule": {"indicator": "rsi", "operator": "<", "value": 90}}, "top_n": 500, "rank_by": "rsi"}`)
	res, err := Run(t.Context(), p, data.symbols, data.sources())
	require.NoError(t, err)
	require.Greater(t, res.FilteredCount, 100)
	require.NotEmpty(t, res.Missing)

	text := res.TextLimit(TextMaxChars, "full list in run 42")
	require.LessOrEqual(t, utf8.RuneCountInString(text), TextMaxChars)
	require.Less(t, len(utf16Units(text)), 4096)
	lines := strings.Split(text, "\n")
	require.Contains(t, lines[0], "Screener sp500: ")
	require.Contains(t, lines[0], " of 503 match (min market cap 1B, P/E ≤ 40, volume ≥ 1M, rsi(14) < 90) — by rsi(14), lowest first")
	require.Contains(t, text, "… and ")
	require.Contains(t, text, " more (full list in run 42)")
	require.Contains(t, text, "\nmissing data: ")
	first := res.Results[0]
	require.Contains(t, text, "1. "+first.Symbol+" ")
	require.Contains(t, text, human(*first.MarketCap))
	require.Greater(t, strings.Count(text, "\n"), 50, "most of the limit goes to rows")
}

func utf16Units(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			out = append(out, 0, 0)
		} else {
			out = append(out, 0)
		}
	}
	return out
}
