package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/jobs"
)

// riverJob is the River job of a run.
type riverJob struct {
	Kind  string
	Queue string
	Args  struct {
		Run    jobs.RunRef     `json:"run"`
		Target string          `json:"target"`
		Params json.RawMessage `json:"params"`
	}
}

// jobOf loads the River job of run id.
func (b *bundle) jobOf(runID int64) riverJob {
	b.t.Helper()
	var j riverJob
	var args []byte
	require.NoError(b.t, b.pool.QueryRow(b.ctx, `SELECT j.kind, j.queue, j.args FROM river_job j
		JOIN job_schedule_runs r ON r.river_job_id = j.id WHERE r.id = $1`, runID).Scan(&j.Kind, &j.Queue, &args))
	require.NoError(b.t, json.Unmarshal(args, &j.Args))
	return j
}

// started asserts a run-now answer and returns the run id.
func (b *bundle) started(r resp, jobType string) int64 {
	b.t.Helper()
	got := b.must(http.StatusAccepted, r)
	id := int64(got["run_id"].(float64))
	run := fmt.Sprintf("/api/runs/%d", id)
	require.Equal(b.t, "PENDING", got["status"])
	require.Equal(b.t, jobType, got["job_type"])
	require.Equal(b.t, map[string]any{"run": run, "artifacts": run + "/artifacts"}, got["links"])
	require.Equal(b.t, run, r.header.Get("Location"))
	return id
}

// problemAt asserts a problem document with status naming exactly where.
func (b *bundle) problemAt(status int, r resp, where ...string) {
	b.t.Helper()
	require.Equal(b.t, status, r.status, string(r.raw))
	require.Equal(b.t, "application/problem+json", r.header.Get("Content-Type"))
	require.Equal(b.t, where, r.errLocations(b.t), string(r.raw))
}

func TestRunReport(t *testing.T) {
	t.Parallel()
	b := setup(t, adhocKinds)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})
	run := func(token string, body any) resp { return b.do(http.MethodPost, "/api/reports/run", token, body) }

	// A daily summary: a PENDING ad-hoc run with a report job of the same params.
	id := b.started(run(u.token, map[string]any{"report_type": "daily_summary",
		"parameters": map[string]any{"symbols": []string{"aapl", "MSFT", "AAPL"}, "include_charts": true}}), "report")
	got := b.must(http.StatusOK, b.do(http.MethodGet, fmt.Sprintf("/api/runs/%d", id), u.token, nil))
	require.Equal(t, "PENDING", got["status"])
	require.Equal(t, "adhoc", got["trigger"])
	require.Equal(t, "report", got["job_type"])
	require.Nil(t, got["schedule_id"])
	require.Equal(t, float64(u.id), got["user_id"])
	want := `{"report_type":"daily_summary","parameters":{"symbols":["AAPL","MSFT"],"include_charts":true}}`
	snapshot, err := json.Marshal(got["job_snapshot"])
	require.NoError(t, err)
	require.JSONEq(t, want, string(snapshot))
	job := b.jobOf(id)
	require.Equal(t, config.JobReport, job.Kind)
	require.Equal(t, config.JobReport, job.Queue)
	require.Equal(t, id, job.Args.Run.RunID)
	require.Equal(t, u.id, job.Args.Run.UserID)
	require.Zero(t, job.Args.Run.ScheduleID)
	require.JSONEq(t, want, string(job.Args.Params))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'report.run' AND entity_id = $1 AND actor_user_id = $2",
		fmt.Sprint(id), u.id))

	// A portfolio analysis of the caller's portfolio.
	pid := b.portfolio(u, "main", map[string]any{"symbol": "AAPL", "quantity": 10, "cost_basis": 150})
	id = b.started(run(u.token, map[string]any{"report_type": "portfolio_analysis", "parameters": map[string]any{"portfolio_id": pid}}), "report")
	require.JSONEq(t, fmt.Sprintf(`{"report_type":"portfolio_analysis","parameters":{"portfolio_id":%d}}`, pid), string(b.jobOf(id).Args.Params))
	b.started(run(u.token, map[string]any{"report_type": "performance_report", "parameters": map[string]any{"portfolio_id": pid, "windows": []int{5, 20}}}), "report")

	// Bad input: a 4xx problem naming the field, and nothing recorded.
	empty := b.portfolio(u, "empty")
	theirs := b.portfolio(other, "theirs", map[string]any{"symbol": "MSFT", "quantity": 1, "cost_basis": 1})
	for _, tc := range []struct {
		body  any
		where string
	}{
		{map[string]any{"report_type": "weekly"}, "body.report_type"},
		{map[string]any{"parameters": map[string]any{"symbols": []string{"AAPL"}}}, "body"}, // huma: "expected required property report_type"
		{map[string]any{"report_type": "daily_summary"}, "body.parameters.symbols"},
		{map[string]any{"report_type": "daily_summary", "parameters": map[string]any{"symbols": []string{"AAPL", "AA$PL"}}}, "body.parameters.symbols[1]"},
		{map[string]any{"report_type": "daily_summary", "parameters": map[string]any{"symbols": []string{}}}, "body.parameters.symbols"},
		{map[string]any{"report_type": "daily_summary", "parameters": map[string]any{"symbols": []string{"AAPL"}, "colour": "red"}}, "body.parameters.colour"},
		{map[string]any{"report_type": "daily_summary", "parameters": map[string]any{"symbols": []string{"AAPL"}, "timeframe": "2h"}}, "body.parameters.timeframe"},
		{map[string]any{"report_type": "portfolio_analysis"}, "body.parameters.portfolio_id"},
		{map[string]any{"report_type": "portfolio_analysis", "parameters": map[string]any{"portfolio_id": 0}}, "body.parameters.portfolio_id"},
		{map[string]any{"report_type": "portfolio_analysis", "parameters": map[string]any{"portfolio_id": theirs}}, "body.parameters.portfolio_id"},
		{map[string]any{"report_type": "portfolio_analysis", "parameters": map[string]any{"portfolio_id": empty}}, "body.parameters.portfolio_id"},
		{map[string]any{"report_type": "performance_report", "parameters": map[string]any{"portfolio_id": theirs}}, "body.parameters.portfolio_id"},
		{map[string]any{"report_type": "performance_report"}, "body.parameters.symbols"},
	} {
		b.problemAt(http.StatusUnprocessableEntity, run(u.token, tc.body), tc.where)
	}
	r := run(u.token, map[string]any{"report_type": "portfolio_analysis", "parameters": map[string]any{"portfolio_id": theirs}})
	require.Contains(t, string(r.raw), fmt.Sprintf("portfolio %d not found", theirs), "another user's portfolio is not found")
	require.Equal(t, http.StatusBadRequest, run(u.token, `{"report_type": `).status)
	require.Equal(t, http.StatusUnauthorized, run("", map[string]any{"report_type": "daily_summary"}).status)
	require.Equal(t, 3, b.count("SELECT count(*) FROM job_schedule_runs WHERE user_id = $1", u.id))
	require.Equal(t, 3, b.count("SELECT count(*) FROM river_job WHERE kind = 'report'"))
	require.Equal(t, 0, b.count("SELECT count(*) FROM job_schedule_runs WHERE user_id = $1", other.id))

	// Three runs are pending (nothing works them here): a fourth is refused
	// until one finishes; another user is not affected.
	daily := map[string]any{"report_type": "daily_summary", "parameters": map[string]any{"symbols": []string{"AAPL"}}}
	tooMany := run(u.token, daily)
	require.Equal(t, http.StatusTooManyRequests, tooMany.status, string(tooMany.raw))
	require.Contains(t, string(tooMany.raw), "already have 3 runs waiting or running")
	require.Equal(t, 3, b.count("SELECT count(*) FROM job_schedule_runs WHERE user_id = $1", u.id))
	b.started(run(other.token, daily), "report")
	_, err = b.pool.Exec(b.ctx, "UPDATE job_schedule_runs SET status = 'COMPLETED' WHERE id = $1", id)
	require.NoError(t, err)
	b.started(run(u.token, daily), "report")
}

// Without a report worker in the build, a report run would wait forever:
// it is refused.
func TestRunReportNoWorker(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if slices.Contains(b.client.Kinds, config.JobReport) {
		t.Skip("this build has a report worker")
	}
	u := b.user("ann", userOpts{})
	r := b.do(http.MethodPost, "/api/reports/run", u.token, map[string]any{"report_type": "daily_summary",
		"parameters": map[string]any{"symbols": []string{"AAPL"}}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Contains(t, string(r.raw), "no worker for job type report")
	require.Equal(t, 0, b.count("SELECT count(*) FROM job_schedule_runs"))
}

// portfolio creates a portfolio with holdings through the API and returns its id.
func (b *bundle) portfolio(u user, name string, holdings ...map[string]any) int64 {
	b.t.Helper()
	body := map[string]any{"name": name}
	if len(holdings) > 0 {
		body["holdings"] = holdings
	}
	p := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/portfolios", u.token, body))
	return int64(p["id"].(float64))
}
