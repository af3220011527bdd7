package jobs

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// A performance_report with bot_id covers the owner's trading bot: its
// equity curve from bot_equity_snapshots (hand-computed return and
// drawdown) with equity and drawdown charts; another user's bot cancels the
// run naming the field.
func TestPerformanceReportOfATradingBot(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{realReports: true})
	q := dbsqlc.New()
	var botID int64
	require.NoError(t, b.pool.QueryRow(b.ctx, `INSERT INTO trading_bots (user_id, name, strategy, params, symbols, timeframe,
		broker, initial_cash, cash, risk, state) VALUES ($1, 'demo', 'sma_cross', '{}', '{AAPL}', '1m', 'paper', 10000, 10000, '{}', 'stopped')
		RETURNING id`, b.userID).Scan(&botID))
	// Equity 10000 → 11000 → 9900 → 10450: total +4.5%, max drawdown (11000 − 9900) / 11000 = 10%.
	_, err := b.pool.Exec(b.ctx, `INSERT INTO bot_equity_snapshots (bot_id, bar_time, equity, cash, positions_value, realised, fees_paid)
		SELECT $1, '2026-03-02T10:00:00Z'::timestamptz + i * interval '1 minute', e, e, 0, 0, 0
		FROM unnest('{10000, 11000, 9900, 10450}'::numeric[]) WITH ORDINALITY AS t(e, i)`, botID)
	require.NoError(t, err)

	run := b.runNow(t, config.JobReport, fmt.Sprintf(`{"report_type": "performance_report", "parameters": {"bot_id": %d, "include_charts": true, "windows": [1]}}`, botID), "")
	res := reportResult(t, run)
	raw, err := json.Marshal(res.Report)
	require.NoError(t, err)
	var rep struct {
		Entries []struct {
			Name           string  `json:"name"`
			Kind           string  `json:"kind"`
			BotID          int64   `json:"bot_id"`
			Last           float64 `json:"last"`
			Bars           int     `json:"bars"`
			TotalReturnPct float64 `json:"total_return_pct"`
			MaxDrawdownPct float64 `json:"max_drawdown_pct"`
		} `json:"entries"`
	}
	require.NoError(t, json.Unmarshal(raw, &rep), string(raw))
	require.Len(t, rep.Entries, 1, string(raw))
	e := rep.Entries[0]
	require.Equal(t, "demo", e.Name)
	require.Equal(t, "bot", e.Kind)
	require.Equal(t, botID, e.BotID)
	require.Equal(t, 4, e.Bars)
	require.InDelta(t, 10450, e.Last, 1e-9)
	require.InDelta(t, 4.5, e.TotalReturnPct, 1e-9)
	require.InDelta(t, 10, abs(e.MaxDrawdownPct), 1e-9, string(raw))
	names := []string{}
	for _, c := range res.Charts {
		names = append(names, c.Name)
	}
	require.ElementsMatch(t, []string{fmt.Sprintf("bot-%d-equity.png", botID), fmt.Sprintf("bot-%d-drawdown.png", botID)}, names)
	arts, err := q.ArtifactList(b.ctx, b.pool, run.ID)
	require.NoError(t, err)
	require.Len(t, arts, 2)

	other, err := q.UserCreate(b.ctx, b.pool, dbsqlc.UserCreateParams{Name: "other", Status: "verified"})
	require.NoError(t, err)
	var theirs int64
	require.NoError(t, b.pool.QueryRow(b.ctx, `INSERT INTO trading_bots (user_id, name, strategy, params, symbols, timeframe,
		broker, initial_cash, cash, risk, state) VALUES ($1, 'secret', 'sma_cross', '{}', '{AAPL}', '1m', 'paper', 10000, 10000, '{}', 'stopped')
		RETURNING id`, other.ID).Scan(&theirs))
	cancelled := b.runNow(t, config.JobReport, fmt.Sprintf(`{"report_type": "performance_report", "parameters": {"bot_id": %d}}`, theirs), "")
	require.Equal(t, StatusCancelled, cancelled.Status)
	require.Contains(t, *cancelled.Error, "parameters.bot_id")
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
