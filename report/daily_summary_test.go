package report

import (
	"time"

	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/indicators"
)

func TestDailySummary(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	out, err := Build(bundle.ctx, Request{
		Type:    TypeDailySummary,
		Symbols: []string{"LIN", "ZIG", "FAIL"},
		Now:     bundle.now,
		AlertsFired: map[string][]string{
			"LIN":   {"price above 300", "volume spike"},
			"FAIL":  {"rsi below 30"},
			"TSLA":  {"new high"},
			"QUIET": {},
		},
	}, bundle.data.fetch)
	require.NoError(t, err)
	require.Empty(t, out.Charts, "no charts unless asked")
	res := out.Result.(*DailySummary)
	require.Equal(t, Header{ReportType: TypeDailySummary, Date: "2026-02-27", Timeframe: "1d", GeneratedAt: bundle.now}, res.Header)
	require.Len(t, res.Symbols, 2)

	// LIN: 250 bars closing at 100 + i (i = 0..249).
	lin := res.Symbols[0]
	require.Equal(t, "LIN", lin.Symbol)
	require.Equal(t, reportDay, lin.Time)
	require.Equal(t, 250, lin.Bars)
	require.InDelta(t, 349.0, float64(lin.Close), 1e-12)
	// 349 / 348 − 1 = 0.287356...%
	require.InDelta(t, 100.0/348, float64(lin.ChangePct), 1e-9)
	// Volumes of bars 229..248: ten odd (2000) and ten even (1000), mean
	// 1500; the last is 4500, so 4500 / 1500 = 3.
	require.InDelta(t, 3.0, float64(lin.VolumeRatio), 1e-12)
	require.InDelta(t, 4500.0, float64(lin.Volume), 1e-12)
	// SMA 50 = 100 + mean(200..249) = 324.5; 349 / 324.5 − 1 = 7.5500770...%
	require.InDelta(t, 324.5, float64(lin.SMA50), 1e-9)
	require.InDelta(t, (349/324.5-1)*100, float64(lin.SMA50DistancePct), 1e-9)
	require.InDelta(t, 7.5500770416, float64(lin.SMA50DistancePct), 1e-9)
	// SMA 200 = 100 + mean(50..249) = 249.5; 349 / 249.5 − 1 = 39.8797595...%
	require.InDelta(t, 249.5, float64(lin.SMA200), 1e-9)
	require.InDelta(t, 39.8797595190, float64(lin.SMA200DistancePct), 1e-9)
	// Only gains: RSI 100.
	require.InDelta(t, 100.0, float64(lin.RSI14), 1e-9)
	require.Equal(t, []string{"price above 300", "volume spike"}, lin.AlertsFired)

	// ZIG: 15 closes alternating +2 and −1 from 100. The first RSI(14) is
	// at the 15th close: average gain 7·2/14 = 1, average loss 7·1/14 = 0.5,
	// RSI = 100 · 1 / (1 + 0.5) = 66.67.
	zig := res.Symbols[1]
	require.InDelta(t, 200.0/3, float64(zig.RSI14), 1e-9)
	rsi, err := indicators.RSI(bundle.data.series["ZIG"].Closes(), 14)
	require.NoError(t, err)
	require.InDelta(t, rsi[14], float64(zig.RSI14), 1e-12)
	// 107 / 108 − 1 = −0.9259...%
	require.InDelta(t, -100.0/108, float64(zig.ChangePct), 1e-9)
	// Too short for SMA 50, SMA 200 and the 20-bar volume baseline.
	for _, v := range []Float{zig.SMA50, zig.SMA200, zig.SMA50DistancePct, zig.SMA200DistancePct, zig.VolumeRatio} {
		require.True(t, math.IsNaN(float64(v)))
	}
	require.Equal(t, []string{}, zig.AlertsFired)

	require.Equal(t, map[string][]string{"FAIL": {"rsi below 30"}, "TSLA": {"new high"}}, res.OtherAlerts)
	require.Equal(t, []Missing{{Symbol: "FAIL", Reason: "provider down"}}, out.Missing)

	m := requireJSON(t, res)
	require.Equal(t, "daily_summary", m["report_type"])
	zm := m["symbols"].([]any)[1].(map[string]any)
	require.Nil(t, zm["sma_200_distance_pct"])
	require.Contains(t, zm, "sma_200_distance_pct")
	require.InDelta(t, 66.67, zm["rsi_14"], 0.01)

	lines := strings.Split(out.Text, "\n")
	require.Equal(t, "Daily summary 2026-02-27 (1d)", lines[0])
	// The report's time falls inside the latest daily bar: it is marked.
	require.Contains(t, lines, "LIN  349.00  +0.29%  vol 3.0x avg  RSI 100  SMA50 +7.6%  SMA200 +39.9%  (bar in progress)")
	require.Contains(t, lines, "  alerts today: price above 300, volume spike")
	require.Contains(t, lines, "ZIG  107.00  -0.93%  vol n/a  RSI 67  SMA50 n/a  SMA200 n/a  (bar in progress)")
	require.Contains(t, lines, "  FAIL: rsi below 30")
	require.Contains(t, lines, "  TSLA: new high")
	require.Contains(t, lines, "missing data: FAIL (provider down)")
	require.NotContains(t, out.Text, "QUIET")
}

func TestDailySummaryCharts(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)
	bundle.data.series["^GSPC"] = bundle.data.series["LIN"]

	out, err := Build(bundle.ctx, Request{
		Type: TypeDailySummary, Symbols: []string{"LIN", "ZIG", "^GSPC", "FAIL"}, Now: bundle.now, IncludeCharts: true,
	}, bundle.data.fetch)
	require.NoError(t, err)
	require.Equal(t, []string{"LIN-candles.png", "ZIG-candles.png", "GSPC-candles.png"}, requireCharts(t, out.Charts))
	require.Equal(t, "LIN 1d: 349.00 (+0.29%), last 120 bars", out.Charts[0].Caption)
}

func TestDailySummaryStaleBar(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	// A Monday report whose latest bar is Friday's says so.
	out, err := Build(bundle.ctx, Request{
		Type: TypeDailySummary, Symbols: []string{"ZIG"}, Now: bundle.now.AddDate(0, 0, 3),
	}, bundle.data.fetch)
	require.NoError(t, err)
	require.Contains(t, out.Text, "Daily summary 2026-03-02 (1d)")
	require.Contains(t, out.Text, "SMA200 n/a  (bar of 2026-02-27)")
}

func TestDailySummaryLongAlerts(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)

	alerts := make([]string, 200)
	for i := range alerts {
		alerts[i] = strings.Repeat("x", 40)
	}
	out, err := Build(bundle.ctx, Request{
		Type: TypeDailySummary, Symbols: []string{"ZIG"}, Now: bundle.now, AlertsFired: map[string][]string{"ZIG": alerts},
	}, bundle.data.fetch)
	require.NoError(t, err)
	require.Less(t, len(out.Text), 1000, "a symbol's block stays well under a Telegram message")
	require.Contains(t, out.Text, "and 186 more")
	require.Len(t, out.Result.(*DailySummary).Symbols[0].AlertsFired, 200, "the result keeps them all")
}

// A latest bar that has closed by the report's time is not marked in
// progress.
func TestDailySummaryClosedBar(t *testing.T) {
	t.Parallel()
	bundle := buildSetup(t)
	out, err := Build(bundle.ctx, Request{Type: TypeDailySummary, Symbols: []string{"LIN"},
		Now: bundle.now.Add(24 * time.Hour)}, bundle.data.fetch)
	require.NoError(t, err)
	res := out.Result.(*DailySummary)
	require.Len(t, res.Symbols, 1)
	require.False(t, res.Symbols[0].InProgress)
	require.NotContains(t, out.Text, "in progress")

	out, err = Build(bundle.ctx, Request{Type: TypeDailySummary, Symbols: []string{"LIN"}, Now: bundle.now}, bundle.data.fetch)
	require.NoError(t, err)
	require.True(t, out.Result.(*DailySummary).Symbols[0].InProgress)
}
