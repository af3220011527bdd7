package api_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// alertWithActions is an alert schedule (full form) whose notify carries
// trading-bot actions naming bots.
func alertWithActions(bots ...string) map[string]any {
	actions := make([]any, len(bots))
	for i, b := range bots {
		actions[i] = map[string]any{"bot": b, "side": "buy", "size_pct": 10}
	}
	return map[string]any{"name": "breakout buys", "job_type": "alert", "target": "", "cron": "*/5 * * * *",
		"task_params": map[string]any{"ticker": "AAPL", "timeframe": "1d",
			"rule":   map[string]any{"indicator": "close", "operator": ">", "value": 100},
			"notify": map[string]any{"channels": []string{"telegram"}, "actions": actions}}}
}

// An alert's notify.actions must name the owner's bots, at create and at
// replace: an unknown name, or another user's bot, is a 422 naming
// body.task_params/notify/actions/N/bot and stores nothing.
func TestAlertActionsBotLookedUp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice, bob := b.user("alice", userOpts{}), b.user("bob", userOpts{})
	require.Equal(t, http.StatusCreated, b.do(http.MethodPost, "/api/bots", bob.token, jsonBody(t, botBody)).status)

	before := b.rowCounts()
	r := b.do(http.MethodPost, "/api/schedules", alice.token, alertWithActions("sma-demo"))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.task_params/notify/actions/0/bot"}, r.errLocations(t), "bob's bot is not alice's")
	require.Contains(t, string(r.raw), `you have no trading bot named \"sma-demo\"`)
	require.Equal(t, before, b.rowCounts(), "a refused schedule stores nothing")

	require.Equal(t, http.StatusCreated, b.do(http.MethodPost, "/api/bots", alice.token, jsonBody(t, botBody)).status)
	r = b.do(http.MethodPost, "/api/schedules", alice.token, alertWithActions("sma-demo", "nosuch"))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.task_params/notify/actions/1/bot"}, r.errLocations(t))

	created := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/schedules", alice.token, alertWithActions("sma-demo")))
	id := strconv.FormatInt(int64(created["id"].(float64)), 10)
	get := b.do(http.MethodGet, "/api/schedules/"+id, alice.token, nil)
	r = b.do(http.MethodPut, "/api/schedules/"+id, alice.token, alertWithActions("gone"), "If-Match", get.header.Get("ETag"))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.task_params/notify/actions/0/bot"}, r.errLocations(t))
	got := b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules/"+id, alice.token, nil))
	require.Equal(t, "sma-demo", got["task_params"].(map[string]any)["notify"].(map[string]any)["actions"].([]any)[0].(map[string]any)["bot"],
		"the refused replace changed nothing")
}
