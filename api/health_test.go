package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHealth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})

	h := b.must(http.StatusOK, b.do(http.MethodGet, "/api/v1/health", u.token, nil))
	require.Equal(t, "UNKNOWN", h["status"], "nothing has reported yet")
	require.Empty(t, h["systems"])

	beat := func(system, component, status, age string) {
		b.exec(`INSERT INTO msg_system_health (system, component, status, error_message, checked_at)
			VALUES ($1, $2, $3, NULLIF($4, ''), now() - $5::interval)`, system, component, status,
			map[bool]string{true: "", false: "trouble"}[status == "HEALTHY"], age)
	}
	beat("scheduler", "serve", "DOWN", "10 seconds") // superseded below
	beat("scheduler", "serve", "HEALTHY", "1 second")
	beat("telegram_bot", "bot", "HEALTHY", "1 second")
	h = b.must(http.StatusOK, b.do(http.MethodGet, "/api/v1/health", u.token, nil))
	require.Equal(t, "HEALTHY", h["status"], "the latest row per component counts")
	require.Equal(t, map[string]any{"HEALTHY": float64(2)}, h["counts"])

	beat("notifier", "telegram", "DEGRADED", "1 second")
	beat("notifier", "webhook", "HEALTHY", "1 second")
	beat("trading_bot", "broker", "HEALTHY", "1 hour") // stale
	h = b.must(http.StatusOK, b.do(http.MethodGet, "/api/v1/health", u.token, nil))
	require.Equal(t, "DOWN", h["status"], "the worst system: a stale heartbeat reads as DOWN")
	require.Equal(t, map[string]any{"HEALTHY": float64(2), "DEGRADED": float64(1), "DOWN": float64(1)}, h["counts"])
	beat("database", "pool", "DOWN", "1 second")
	require.Equal(t, "DOWN", b.must(http.StatusOK, b.do(http.MethodGet, "/api/v1/health", u.token, nil))["status"])

	systems := b.must(http.StatusOK, b.do(http.MethodGet, "/api/v1/health/systems", u.token, nil))["systems"].([]any)
	require.Len(t, systems, 5)
	require.Equal(t, "database", systems[0].(map[string]any)["system"], "in name order")

	n := b.must(http.StatusOK, b.do(http.MethodGet, "/api/v1/health/system/notifier", u.token, nil))
	require.Equal(t, "DEGRADED", n["status"])
	comps := n["components"].([]any)
	require.Len(t, comps, 2)
	tg := comps[0].(map[string]any)
	require.Equal(t, "telegram", tg["component"])
	require.Equal(t, "trouble", tg["error_message"])
	tb := b.must(http.StatusOK, b.do(http.MethodGet, "/api/v1/health/system/trading_bot", u.token, nil))
	require.Equal(t, "DOWN", tb["status"])
	broker := tb["components"].([]any)[0].(map[string]any)
	require.Equal(t, true, broker["stale"])
	require.Equal(t, "HEALTHY", broker["reported_status"])

	r := b.do(http.MethodGet, "/api/v1/health/system/nope", u.token, nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Contains(t, string(r.raw), "system nope not found")

	bad := b.must(http.StatusOK, b.do(http.MethodGet, "/api/v1/health/unhealthy", u.token, nil))["systems"].([]any)
	var names []string
	for _, s := range bad {
		m := s.(map[string]any)
		names = append(names, m["system"].(string))
		for _, c := range m["components"].([]any) {
			require.NotEqual(t, "HEALTHY", c.(map[string]any)["status"], "only the unhealthy components")
		}
	}
	require.Equal(t, []string{"database", "notifier", "trading_bot"}, names)

	require.Equal(t, http.StatusUnauthorized, b.do(http.MethodGet, "/api/v1/health", "", nil).status)
}
