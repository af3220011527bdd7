package tradingbot_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/tradingbot"
)

// The first decision of a new UTC day sends the owner the previous day's
// P&L summary, once: the equity at the day's last close against the
// equity it started from, and the day's fills.
func TestDailySummaryOncePerUTCDay(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.clock.Add(13*time.Hour + 20*time.Minute) // 23:20:30
	b := e.create(smaDef)
	r := e.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(e.ctx))
	for range 60 { // to 00:20:30 on 3 March
		e.tick(r, time.Minute)
	}
	summaries := func() []string {
		rows, err := e.pool.Query(e.ctx, `SELECT args->>'message' FROM river_job WHERE kind = 'notification'
			AND args->>'message' LIKE '%daily P&L%' ORDER BY id`)
		require.NoError(t, err)
		defer rows.Close()
		var out []string
		for rows.Next() {
			var m string
			require.NoError(t, rows.Scan(&m))
			out = append(out, m)
		}
		return out
	}
	got := summaries()
	require.Len(t, got, 1)
	var eq decimal.Decimal
	require.NoError(t, e.pool.QueryRow(e.ctx, `SELECT equity FROM bot_equity_snapshots WHERE bot_id = $1 AND bar_time = '2026-03-02T23:59:00Z'`,
		b.ID).Scan(&eq))
	fills := count(t, e.pool, `SELECT count(*) FROM bot_fills WHERE bot_id = $1 AND bar_time < '2026-03-03'`, b.ID)
	pnl := eq.Sub(decimal.NewFromInt(10000))
	sign := "+"
	if pnl.IsNegative() {
		sign = ""
	}
	require.Equal(t, fmt.Sprintf("Trading bot sma, daily P&L for 2026-03-02 (UTC): %s%s (%s%s%%), equity %s, %d fills.",
		sign, pnl.StringFixed(2), sign, pnl.Div(decimal.NewFromInt(100)).StringFixed(2), eq.StringFixed(2), fills), got[0])
	require.Positive(t, fills)

	e.clock.Add(23 * time.Hour) // 23:20:30 on 3 March; the bars between are skipped
	for range 60 {
		e.tick(r, time.Minute)
	}
	got = summaries()
	require.Len(t, got, 2, "one more for 3 March")
	require.Contains(t, got[1], "daily P&L for 2026-03-03 (UTC)")
}
