package tradingbot

import (
	"context"
	"math"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/health"
)

// HealthSystem is the runners' system in msg_system_health; the component
// is the runner's lease owner.
const HealthSystem = "trading_bot"

// Check is the runner's health.Probe (the trading_bot heartbeat's
// "trading_bots" component): DOWN when
// its leases cannot be renewed, DEGRADED when its newest decision failed,
// else HEALTHY; the metadata has the bots held, the counters, the age of
// the oldest newest-decided bar (seconds since the last decided bar of the
// most lagging bot closed: about one bar when all is well) and the
// brokers' connectivity.
func (r *Runner) Check(context.Context) health.Check {
	now := r.o.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	age := 0.0
	for _, h := range r.held {
		if h.row.LastBarTime == nil {
			continue
		}
		tf := bars.Timeframe(h.row.Timeframe)
		age = math.Max(age, now.Sub(h.row.LastBarTime.Add(tf.Duration())).Seconds())
	}
	meta := map[string]any{
		"owner": r.o.Owner, "bots": len(r.held), "decisions": r.stats.Decisions, "errors": r.stats.Errors,
		"skipped_bars": r.stats.Skipped, "halts": r.stats.Halts, "last_bar_age_s": math.Round(age*10) / 10,
		"lease_ttl_s": r.o.LeaseTTL.Seconds(), "brokers": map[string]string{BrokerPaper: "connected"},
	}
	switch {
	case r.leaseErr != nil:
		return health.Fail(health.Down, "renew leases: "+r.leaseErr.Error(), meta)
	case r.lastFailed:
		return health.Fail(health.Degraded, r.stats.LastError, meta)
	}
	return health.OK(meta)
}
