package report

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/indicators"
)

// Periods of the daily summary's indicators.
const (
	rsiPeriod    = 14
	volumePeriod = 20
	smaFast      = 50
	smaSlow      = 200
)

// DailySummary is the result of a daily_summary report.
type DailySummary struct {
	Header
	// Symbols are the symbols with data, in request order.
	Symbols []SymbolSummary `json:"symbols"`
	// OtherAlerts are today's alerts on symbols without an entry in
	// Symbols (not requested, or missing).
	OtherAlerts map[string][]string `json:"other_alerts,omitempty"`
	Missing     []Missing           `json:"missing"`
}

// SymbolSummary is one symbol of a daily summary, as of its latest bar.
type SymbolSummary struct {
	Symbol string    `json:"symbol"`
	Time   time.Time `json:"time"` // open time of the latest bar
	Bars   int       `json:"bars"` // bars the figures were computed from
	Close  Float     `json:"close"`
	// ChangePct is the change of the latest close against the previous
	// close, in %: the previous bar's for daily and longer bars, the last
	// close of the previous UTC day for intraday bars (see DayChangePct).
	ChangePct Float `json:"change_pct"`
	Volume    Float `json:"volume"`
	// VolumeRatio is the latest volume over the mean volume of the 20 bars
	// before it (indicators.VolumeSpikeRatio).
	VolumeRatio Float `json:"volume_ratio"`
	// RSI14 is Wilder's RSI over 14 bars.
	RSI14  Float `json:"rsi_14"`
	SMA50  Float `json:"sma_50"`
	SMA200 Float `json:"sma_200"`
	// SMA50DistancePct and SMA200DistancePct are (close / SMA − 1) · 100,
	// null while the history is shorter than the period.
	SMA50DistancePct  Float `json:"sma_50_distance_pct"`
	SMA200DistancePct Float `json:"sma_200_distance_pct"`
	// AlertsFired are the alerts that fired today on the symbol.
	AlertsFired []string `json:"alerts_fired"`
	// InProgress reports that the latest bar had not closed at the
	// report's time: its close is the latest price and its volume (and
	// so VolumeRatio) covers only part of the bar.
	InProgress bool `json:"in_progress"`
}

// buildDailySummary fetches dailyBars bars of each symbol and summarises
// the latest one.
func buildDailySummary(ctx context.Context, req Request, data Data) (Output, error) {
	f, err := fetchAll(ctx, req, data, req.Symbols, dailyBars)
	if err != nil {
		return Output{}, err
	}
	res := &DailySummary{Header: header(req), Symbols: []SymbolSummary{}, Missing: f.missing}
	out := Output{Result: res, Missing: slices.Clone(f.missing)}
	names := chartNames{}
	for _, sym := range req.Symbols {
		s, ok := f.series[sym]
		if !ok {
			continue
		}
		sum, sma50, sma200, err := summarize(sym, s)
		if err != nil {
			return Output{}, err
		}
		sum.AlertsFired = append([]string{}, req.AlertsFired[sym]...)
		sum.InProgress = sum.Time.Add(req.Timeframe.Duration()).After(req.Now)
		res.Symbols = append(res.Symbols, sum)
		if !req.IncludeCharts {
			continue
		}
		c, err := candleChart(names, req.Timeframe, sum, s, sma50, sma200)
		if err != nil {
			return Output{}, err
		}
		out.Charts = append(out.Charts, c...)
	}
	for sym, alerts := range req.AlertsFired {
		covered := slices.ContainsFunc(res.Symbols, func(s SymbolSummary) bool { return s.Symbol == sym })
		if len(alerts) == 0 || covered {
			continue
		}
		if res.OtherAlerts == nil {
			res.OtherAlerts = map[string][]string{}
		}
		res.OtherAlerts[sym] = slices.Clone(alerts)
	}
	out.Text = dailySummaryText(res)
	return out, nil
}

// summarize computes the daily figures of sym from s (non-empty), and
// returns its SMA 50 and SMA 200 series for the chart.
func summarize(sym string, s bars.Series) (sum SymbolSummary, sma50, sma200 []float64, err error) {
	closes, volumes := s.Closes(), s.Volumes()
	rsi, err := indicators.RSI(closes, rsiPeriod)
	if err != nil {
		return sum, nil, nil, fmt.Errorf("%s: %w", sym, err)
	}
	ratio, err := indicators.VolumeSpikeRatio(volumes, volumePeriod)
	if err != nil {
		return sum, nil, nil, fmt.Errorf("%s: %w", sym, err)
	}
	if sma50, err = indicators.SMA(closes, smaFast); err != nil {
		return sum, nil, nil, fmt.Errorf("%s: %w", sym, err)
	}
	if sma200, err = indicators.SMA(closes, smaSlow); err != nil {
		return sum, nil, nil, fmt.Errorf("%s: %w", sym, err)
	}
	bar := s[len(s)-1]
	sum = SymbolSummary{
		Symbol:            sym,
		Time:              bar.Time.UTC(),
		Bars:              len(s),
		Close:             Float(bar.Close),
		ChangePct:         Float(DayChangePct(s)),
		Volume:            Float(bar.Volume),
		VolumeRatio:       Float(lastOf(ratio)),
		RSI14:             Float(lastOf(rsi)),
		SMA50:             Float(lastOf(sma50)),
		SMA200:            Float(lastOf(sma200)),
		SMA50DistancePct:  Float(changePct(lastOf(sma50), bar.Close)),
		SMA200DistancePct: Float(changePct(lastOf(sma200), bar.Close)),
	}
	return sum, sma50, sma200, nil
}

// candleChart renders the last chartBars bars of s with its SMA 50 and SMA
// 200 (computed on all of s), or nothing when no bar has prices.
func candleChart(names chartNames, tf bars.Timeframe, sum SymbolSummary, s bars.Series, sma50, sma200 []float64) ([]Chart, error) {
	k := max(0, len(s)-chartBars)
	s = s[k:]
	if !slices.ContainsFunc(s, func(b bars.Bar) bool { return finite(b.High) && finite(b.Low) }) {
		return nil, nil
	}
	title := fmt.Sprintf("%s %s — SMA %d, SMA %d", sum.Symbol, tf, smaFast, smaSlow)
	png, err := Candles(title, s, []Overlay{
		{Name: fmt.Sprintf("SMA %d", smaFast), Values: sma50[k:]},
		{Name: fmt.Sprintf("SMA %d", smaSlow), Values: sma200[k:]},
	}, candleWidth, candleHeight)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", sum.Symbol, err)
	}
	caption := fmt.Sprintf("%s %s: %s (%s), last %d bars", sum.Symbol, tf,
		fmtPrice(float64(sum.Close)), fmtPct(float64(sum.ChangePct), 2), len(s))
	return []Chart{{Name: names.name(sum.Symbol + "-candles"), Caption: caption, PNG: png}}, nil
}

// header returns the result header of req.
func header(req Request) Header {
	now := req.Now.UTC()
	return Header{
		ReportType:  req.Type,
		Date:        now.Format(time.DateOnly),
		Timeframe:   req.Timeframe,
		GeneratedAt: now,
	}
}
