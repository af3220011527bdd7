package jobs

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/marketdata"
)

// A group of 1,000 alerts with one invalid config records 999 outcomes and
// 1 failure, all in the group's one job and its one attempt.
func TestThousandAlertsOneInvalidConfigOneJob(t *testing.T) {
	t.Parallel()
	market := &priceProvider{price: 150}
	mgr := marketdata.NewManager(market, nil, time.Minute, slog.New(slog.DiscardHandler))
	b := setup(t, setupOpts{market: mgr, noStart: true})
	at := time.Now().Truncate(time.Minute)
	params, _ := json.Marshal(map[string]any{"symbol": "MSFT", "condition": "price_above", "threshold": 120, "timeframe": "1h"})
	_, err := b.pool.Exec(b.ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron, next_run_at)
		SELECT $1, 'a' || g, 'alert', 'MSFT', $2, '* * * * *', $3 FROM generate_series(1, 1000) g`, b.userID, params, at)
	require.NoError(t, err)
	st := b.tickAt(t, at)
	require.Equal(t, 1000, st.Runs)
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM river_job WHERE kind = 'alert'"), "one job carries the group")
	// One alert's config, inside the queued group job, is invalid.
	_, err = b.pool.Exec(b.ctx, `UPDATE river_job SET args = jsonb_set(args, '{alerts,500,params}',
		'{"ticker": "MSFT", "timeframe": "1h", "rule": {"operator": "xor", "conditions": []}}') WHERE kind = 'alert'`)
	require.NoError(t, err)
	require.NoError(t, b.client.Start(b.ctx))
	t.Cleanup(func() { _ = b.client.Shutdown(context.Background(), time.Second) })

	eventually(t, "every alert run finished", func() bool {
		return b.count(t, "SELECT count(*) FROM job_schedule_runs WHERE status IN ('COMPLETED', 'FAILED')") == 1000
	})
	require.Equal(t, 999, b.count(t, "SELECT count(*) FROM job_schedule_runs WHERE status = 'COMPLETED' AND result IS NOT NULL"))
	require.Equal(t, 1, b.count(t, `SELECT count(*) FROM job_schedule_runs WHERE status = 'FAILED' AND error LIKE '%alert config%'`))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM river_job WHERE kind = 'alert' AND state = 'completed' AND attempt = 1"),
		"the group's one job completed on its first attempt")
	require.Equal(t, 1000, b.count(t, "SELECT count(DISTINCT job_id) FROM job_schedule_runs"), "one run per alert")
}
