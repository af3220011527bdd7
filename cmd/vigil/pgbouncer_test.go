package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/db/dbtest"
)

// Two schedulers, a worker and the API with pooled_database_url through
// PgBouncer in transaction pooling mode (River and LISTEN on the direct
// URL): a schedule created through the API fires every second, each fire
// has one run and one River job, and every run completes.
func TestRolesThroughPgBouncer(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	bouncer := dbtest.PgBouncer(t, d.URL)
	cfgPath := filepath.Join(t.TempDir(), "vigil.json")
	require.NoError(t, os.WriteFile(cfgPath, fmt.Appendf(nil,
		`{"pooled_database_url": %q, "startup_delay": "0s", "shutdown_timeout": "2s", "status_addr": ""}`, bouncer), 0o600))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var uid int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, is_admin, status) VALUES ('ops', true, 'verified') RETURNING id").Scan(&uid))
	token, _, err := api.CreateToken(ctx, d.Pool, nil, uid, "test")
	require.NoError(t, err)

	addr := freePort(t)
	common := []string{"--database-url", d.URL, "--config", cfgPath}
	done := make(chan string, 4)
	for _, args := range [][]string{{"scheduler"}, {"scheduler"}, {"worker"}, {"api", "--api-addr", addr}} {
		go func() {
			var out bytes.Buffer
			code := run(ctx, append(args, common...), &out, &out)
			done <- fmt.Sprintf("%s exited %d: %s", args[0], code, out.String())
		}()
	}
	body := fmt.Sprintf(`{"name": "tick", "job_type": "notification", "cron": "* * * * * *", "target": "x",
		"task_params": {"user_id": %d, "message": "tick"}}`, uid)
	require.Eventually(t, func() bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/api/schedules", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode == http.StatusCreated
	}, 30*time.Second, 100*time.Millisecond, "the API creates a schedule through the pooled connection")

	require.Eventually(t, func() bool {
		var completed int
		_ = d.Pool.QueryRow(ctx, "SELECT count(*) FROM job_schedule_runs WHERE status = 'COMPLETED'").Scan(&completed)
		return completed >= 3
	}, 30*time.Second, 100*time.Millisecond, "fires enqueued through PgBouncer are worked")
	require.Eventually(t, func() bool {
		var n int
		_ = d.Pool.QueryRow(ctx, `SELECT count(DISTINCT system) FROM msg_system_health WHERE status = 'HEALTHY'
			AND metadata->'checks'->'pooled_database'->>'status' = 'HEALTHY'`).Scan(&n)
		return n == 3
	}, 30*time.Second, 100*time.Millisecond, "every role's heartbeat, written through PgBouncer, checks the pooled connection")
	cancel()
	for range 4 {
		select {
		case msg := <-done:
			require.Contains(t, msg, "exited 0", msg)
			require.Contains(t, msg, "short transactions go through the pooled connection", msg)
		case <-time.After(30 * time.Second):
			t.Fatal("a role did not stop")
		}
	}
	var runs, fires, riverJobs int
	require.NoError(t, d.Pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT (job_id, scheduled_for)),
		(SELECT count(*) FROM river_job WHERE kind = 'notification') FROM job_schedule_runs`).Scan(&runs, &fires, &riverJobs))
	require.Equal(t, fires, runs, "one run per fire")
	require.Equal(t, runs, riverJobs, "one River job per run: no duplicate from two schedulers")
}
