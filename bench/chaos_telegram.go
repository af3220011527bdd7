package bench

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// stormRetryAfter is the retry_after of the 429 storm's answers.
const stormRetryAfter = 5

// telegramOutage runs telegram_outage: N alerts (100) due every minute, each
// a trigger, delivered by one scheduler and two worker processes to the Bot
// API stand-in, which goes down for the outage (10 minutes): its first half
// every send is answered 502 (the HTML page of the proxy in front of the
// API) and then 500, its second half connections are refused. Then a 429
// storm (a minute): every send is answered 429 with retry_after. Then the
// stand-in is well again for a minute, the alerts are disabled and the
// backlog drains. Every trigger must be delivered once (none lost, none
// twice) and no message may break the flood limits.
func (c *chaos) telegramOutage(ctx context.Context) error {
	n := c.res.N
	outage := c.scaled(10*time.Minute, 20*time.Second)
	storm := c.scaled(time.Minute, 10*time.Second)
	pre := c.scaled(30*time.Second, 10*time.Second)
	after := c.scaled(time.Minute, 10*time.Second)
	cron := cmp.Or(c.co.Cron, cronEveryMinute)
	s, err := cronEvery(cron)
	if err != nil {
		return err
	}
	first := fireAtOrAfter(s, time.Now().Add(15*time.Second))
	rig, err := c.setupAlerts(ctx, n, cron, first)
	if err != nil {
		return err
	}
	defer rig.close()
	c.res.SchedulerNodes, c.res.WorkerNodes = 1, 2
	if _, err := c.startNodes(ctx, RoleScheduler, RoleWorker, RoleWorker); err != nil {
		return err
	}
	mon := c.watch(ctx, "before")
	defer mon.stop()
	c.res.OutageS, c.res.StormS = round(outage.Seconds(), 1), round(storm.Seconds(), 1)

	outageAt := first.Add(pre)
	if err := sleepUntil(ctx, outageAt); err != nil {
		return err
	}
	sentBefore, err := c.sentCount(ctx)
	if err != nil {
		return err
	}
	c.res.SentBeforeOutage = &sentBefore
	acceptedBefore := len(rig.standIn.AllMessages())
	phase := func(name string, at time.Time, apply func() error) error {
		if err := sleepUntil(ctx, at); err != nil {
			return err
		}
		mon.setPhase(name)
		c.progress(name, "accepted", len(rig.standIn.AllMessages()))
		return apply()
	}
	steps := []struct {
		name  string
		at    time.Time
		apply func() error
	}{
		{"outage_502", outageAt, func() error {
			rig.standIn.Inject(telegramtest.Fault{Kind: telegramtest.ServerError, Status: http.StatusBadGateway, Times: -1})
			return nil
		}},
		{"outage_500", outageAt.Add(outage / 4), func() error {
			rig.standIn.ClearFaults()
			rig.standIn.Inject(telegramtest.Fault{Kind: telegramtest.ServerError, Times: -1})
			return nil
		}},
		{"outage_refused", outageAt.Add(outage / 2), func() error {
			rig.standIn.ClearFaults()
			rig.proxy.down()
			return nil
		}},
		{"storm_429", outageAt.Add(outage), func() error {
			delivered := len(rig.standIn.AllMessages()) - acceptedBefore
			c.res.DeliveredDuringOutage = &delivered
			if delivered > 0 {
				c.res.fail("%d messages were delivered during the outage: the stand-in was not down", delivered)
			}
			rig.standIn.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests, RetryAfter: stormRetryAfter, Times: -1})
			return rig.proxy.up()
		}},
		{"after", outageAt.Add(outage + storm), func() error {
			rig.standIn.ClearFaults()
			return nil
		}},
	}
	for _, st := range steps {
		if err := phase(st.name, st.at, st.apply); err != nil {
			return err
		}
	}
	stormEnd := outageAt.Add(outage + storm)
	violationsAtStormEnd := rig.standIn.Violations()
	stopAt := stopBetweenFires(s, first, stormEnd.Add(after))
	if err := sleepUntil(ctx, stopAt); err != nil {
		return err
	}
	sp := rig.sp
	sp.From, sp.To = first, stopAt
	if err := c.disableSchedules(ctx, sp); err != nil {
		return err
	}
	c.res.DurationS = round(stopAt.Sub(first).Seconds(), 1)
	expected := int64(n) * firesIn(s, sp.From, sp.To)
	// The backlog waits at most notification_max_backoff after the storm,
	// then drains at Telegram's limits (one message a second per chat).
	deadline := stopAt.Add(c.co.NotifyMaxBackoff + 5*time.Minute)
	mon.setPhase("drain")
	if ok, err := c.waitDelivered(ctx, sp, expected, deadline); err != nil {
		return err
	} else if !ok {
		c.res.fail("not every trigger was delivered by the deadline (%s after the last fire)", deadline.Sub(stopAt).Round(time.Second))
	}
	var lastSent *time.Time
	if err := c.db.pool.QueryRow(ctx, `SELECT max(n.sent_at) FROM notifications n
		JOIN job_schedule_runs r ON n.message_id = (r.result ->> 'message_id')::uuid
		WHERE n.channel = 'telegram' AND n.status = 'sent' AND r.scheduled_for < $1 AND r.job_id BETWEEN $2 AND $3`,
		stormEnd, sp.FirstID, sp.LastID).Scan(&lastSent); err != nil {
		return fmt.Errorf("read the last delivery of the backlog: %w", err)
	}
	if lastSent != nil {
		d := round(max(lastSent.Sub(stormEnd).Seconds(), 0), 1)
		c.res.DrainS = &d
	}
	mon.stop()
	if err := c.measureAlertScenario(ctx, rig, sp, expected, true); err != nil {
		return err
	}
	// No process is killed here: a message sent twice is a delivery bug.
	c.res.zero("duplicate_deliveries (messages the stand-in got twice)", *c.res.DuplicateDeliveries)
	afterStorm := rig.standIn.Violations() - violationsAtStormEnd
	c.res.ViolationsAfterStorm = &afterStorm
	return nil
}

// sentCount counts telegram notifications sent.
func (c *chaos) sentCount(ctx context.Context) (int64, error) {
	var n int64
	if err := c.db.pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE channel = 'telegram' AND status = 'sent'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count sent notifications: %w", err)
	}
	return n, nil
}
