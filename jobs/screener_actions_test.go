package jobs

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/screener"
)

// A screener with task_params actions queues, in its run's transaction, one
// trading_actions row (source screener) per action for each of its first
// actions_top_n matches, the action's symbol defaulting to the match's; the
// same run queued again (a retried job) adds nothing.
func TestScreenerQueuesTradingActions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := dbsqlc.New().ScreenerSetUpsert(b.ctx, b.pool, dbsqlc.ScreenerSetUpsertParams{UserID: b.userID, Name: "mega",
		Symbols: []string{"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META"}})
	require.NoError(t, err)
	params := `{"screener_set": "custom:mega", "filter_criteria": {"min_market_cap": 0}, "top_n": 3, "actions_top_n": 2,
		"actions": [{"bot": "swing", "side": "buy", "size_pct": 10}, {"bot": "hedge", "side": "exit", "symbol": "SPY"}]}`
	run := b.runNow(t, config.JobScreener, params, "")
	res := screenerResult(t, run)
	require.Len(t, res.Results, 3)
	require.Equal(t, 4, res.ActionsQueued, "2 matches x 2 actions")

	type row struct {
		key, bot, symbol, side string
		size                   float64
	}
	read := func() []row {
		rows, err := b.pool.Query(b.ctx, `SELECT key, bot, symbol, side, coalesce(size_pct, 0)
			FROM trading_actions WHERE user_id = $1 AND source = 'screener' ORDER BY key`, b.userID)
		require.NoError(t, err)
		defer rows.Close()
		var got []row
		for rows.Next() {
			var r row
			require.NoError(t, rows.Scan(&r.key, &r.bot, &r.symbol, &r.side, &r.size))
			got = append(got, r)
		}
		require.NoError(t, rows.Err())
		return got
	}
	id := run.ID
	want := []row{
		{key: fmt.Sprintf("screener:%d:0:0", id), bot: "swing", symbol: res.Results[0].Symbol, side: "buy", size: 10},
		{key: fmt.Sprintf("screener:%d:0:1", id), bot: "hedge", symbol: "SPY", side: "exit"},
		{key: fmt.Sprintf("screener:%d:1:0", id), bot: "swing", symbol: res.Results[1].Symbol, side: "buy", size: 10},
		{key: fmt.Sprintf("screener:%d:1:1", id), bot: "hedge", symbol: "SPY", side: "exit"},
	}
	require.Equal(t, want, read())

	// A retry of the same run queues nothing twice.
	p, err := screener.ParseParams([]byte(params))
	require.NoError(t, err)
	tx, err := b.pool.Begin(b.ctx)
	require.NoError(t, err)
	n, err := queueScreenerActions(b.ctx, tx, RunRef{UserID: b.userID, RunID: int64(id)}, p, res.Result)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(b.ctx))
	require.Zero(t, n)
	require.Equal(t, want, read())
}
