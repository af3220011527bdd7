package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// A screener schedule's actions must name one of the owner's bots: another
// name is a 422 naming body.task_params/actions/N/bot; a bad side is refused
// by the shared actions schema; the owner's bot name is accepted.
func TestScreenerActionsBotLookedUp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("alice", userOpts{})
	schedule := func(action map[string]any) map[string]any {
		return map[string]any{"name": "value buys", "job_type": "screener", "target": "", "cron": "0 21 * * 1-5",
			"task_params": map[string]any{"screener_set": "sp500", "filter_criteria": map[string]any{"max_pe_ratio": 20},
				"actions": []any{action}, "actions_top_n": 2}}
	}
	r := b.do(http.MethodPost, "/api/schedules", u.token, schedule(map[string]any{"bot": "sma-demo", "side": "buy", "size_pct": 10}))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.task_params/actions/0/bot"}, r.errLocations(t))
	require.Contains(t, string(r.raw), `you have no trading bot named \"sma-demo\"`)

	r = b.do(http.MethodPost, "/api/schedules", u.token, schedule(map[string]any{"bot": "sma-demo", "side": "short", "size_pct": 10}))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Contains(t, r.errLocations(t)[0], "body.task_params/actions/0/side")

	require.Equal(t, http.StatusCreated, b.do(http.MethodPost, "/api/bots", u.token, jsonBody(t, botBody)).status)
	b.must(http.StatusCreated, b.do(http.MethodPost, "/api/schedules", u.token, schedule(map[string]any{"bot": "sma-demo", "side": "buy", "size_pct": 10})))
}
