package jobs

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/marketdata"
)

// An alert with notify.actions queues them, when it fires, as trading_actions
// rows for its owner's named bot (source alert, the alert's ticker unless an
// action names a symbol), in the alert job's transaction; a fire that does
// not trigger queues nothing.
func TestAlertQueuesTradingActions(t *testing.T) {
	t.Parallel()
	market := &priceProvider{price: 110}
	mgr := marketdata.NewManager(market, nil, 0, slog.New(slog.DiscardHandler))
	t0 := time.Now().Add(-time.Hour).Truncate(time.Minute)
	var evalAt atomic.Int64
	b := setup(t, setupOpts{market: mgr, alertNow: func() time.Time { return time.Unix(0, evalAt.Load()) }})
	s := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "* * * * *", nextRunAt: &t0,
		params: map[string]any{"ticker": "AAPL", "timeframe": "1m",
			"rule":  map[string]any{"indicator": "close", "operator": ">", "value": 100},
			"rearm": map[string]any{"type": "hysteresis", "threshold": 0.02},
			"notify": map[string]any{"channels": []string{"telegram"}, "actions": []any{
				map[string]any{"bot": "swing", "side": "buy", "size_pct": 25},
				map[string]any{"bot": "hedge", "side": "exit", "symbol": "SPY"}}}},
		grace: ptr(int32(1 << 30))})
	for i, price := range []float64{110, 112} { // fires, then waits for the re-arm
		market.set(price)
		at := t0.Add(time.Duration(i) * time.Minute)
		evalAt.Store(at.Add(30 * time.Second).UnixNano())
		b.tickAt(t, at)
		eventually(t, "alert evaluation done", func() bool { return statusCounts(b.runs(t, s.ID))[StatusCompleted] == i+1 })
	}
	runs := b.runs(t, s.ID)
	rows, err := b.pool.Query(b.ctx, `SELECT key, bot, symbol, side, coalesce(size_pct, 0), status, (details->>'run_id')::bigint
		FROM trading_actions WHERE user_id = $1 AND source = 'alert' ORDER BY key`, b.userID)
	require.NoError(t, err)
	defer rows.Close()
	type row struct {
		key, bot, symbol, side, status string
		size                           float64
		runID                          int64
	}
	var got []row
	for rows.Next() {
		var r row
		require.NoError(t, rows.Scan(&r.key, &r.bot, &r.symbol, &r.side, &r.size, &r.status, &r.runID))
		got = append(got, r)
	}
	require.NoError(t, rows.Err())
	fired := int64(runs[0].ID)
	require.Equal(t, []row{
		{key: fmt.Sprintf("alert:%d:0", fired), bot: "swing", symbol: "AAPL", side: "buy", status: "pending", size: 25, runID: fired},
		{key: fmt.Sprintf("alert:%d:1", fired), bot: "hedge", symbol: "SPY", side: "exit", status: "pending", runID: fired},
	}, got, "one row per action of the fire that triggered, none for the one that did not")
}
