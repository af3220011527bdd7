package tradingbot

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

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
// brokers' connectivity: "brokers" maps each broker to connected,
// disconnected or unknown, and "broker_bots" has, per bot of a real broker
// (alpaca), the newest call (account read, order submit, lookup or poll),
// its latency, whether it succeeded and the error text when it failed, and
// the orders waiting to be submitted. A broker that fails makes the check
// DEGRADED with its error.
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
	brokers := map[string]string{BrokerPaper: "connected"}
	var perBot []map[string]any
	brokerDown := ""
	for _, id := range slices.Sorted(maps.Keys(r.held)) {
		h := r.held[id]
		if !usesBroker(h.row.Broker) {
			continue
		}
		m := map[string]any{"bot_id": id, "bot": h.row.Name, "broker": h.row.Broker, "connected": false, "last_call": ""}
		state := "unknown (no call yet)"
		if b := h.broker; b != nil {
			m["connected"], m["last_call"], m["latency_ms"], m["pending_orders"] = b.Connected, b.Call, b.LatencyMS, b.Pending
			if !b.At.IsZero() {
				m["at"] = b.At.UTC().Format(time.RFC3339)
				state = "connected"
			}
			if b.Error != "" {
				m["error"] = b.Error
				state = "disconnected"
				if brokerDown == "" {
					brokerDown = fmt.Sprintf("broker %s of bot %d (%s): %s", h.row.Broker, id, h.row.Name, b.Error)
				}
			}
		}
		if brokers[h.row.Broker] != "disconnected" {
			brokers[h.row.Broker] = state
		}
		perBot = append(perBot, m)
	}
	meta := map[string]any{
		"owner": r.o.Owner, "bots": len(r.held), "decisions": r.stats.Decisions, "errors": r.stats.Errors,
		"skipped_bars": r.stats.Skipped, "halts": r.stats.Halts, "last_bar_age_s": math.Round(age*10) / 10,
		"lease_ttl_s": r.o.LeaseTTL.Seconds(), "brokers": brokers,
	}
	if len(perBot) > 0 {
		meta["broker_bots"] = perBot
	}
	switch {
	case r.leaseErr != nil:
		return health.Fail(health.Down, "renew leases: "+r.leaseErr.Error(), meta)
	case r.lastFailed:
		return health.Fail(health.Degraded, r.stats.LastError, meta)
	case brokerDown != "":
		return health.Fail(health.Degraded, brokerDown, meta)
	}
	return health.OK(meta)
}
