package health

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// The statuses of a Check, as the design's service_health_check and the
// msg_system_health table spell them.
const (
	Healthy  = "HEALTHY"
	Degraded = "DEGRADED"
	Down     = "DOWN"
	Unknown  = "UNKNOWN"
)

// Check is the design's service_health_check result: one component's
// status, how long the check took, why it is not healthy, and what it saw.
type Check struct {
	Status         string         `json:"status" enum:"HEALTHY,DEGRADED,DOWN,UNKNOWN"`
	ResponseTimeMs *int64         `json:"response_time_ms"`
	ErrorMessage   *string        `json:"error_message"`
	Metadata       map[string]any `json:"metadata"`
}

// Probe checks one component. It should return within its context's
// deadline; Evaluate times it and fills in ResponseTimeMs when the probe
// leaves it nil.
type Probe func(ctx context.Context) Check

// OK returns a HEALTHY check with metadata.
func OK(meta map[string]any) Check {
	return Check{Status: Healthy, Metadata: meta}
}

// Fail returns a check with status (DEGRADED, DOWN or UNKNOWN), the message
// and metadata.
func Fail(status, msg string, meta map[string]any) Check {
	c := Check{Status: status, Metadata: meta}
	if msg != "" {
		c.ErrorMessage = &msg
	}
	return c
}

// Failf is Fail with a formatted message.
func Failf(status string, meta map[string]any, format string, args ...any) Check {
	return Fail(status, fmt.Sprintf(format, args...), meta)
}

// Message returns the check's error message, "" when there is none.
func (c Check) Message() string {
	if c.ErrorMessage == nil {
		return ""
	}
	return *c.ErrorMessage
}

// rank orders statuses from best to worst. UNKNOWN is below HEALTHY only as
// a fallback: Worst ignores it while anything is known.
var rank = map[string]int{Unknown: 0, Healthy: 1, Degraded: 2, Down: 3}

// Worst returns the worst status of checks: DOWN over DEGRADED over
// HEALTHY. A check that cannot tell (UNKNOWN: a channel that has sent
// nothing yet) does not make the others worse; with only UNKNOWN checks, or
// none, the result is UNKNOWN.
func Worst(checks map[string]Check) string {
	worst := Unknown
	for _, c := range checks {
		if rank[c.Status] > rank[worst] {
			worst = c.Status
		}
	}
	return worst
}

// Problems lists the checks that are not HEALTHY or UNKNOWN as "name:
// message", in name order, for a heartbeat's error_message.
func Problems(checks map[string]Check) string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(checks)) {
		c := checks[name]
		if c.Status == Healthy || c.Status == Unknown {
			continue
		}
		msg := c.Message()
		if msg == "" {
			msg = strings.ToLower(c.Status)
		}
		out = append(out, name+": "+msg)
	}
	return strings.Join(out, "; ")
}

// DefaultProbeTimeout bounds one probe in Evaluate.
const DefaultProbeTimeout = 5 * time.Second

// Evaluate runs every probe at once, each within timeout (DefaultProbeTimeout
// when 0), and returns their checks by name. A probe that overruns its
// deadline is reported DOWN; ResponseTimeMs is how long each probe took
// unless it set its own.
func Evaluate(ctx context.Context, probes map[string]Probe, timeout time.Duration) map[string]Check {
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	out := make(map[string]Check, len(probes))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, p := range probes {
		wg.Go(func() {
			c := run(ctx, name, p, timeout)
			mu.Lock()
			out[name] = c
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// run runs one probe within timeout; a probe that does not return in time
// is left running (it holds a context that is done) and reported DOWN.
func run(ctx context.Context, name string, p Probe, timeout time.Duration) Check {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	done := make(chan Check, 1)
	go func() { done <- p(ctx) }()
	var c Check
	select {
	case c = <-done:
	case <-ctx.Done():
		c = Failf(Down, nil, "%s check did not answer within %s", name, timeout)
	}
	if c.Status == "" {
		c.Status = Unknown
	}
	if c.ResponseTimeMs == nil {
		ms := time.Since(start).Milliseconds()
		c.ResponseTimeMs = &ms
	}
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	return c
}
