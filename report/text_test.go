package report

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

func nanF() Float            { return Float(math.NaN()) }
func inf() float64           { return math.Inf(1) }
func isNaN(f Float) bool     { return math.IsNaN(float64(f)) }
func pct(v float64) string   { return fmtPct(v, 2) }
func money(v float64) string { return fmtMoney(v) }

func TestFormatNumbers(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct{ got, want string }{
		{fmtPrice(189.2), "189.20"},
		{fmtPrice(64210.554), "64,210.55"},
		{fmtPrice(1234567.891), "1,234,567.89"},
		{fmtPrice(-1234.5), "-1,234.50"},
		{fmtPrice(0.5), "0.5000"},
		{fmtPrice(0.000123456), "0.0001235"},
		{fmtPrice(0), "0.00"},
		{fmtPrice(math.NaN()), "n/a"},
		{pct(1.254), "+1.25%"},
		{pct(-0.926), "-0.93%"},
		{pct(0), "+0.00%"},
		{pct(-0.001), "+0.00%"},
		{pct(1234.5), "+1,234.50%"},
		{pct(math.Inf(1)), "n/a"},
		{money(536.25), "536.25"},
		{money(999999.994), "999,999.99"},
		{money(1234567), "1.23M"},
		{money(-2.5e9), "-2.50B"},
		{fmtSignedMoney(50), "+50.00"},
		{fmtSignedMoney(-33.75), "-33.75"},
		{fmtSignedMoney(math.NaN()), "n/a"},
		{fmtCompact(950), "950"},
		{fmtCompact(12500), "12.50K"},
		{fmtCompact(3.2e12), "3.20T"},
		{fmtQty(10), "10"},
		{fmtQty(0.125), "0.125"},
		{fmtQty(12345.5), "12,345.5"},
		{fmtRatio(1.26), "1.3x"},
		{fmtFixed(62.4, 0), "62"},
		{fmtUnsignedPct(27.97, 1), "28.0%"},
		{fmtDrawdown(4.5454), "-4.55%"},
		{fmtDrawdown(0), "0.00%"},
		{fmtDrawdown(math.NaN()), "n/a"},
		{windowLabel(5, bars.D1), "5d"},
		{windowLabel(4, bars.W1), "4w"},
		{windowLabel(20, bars.H1), "20×1h"},
	} {
		require.Equal(t, tc.want, tc.got)
	}
}

func TestJoinCapped(t *testing.T) {
	t.Parallel()

	require.Equal(t, "a, b, c", joinCapped([]string{"a", "b", "c"}, 100))
	require.Equal(t, "aaaa, bbbb and 2 more", joinCapped([]string{"aaaa", "bbbb", "cccc", "dddd"}, 12))
	require.Equal(t, "", joinCapped(nil, 10))
}

func TestChartNames(t *testing.T) {
	t.Parallel()

	names := chartNames{}
	require.Equal(t, "AAPL-candles.png", names.name("AAPL-candles"))
	require.Equal(t, "AAPL-candles-2.png", names.name("AAPL-candles"))
	require.Equal(t, "GSPC-candles.png", names.name("^GSPC-candles"))
	require.Equal(t, "BTC_USDT-equity.png", names.name("BTC/USDT-equity"))
	require.Equal(t, "BRK.B-equity.png", names.name("BRK.B-equity"))
	require.Equal(t, "chart.png", names.name("^^^"))
	long := names.name("-X" + strings.Repeat("a", 300) + "-equity")
	require.Regexp(t, chartName, long)
	require.Equal(t, "X"+strings.Repeat("a", 99)+".png", long)
	require.Equal(t, "X"+strings.Repeat("a", 99)+"-2.png", names.name("X"+strings.Repeat("a", 300)))
}
