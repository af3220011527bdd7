package health

import (
	"time"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// platformRank orders the platform view's statuses from best to worst: a
// component that cannot tell (UNKNOWN) makes its system look worse than
// HEALTHY, unlike Worst inside one heartbeat.
var platformRank = map[string]int{Healthy: 0, Unknown: 1, Degraded: 2, Down: 3}

// WorsePlatform returns the worse of two statuses in the platform view
// (DOWN over DEGRADED over UNKNOWN over HEALTHY).
func WorsePlatform(a, b string) string {
	if platformRank[b] > platformRank[a] {
		return b
	}
	return a
}

// LatestComponent is a component's newest heartbeat row with the status
// the platform shows for it: DOWN once the heartbeat is stale.
type LatestComponent struct {
	Row    dbsqlc.MsgSystemHealth
	Status string
	Stale  bool
}

// LatestSystem is a system with its components' newest heartbeats; its
// status is the worst of theirs.
type LatestSystem struct {
	System     string
	Status     string
	Components []LatestComponent
}

// Latest groups the newest heartbeat per component (HealthLatest's rows, in
// system order) into systems, counting a heartbeat older than staleAfter at
// now as DOWN: the rule the API's health endpoints and the console share.
func Latest(rows []dbsqlc.MsgSystemHealth, now time.Time, staleAfter time.Duration) []LatestSystem {
	var out []LatestSystem
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].System != r.System {
			out = append(out, LatestSystem{System: r.System, Status: Healthy})
		}
		c := LatestComponent{Row: r, Status: r.Status}
		if now.Sub(r.CheckedAt) > staleAfter {
			c.Stale, c.Status = true, Down
		}
		s := &out[len(out)-1]
		s.Components = append(s.Components, c)
		s.Status = WorsePlatform(s.Status, c.Status)
	}
	return out
}
