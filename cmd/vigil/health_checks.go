package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/vigilhq/vigil/health"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/tradingbot"
)

// telegramCheckEvery is how often a health check may call Telegram's getMe;
// between calls the Telegram check reuses the last answer, and the result
// of the channel's own requests tells the rest.
const telegramCheckEvery = 5 * time.Minute

// statusComponents are the components /health always lists: the design's
// (scheduler, database, job_store, alert_evaluator) and Vigil's. Those this
// process does not run show "disabled". The web console does not exist yet
// and is not listed.
var statusComponents = []string{"scheduler", "database", "job_store", "alert_evaluator", "river_client", "workers",
	"telegram", "email", "webhook", "market_data", "trading_bots"}

// systems are the roles this process runs, each a msg_system_health system
// with a heartbeat of its own.
func (a *app) systems() []string {
	var out []string
	if a.roles.scheduler {
		out = append(out, "scheduler")
	}
	if a.roles.worker {
		out = append(out, "worker")
	}
	if a.apiSrv != nil {
		out = append(out, "api")
	}
	if a.botRunning {
		out = append(out, "telegram")
	}
	if a.runner != nil {
		out = append(out, tradingbot.HealthSystem)
	}
	return out
}

// roleComponents are the checks of one role of this process, by component
// name: what that role needs to do its work.
func (a *app) roleComponents(system string) map[string]health.Component {
	c := a.pooledComponents()
	if c == nil {
		c = map[string]health.Component{}
	}
	switch system {
	case "scheduler":
		c["scheduler"] = health.Component{Probe: a.schedulerProbe, Critical: true}
		c["river_client"] = health.Component{Probe: a.riverClientProbe, Critical: true}
	case "worker":
		c["river_client"] = health.Component{Probe: a.riverClientProbe, Critical: true}
		c["workers"] = health.Component{Probe: a.workersProbe, Critical: true}
		c["alert_evaluator"] = health.Component{Probe: a.alertEvaluatorProbe, Ready: "ready"}
		if a.market != nil {
			c["market_data"] = health.Component{Probe: a.marketDataProbe, Ready: "operational"}
		}
		if tg, ok := a.channels[notify.ChannelTelegram].(*notify.Telegram); ok {
			c["telegram"] = health.Component{Probe: telegramProbe(tg), Ready: "connected"}
		}
		if em, ok := a.channels[notify.ChannelEmail].(*notify.Email); ok {
			c["email"] = health.Component{Probe: health.OutcomeProbe("email delivery", em.Outcome(), nil), Ready: "operational"}
		}
		if wh, ok := a.channels[notify.ChannelWebhook].(*notify.Webhook); ok {
			c["webhook"] = health.Component{Probe: health.OutcomeProbe("webhook delivery", wh.Outcome(), nil), Ready: "operational"}
		}
	case "api":
		c["api"] = health.Component{Probe: a.apiProbe, Critical: true}
		if a.market != nil {
			c["market_data"] = health.Component{Probe: a.marketDataProbe, Ready: "operational"}
		}
	case tradingbot.HealthSystem:
		c["trading_bots"] = health.Component{Probe: a.runner.Check, Critical: true}
		if a.market != nil {
			c["market_data"] = health.Component{Probe: a.marketDataProbe, Ready: "operational"}
		}
	case "telegram":
		c["telegram_bot"] = health.Component{Probe: a.botProbe, Critical: true}
		if a.botTelegram != nil {
			c["telegram"] = health.Component{Probe: telegramProbe(a.botTelegram), Ready: "connected"}
		}
	}
	return c
}

// heartbeatProbes are the probes of system's heartbeat: the database, the
// job store and the role's components.
func (a *app) heartbeatProbes(system string) map[string]health.Probe {
	probes := map[string]health.Probe{"database": health.DatabaseProbe(a.pool), "job_store": health.JobStoreProbe(a.pool)}
	for name, c := range a.roleComponents(system) {
		probes[name] = c.Probe
	}
	return probes
}

// pooledComponents checks the pooled connection (pooled_database_url,
// through PgBouncer) when the process has one besides the direct pool: the
// API, the enqueuer and the bot cannot work without it.
func (a *app) pooledComponents() map[string]health.Component {
	if a.pooled == nil || a.pooled == a.pool {
		return nil
	}
	return map[string]health.Component{"pooled_database": {Probe: health.DatabaseProbe(a.pooled), Ready: "connected", Critical: true}}
}

// processComponents are the components of every role this process runs,
// for /health (which checks the database and the job store itself). A
// Telegram check shared by the worker and the bot is the worker's.
func (a *app) processComponents() map[string]health.Component {
	out := map[string]health.Component{}
	for _, system := range a.systems() {
		for name, c := range a.roleComponents(system) {
			if _, ok := out[name]; !ok {
				out[name] = c
			}
		}
	}
	return out
}

func (a *app) schedulerProbe(context.Context) health.Check {
	return a.enq.HealthCheck(time.Now())
}

func (a *app) riverClientProbe(context.Context) health.Check {
	return a.client.HealthCheck()
}

// workersProbe flags a worker whose producers fetch nothing for three
// heartbeat intervals while jobs wait.
func (a *app) workersProbe(ctx context.Context) health.Check {
	return a.client.WorkersCheck(ctx, a.pool, time.Now(), 3*a.cfg.HealthCheckInterval.D())
}

func (a *app) alertEvaluatorProbe(context.Context) health.Check {
	return a.client.AlertEvaluatorCheck(time.Now())
}

// marketDataProbe reports the market-data provider's last fetch.
func (a *app) marketDataProbe(context.Context) health.Check {
	name := a.market.Provider().Name()
	c := health.OutcomeCheck("fetch from "+name, a.market.Outcome().Last(), time.Now())
	c.Metadata["provider"] = name
	c.Metadata["fallbacks_to_cache"] = a.market.Fallbacks()
	return c
}

// apiProbe asks the API listener for its documentation page (HEAD /docs:
// static, no database, not an operation, so not in the request metrics):
// an answer below 500 shows the listener serves.
func (a *app) apiProbe(ctx context.Context) health.Check {
	meta := map[string]any{"addr": a.apiAddr}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "http://"+a.apiAddr+"/docs", nil)
	if err != nil {
		return health.Failf(health.Down, meta, "build the request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return health.Failf(health.Down, meta, "the API listener does not answer: %v", err)
	}
	_ = resp.Body.Close()
	meta["http_status"] = resp.StatusCode
	if resp.StatusCode >= 500 {
		return health.Failf(health.Degraded, meta, "the API answered %s", resp.Status)
	}
	return health.OK(meta)
}

// botProbe reports whether the bot's polling loop runs.
func (a *app) botProbe(context.Context) health.Check {
	if a.botStopped.Load() {
		return health.Fail(health.Down, "the Telegram bot's polling loop has stopped", nil)
	}
	return health.OK(nil)
}

// telegramProbe checks the Bot API: getMe at most every telegramCheckEvery,
// and the result of the channel's latest request. DOWN when getMe failed
// and no request has succeeded since, DEGRADED when the latest request
// failed, else HEALTHY.
func telegramProbe(tg *notify.Telegram) health.Probe {
	getMe := health.Cached(func(ctx context.Context) health.Check {
		name, err := tg.Check(ctx)
		if err != nil {
			return health.Failf(health.Down, nil, "getMe: %v", err)
		}
		return health.OK(map[string]any{"username": name})
	}, telegramCheckEvery, nil)
	return func(ctx context.Context) health.Check {
		me := getMe(ctx)
		s := tg.Outcome().Last()
		meta := health.OutcomeMetadata(s, time.Now())
		meta["get_me"] = me
		checkedAt, _ := me.Metadata["cached_at"].(time.Time)
		switch {
		case me.Status != health.Healthy && !s.LastSuccess.After(checkedAt):
			return health.Fail(health.Down, me.Message(), meta)
		case s.Failing():
			return health.Fail(health.Degraded, fmt.Sprintf("last Bot API request failed: %s", s.LastError), meta)
		}
		return health.OK(meta)
	}
}
