package console

import (
	"net/http"
	"time"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/health"
)

type componentView struct {
	dbsqlc.MsgSystemHealth
	// Shown is the status as the API reports it: DOWN once the heartbeat
	// is stale.
	Shown string
	Stale bool
	Age   string
}

type systemView struct {
	System     string
	Status     string
	Components []componentView
}

type healthData struct {
	Status     string
	Systems    []systemView
	StaleAfter time.Duration
	// Incidents are shown to admins only (and scoped in the SQL).
	Incidents     []dbsqlc.Incident
	IncidentState string
	Now           time.Time
}

var incidentStates = []string{"open", "all"}

// healthPage is the platform health as the API's /api/v1/health/systems
// computes it (the latest heartbeat per component, DOWN once stale, a
// system the worst of its components) with each heartbeat's age, and for
// admins the incidents.
func (c *Console) healthPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	lq := &listQuery{v: r.URL.Query()}
	state := lq.oneOf("incidents", incidentStates)
	if state != nil && !s.IsAdmin && lq.bad == "" {
		lq.bad = "incidents: only admins see incidents"
	}
	if field, msg, bad := lq.err(); bad {
		c.badRequest(w, r, s, field, msg)
		return
	}
	rows, err := c.q.HealthLatest(ctx, c.pool)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	now := c.now()
	d := healthData{Status: health.Healthy, StaleAfter: c.staleAfter, Now: now, IncidentState: "open"}
	if len(rows) == 0 {
		d.Status = health.Unknown
	}
	for _, sys := range health.Latest(rows, now, c.staleAfter) {
		v := systemView{System: sys.System, Status: sys.Status}
		for _, cp := range sys.Components {
			v.Components = append(v.Components, componentView{MsgSystemHealth: cp.Row, Shown: cp.Status, Stale: cp.Stale,
				Age: fmtDuration(now.Sub(cp.Row.CheckedAt))})
		}
		d.Systems = append(d.Systems, v)
		d.Status = health.WorsePlatform(d.Status, sys.Status)
	}
	if s.IsAdmin {
		if state != nil {
			d.IncidentState = *state
		}
		if d.Incidents, err = c.q.IncidentList(ctx, c.pool, dbsqlc.IncidentListParams{UserID: s.UserID, State: d.IncidentState,
			MaxRows: 50}); err != nil {
			c.fail(w, r, s, err)
			return
		}
	}
	c.render(w, r, s, http.StatusOK, "health", "Health", d)
}
