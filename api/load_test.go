package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
)

// TestLoopbackLoad measures the API over loopback: 200 concurrent clients,
// each with its own user and token, alternately list their runs and create a
// schedule for 30 s, and the test logs throughput and latency per operation.
// It asserts nothing about time, only that every request succeeded and every
// 201 left a schedule. The run is bounded by its duration and by a request
// cap per client, and it sends traffic only to the loopback test server.
//
//	VIGIL_LOADTEST=1 go test -run TestLoopbackLoad -v ./api/
//
// VIGIL_LOADTEST_DURATION (e.g. 5s) and VIGIL_LOADTEST_CLIENTS change the
// defaults.
func TestLoopbackLoad(t *testing.T) {
	if os.Getenv("VIGIL_LOADTEST") != "1" {
		t.Skip("set VIGIL_LOADTEST=1 to run the loopback load test")
	}
	clients := 200
	if n, err := strconv.Atoi(os.Getenv("VIGIL_LOADTEST_CLIENTS")); err == nil && n > 0 {
		clients = n
	}
	duration := 30 * time.Second
	if d, err := time.ParseDuration(os.Getenv("VIGIL_LOADTEST_DURATION")); err == nil && d > 0 {
		duration = d
	}
	const maxPerClient = 20000 // a bound besides the duration

	// No schedule quota: every client keeps creating.
	b := setup(t, setupOpts{cfg: func(c *config.Config) { c.MaxSchedulesPerUser = 0 }})
	u, err := url.Parse(b.srv.URL)
	require.NoError(t, err)
	host, _, err := net.SplitHostPort(u.Host)
	require.NoError(t, err)
	require.True(t, net.ParseIP(host).IsLoopback(), "the load test only targets loopback, not %s", host)

	// Each client's user has a schedule with three runs to list.
	users := make([]user, clients)
	for i := range users {
		users[i] = b.user(fmt.Sprintf("load%d", i), userOpts{})
		id := b.schedule(users[i], notifySchedule(users[i].id, "0 * * * *"))
		for range 3 {
			b.run(users[i], id)
		}
	}
	seeded := b.count("SELECT count(*) FROM job_schedules")

	// One keep-alive connection per client.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	t.Cleanup(hc.CloseIdleConnections)

	type result struct {
		lat     map[string][]time.Duration
		fails   int
		created int    // 201s
		first   string // the first failure
	}
	results := make([]result, clients)
	start := time.Now()
	deadline := start.Add(duration)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			me := users[c]
			res := result{lat: map[string][]time.Duration{}}
			body, _ := json.Marshal(notifySchedule(me.id, "15 9 * * 1-5"))
			for i := 0; i < maxPerClient && time.Now().Before(deadline); i++ {
				op, method, path, want := "list-runs", http.MethodGet, "/api/runs?limit=20", http.StatusOK
				var rd io.Reader
				if (i+c)%2 == 1 {
					op, method, path, want = "create-schedule", http.MethodPost, "/api/schedules", http.StatusCreated
					rd = bytes.NewReader(body)
				}
				req, err := http.NewRequestWithContext(b.ctx, method, b.srv.URL+path, rd)
				if err != nil {
					res.fails++
					continue
				}
				req.Header.Set("Authorization", "Bearer "+me.token)
				if rd != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				t0 := time.Now()
				r, err := hc.Do(req)
				if err != nil {
					if res.fails++; res.first == "" {
						res.first = op + ": " + err.Error()
					}
					continue
				}
				_, _ = io.Copy(io.Discard, r.Body)
				_ = r.Body.Close()
				res.lat[op] = append(res.lat[op], time.Since(t0))
				switch {
				case r.StatusCode != want:
					if res.fails++; res.first == "" {
						res.first = fmt.Sprintf("%s: status %d", op, r.StatusCode)
					}
				case want == http.StatusCreated:
					res.created++
				}
			}
			results[c] = res
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	lat := map[string][]time.Duration{}
	failures, created, first := 0, 0, ""
	for _, r := range results {
		for op, l := range r.lat {
			lat[op] = append(lat[op], l...)
		}
		failures += r.fails
		created += r.created
		if first == "" {
			first = r.first
		}
	}
	var all []time.Duration
	for _, op := range []string{"list-runs", "create-schedule"} {
		l := lat[op]
		all = append(all, l...)
		t.Logf("%-15s %s", op, summary(l, elapsed))
	}
	t.Logf("%-15s %s; %d clients, %s, %d failed", "all", summary(all, elapsed), clients, elapsed.Round(time.Millisecond), failures)
	if failures > 0 {
		t.Errorf("%d requests failed; the first: %s", failures, first)
	}
	require.Positive(t, created, "no schedule was created")
	require.Equal(t, seeded+created, b.count("SELECT count(*) FROM job_schedules"), "every 201 left a schedule")
}

// summary is the count, throughput and latency percentiles of l.
func summary(l []time.Duration, elapsed time.Duration) string {
	if len(l) == 0 {
		return "no requests"
	}
	s := slices.Clone(l)
	slices.Sort(s)
	pct := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return fmt.Sprintf("%6d requests, %6.0f req/s, p50 %s, p99 %s, max %s", len(s), float64(len(s))/elapsed.Seconds(),
		pct(0.5).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), s[len(s)-1].Round(10*time.Microsecond))
}
