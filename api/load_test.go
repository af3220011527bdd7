package api_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestLoopbackLoad measures the API over loopback: concurrent clients read a
// schedule, list schedules and list runs for a few seconds, and the test logs
// throughput and latency. It asserts nothing about time; run it with
// VIGIL_LOADTEST=1 go test -run TestLoopbackLoad -v ./api/
func TestLoopbackLoad(t *testing.T) {
	if os.Getenv("VIGIL_LOADTEST") != "1" {
		t.Skip("set VIGIL_LOADTEST=1 to run the loopback load test")
	}
	b := setup(t)
	u := b.user("ann", userOpts{})
	var ids []int64
	for range 50 {
		ids = append(ids, b.schedule(u, notifySchedule(u.id, "0 * * * *")))
	}
	for _, id := range ids[:10] {
		b.run(u, id)
	}
	paths := []string{fmt.Sprintf("/api/schedules/%d", ids[0]), "/api/schedules?limit=20", "/api/runs?limit=20"}
	const clients = 16
	duration := 3 * time.Second
	if d, err := time.ParseDuration(os.Getenv("VIGIL_LOADTEST_DURATION")); err == nil {
		duration = d
	}

	var mu sync.Mutex
	var lat []time.Duration
	failures := 0
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for i := c; time.Now().Before(deadline); i++ {
				req, _ := http.NewRequestWithContext(b.ctx, http.MethodGet, b.srv.URL+paths[i%len(paths)], nil)
				req.Header.Set("Authorization", "Bearer "+u.token)
				start := time.Now()
				res, err := b.http.Do(req)
				if err != nil {
					bad++
					continue
				}
				_ = res.Body.Close()
				if res.StatusCode != http.StatusOK {
					bad++
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			failures += bad
			mu.Unlock()
		})
	}
	wg.Wait()
	if failures > 0 {
		t.Errorf("%d requests failed", failures)
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		t.Fatal("no requests completed")
	}
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	t.Logf("%d requests by %d clients in %s: %.0f req/s, p50 %s, p99 %s, max %s",
		len(lat), clients, duration, float64(len(lat))/duration.Seconds(), pct(0.5), pct(0.99), lat[len(lat)-1])
}
