package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/jobs"
)

func TestRunGetListCancel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})
	admin := b.user("root", userOpts{admin: true})
	s1 := b.schedule(u, notifySchedule(u.id, "0 9 * * *"))
	s2 := b.schedule(u, notifySchedule(u.id, "0 10 * * *"))
	r1, r2, r3 := b.run(u, s1), b.run(u, s1), b.run(u, s2)
	theirs := b.run(other, b.schedule(other, notifySchedule(other.id, "0 9 * * *")))

	run := b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", r1), u.token, nil))
	require.Equal(t, "PENDING", run["status"])
	require.Equal(t, "notification", run["job_type"])
	require.Equal(t, float64(u.id), run["user_id"])
	require.Equal(t, float64(s1), run["schedule_id"])
	require.NotEmpty(t, run["run_id"])
	require.Contains(t, run, "job_snapshot")

	ids := func(m map[string]any) []int64 {
		var out []int64
		for _, it := range m["items"].([]any) {
			out = append(out, int64(it.(map[string]any)["id"].(float64)))
		}
		return out
	}
	list := func(token, query string) []int64 {
		return ids(b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs"+query, token, nil)))
	}
	require.Equal(t, []int64{r3, r2, r1}, list(u.token, ""))
	require.Equal(t, []int64{r2, r1}, list(u.token, fmt.Sprintf("?schedule_id=%d", s1)))
	require.Equal(t, []int64{r3, r2, r1}, list(u.token, "?job_type=notification&status=PENDING"))
	require.Empty(t, list(u.token, "?status=FAILED"))
	require.Empty(t, list(u.token, "?job_type=report"))
	require.Empty(t, list(u.token, fmt.Sprintf("?schedule_id=%d", s1+100)))
	require.Equal(t, []int64{theirs}, list(other.token, ""))
	require.Equal(t, []int64{theirs, r3, r2, r1}, list(admin.token, ""), "admins see every run")
	require.Equal(t, []int64{theirs}, list(admin.token, fmt.Sprintf("?user_id=%d", other.id)))

	hour := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	require.Empty(t, list(u.token, "?from="+url.QueryEscape(hour)))
	require.Equal(t, []int64{r3, r2, r1}, list(u.token, "?to="+url.QueryEscape(hour)))
	r := b.do(http.MethodGet, "/api/runs?from=tomorrow", u.token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Equal(t, []string{"query.from"}, r.errLocations(t))
	require.Equal(t, http.StatusUnprocessableEntity, b.do(http.MethodGet, "/api/runs?status=DONE", u.token, nil).status)
	require.Equal(t, http.StatusBadRequest, b.do(http.MethodGet, "/api/runs?cursor=%21", u.token, nil).status)

	// Cursor pagination.
	first := b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs?limit=2", u.token, nil))
	require.Equal(t, []int64{r3, r2}, ids(first))
	second := b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs?limit=2&cursor="+first["next_cursor"].(string), u.token, nil))
	require.Equal(t, []int64{r1}, ids(second))
	require.NotContains(t, second, "next_cursor")

	// Cancel a pending run: the run and its River job are cancelled.
	c := b.must(http.StatusOK, b.do(http.MethodDelete, fmt.Sprintf("/api/runs/%d?reason=changed+my+mind", r1), u.token, nil))
	require.Equal(t, "CANCELLED", c["status"])
	require.Equal(t, "changed my mind", c["error"])
	require.NotNil(t, c["finished_at"])
	var state string
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT state FROM river_job WHERE id = $1", int64(c["river_job_id"].(float64))).Scan(&state))
	require.Equal(t, "cancelled", state)
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'run.cancel' AND entity_id = $1 AND actor_user_id = $2",
		fmt.Sprint(r1), u.id))

	// A finished run cannot be cancelled.
	r = b.do(http.MethodDelete, fmt.Sprintf("/api/runs/%d", r1), u.token, nil)
	require.Equal(t, http.StatusConflict, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "is CANCELLED; only PENDING or RUNNING runs can be cancelled")
	b.exec("UPDATE job_schedule_runs SET status = 'COMPLETED', finished_at = now() WHERE id = $1", r2)
	require.Equal(t, http.StatusConflict, b.do(http.MethodDelete, fmt.Sprintf("/api/runs/%d", r2), u.token, nil).status)
	// A running one can; an admin may cancel anyone's.
	b.exec("UPDATE job_schedule_runs SET status = 'RUNNING', started_at = now() WHERE id = $1", theirs)
	require.Equal(t, "CANCELLED", b.must(http.StatusOK, b.do(http.MethodDelete, fmt.Sprintf("/api/runs/%d", theirs), admin.token, nil))["status"])

	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, "/api/runs/999999", u.token, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodDelete, "/api/runs/999999", u.token, nil).status)
}

func TestRunStats(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})
	admin := b.user("root", userOpts{admin: true})
	insert := func(userID int64, jobType, status string, age, took time.Duration) {
		b.exec(`INSERT INTO job_schedule_runs (job_type, user_id, status, enqueued_at, started_at, finished_at, skip_reason)
			VALUES ($1, $2, $3, now() - $4::interval, now() - $4::interval,
			        CASE WHEN $3 IN ('COMPLETED', 'FAILED') THEN now() - $4::interval + $5::interval END,
			        CASE WHEN $3 = 'SKIPPED' THEN 'misfire' END)`,
			jobType, userID, status, age.String(), took.String())
	}
	insert(u.id, "report", "COMPLETED", time.Hour, 2*time.Second)
	insert(u.id, "report", "COMPLETED", 26*time.Hour, 4*time.Second)
	insert(u.id, "report", "FAILED", time.Hour, time.Second)
	insert(u.id, "alert", "COMPLETED", time.Hour, 10*time.Second)
	insert(u.id, "alert", "SKIPPED", time.Hour, 0)
	insert(u.id, "report", "COMPLETED", 10*24*time.Hour, time.Second) // outside 7 days
	insert(other.id, "report", "FAILED", time.Hour, time.Second)

	st := b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs/stats?job_type=report&days=7", u.token, nil))
	require.Equal(t, float64(u.id), st["user_id"])
	require.Equal(t, "report", st["job_type"])
	require.Equal(t, float64(3), st["total"])
	byStatus := st["by_status"].(map[string]any)
	require.Equal(t, float64(2), byStatus["COMPLETED"])
	require.Equal(t, float64(1), byStatus["FAILED"])
	require.Equal(t, float64(0), byStatus["PENDING"])
	require.InDelta(t, 2.0/3.0, st["success_rate"], 1e-9)
	require.InDelta(t, 3.0, st["avg_duration"], 1e-6)
	require.InDelta(t, 4.0, st["max_duration"], 1e-6)
	perDay := st["per_day"].([]any)
	require.NotEmpty(t, perDay)
	days := 0.0
	for _, d := range perDay {
		days += d.(map[string]any)["total"].(float64)
	}
	require.Equal(t, 3.0, days, "the days add up to the total")

	all := b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs/stats", u.token, nil))
	require.Equal(t, float64(5), all["total"])
	require.Equal(t, float64(1), all["by_status"].(map[string]any)["SKIPPED"])
	require.Equal(t, float64(6), b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs/stats?days=30", u.token, nil))["total"])

	// Admins see every user's runs, or one user's.
	adm := b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs/stats?job_type=report", admin.token, nil))
	require.Nil(t, adm["user_id"])
	require.Equal(t, float64(4), adm["total"])
	require.Equal(t, float64(1),
		b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/stats?user_id=%d", other.id), admin.token, nil))["total"])
	// A user's user_id does not widen the view.
	require.Equal(t, float64(5),
		b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/stats?user_id=%d", other.id), u.token, nil))["total"])

	empty := b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs/stats?job_type=backup", u.token, nil))
	require.Nil(t, empty["success_rate"])
	require.Equal(t, float64(0), empty["total"])
	require.Equal(t, http.StatusUnprocessableEntity, b.do(http.MethodGet, "/api/runs/stats?days=0", u.token, nil).status)
	require.Equal(t, http.StatusUnprocessableEntity, b.do(http.MethodGet, "/api/runs/stats?job_type=x", u.token, nil).status)
}

// GET /api/runs/{id} shows an alert run's trace to its owner only.
func TestRunShowsAlertTrace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})
	cfg, err := alerts.Parse([]byte(`{"ticker": "AAPL", "timeframe": "1h", "rule": {"indicator": "close", "operator": ">", "value": 100},
		"rearm": {"type": "cooldown", "cooldown": 3600}}`))
	require.NoError(t, err)
	at := time.Date(2027, 1, 4, 14, 0, 0, 0, time.UTC)
	series := bars.Series{{Time: at, Open: 100, High: 102, Low: 99, Close: 101, Volume: 1}}
	ev, err := cfg.EvaluateWith(alerts.Input{Series: series, Now: at.Add(5 * time.Minute), Trace: true})
	require.NoError(t, err)
	prev := alerts.NewState()
	d := cfg.Step(prev, ev, at.Add(5*time.Minute))
	tr := cfg.Explain(prev, ev, d, at.Add(5*time.Minute))
	result, err := json.Marshal(jobs.AlertResult{Symbol: "AAPL", Fired: d.Fire, Trace: &tr})
	require.NoError(t, err)
	var id int64
	require.NoError(t, b.pool.QueryRow(b.ctx, `INSERT INTO job_schedule_runs (job_type, user_id, status, trigger, result)
		VALUES ('alert', $1, 'COMPLETED', 'adhoc', $2) RETURNING id`, u.id, result).Scan(&id))

	run := b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", id), u.token, nil))
	trace := run["result"].(map[string]any)["trace"].(map[string]any)
	require.Equal(t, "fired: condition true and the alert was armed", trace["why"])
	require.Equal(t, "cooldown: armed again at 15:05 UTC", trace["next"])
	require.Equal(t, "COOLDOWN", trace["after"].(map[string]any)["status"])
	rule := trace["rule"].(map[string]any)
	require.Equal(t, ">", rule["op"])
	require.Equal(t, "true", rule["outcome"])
	require.Equal(t, []any{
		map[string]any{"role": "left", "label": "close", "value": 101.0},
		map[string]any{"role": "right", "label": "100", "value": 100.0, "const": true},
	}, rule["operands"])

	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", id), other.token, nil).status)
}

// Run ids are bigint: a run past int4 is found, listed and paged; an id past
// int8 is refused naming the path parameter.
func TestRunIDsPastInt32(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	s := b.schedule(u, notifySchedule(u.id, "0 9 * * *"))
	b.exec("SELECT setval(pg_get_serial_sequence('job_schedule_runs', 'id'), 3000000000)")
	r1, r2 := b.run(u, s), b.run(u, s)
	require.Equal(t, int64(3000000001), r1)

	run := b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", r2), u.token, nil))
	require.Equal(t, float64(r2), run["id"])
	first := b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs?limit=1", u.token, nil))
	require.Equal(t, float64(r2), first["items"].([]any)[0].(map[string]any)["id"])
	second := b.must(http.StatusOK, b.do(http.MethodGet, "/api/runs?limit=1&cursor="+first["next_cursor"].(string), u.token, nil))
	require.Equal(t, float64(r1), second["items"].([]any)[0].(map[string]any)["id"], "the cursor carries a 64-bit id")
	arts := b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d/artifacts", r1), u.token, nil))
	require.Equal(t, float64(r1), arts["run_id"])

	r := b.do(http.MethodGet, "/api/runs/9223372036854775808", u.token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"path.id"}, r.errLocations(t))
}
