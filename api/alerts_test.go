package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRunAlertNow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	alice := b.user("alice", userOpts{})
	bob := b.user("bob", userOpts{})

	// The design's short form, on the default synthetic market data.
	r := b.do(http.MethodPost, "/api/alerts/run", alice.token, map[string]any{
		"symbol": "AAPL", "condition": "price_above", "threshold": 1, "notification_channels": []string{"telegram"}})
	body := b.must(http.StatusCreated, r)
	ev := body["evaluation"].(map[string]any)
	require.Equal(t, true, ev["matched"], "synthetic AAPL trades above 1")
	require.Equal(t, "close > 1", ev["condition"])
	require.NotEmpty(t, ev["message"])
	run := body["run"].(map[string]any)
	require.Equal(t, "adhoc", run["trigger"])
	require.Equal(t, "COMPLETED", run["status"])
	require.Nil(t, run["schedule_id"])
	require.Equal(t, 1, b.audits("alert.run"))

	// The run is the caller's: visible to alice, a 404 for bob.
	id := int64(run["id"].(float64))
	b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", id), alice.token, nil))
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", id), bob.token, nil).status)

	// The full form with an indicator.
	r = b.do(http.MethodPost, "/api/alerts/run", alice.token, map[string]any{
		"ticker": "MSFT", "timeframe": "1h",
		"rule":   map[string]any{"indicator": "rsi", "period": 14, "operator": "<", "value": 101},
		"notify": map[string]any{"channels": []string{"telegram"}}})
	ev = b.must(http.StatusCreated, r)["evaluation"].(map[string]any)
	require.Equal(t, true, ev["matched"], "RSI is always below 101")
	require.Contains(t, ev["details"], "rsi(14)")

	// Bad input names the field.
	r = b.do(http.MethodPost, "/api/alerts/run", alice.token, map[string]any{"symbol": "AAPL", "condition": "price_sideways", "threshold": 1})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Contains(t, r.errLocations(t), "body.task_params/condition")
	require.Equal(t, http.StatusUnauthorized, b.do(http.MethodPost, "/api/alerts/run", "", map[string]any{}).status)
}
