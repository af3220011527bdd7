package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/marketdata"
)

// priceProvider serves a series whose last close is the current price: a
// test-controlled market.
type priceProvider struct {
	mu    sync.Mutex
	price float64
}

func (p *priceProvider) set(v float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.price = v
}

func (p *priceProvider) Name() string { return "test" }

func (p *priceProvider) Bars(_ context.Context, _ string, tf bars.Timeframe, from, to time.Time) (bars.Series, error) {
	p.mu.Lock()
	price := p.price
	p.mu.Unlock()
	var s bars.Series
	for t := tf.Open(from); t.Before(to); t = t.Add(tf.Duration()) {
		s = append(s, bars.Bar{Time: t, Open: 100, High: 100, Low: 100, Close: 100, Volume: 1000})
	}
	if len(s) > 0 {
		last := &s[len(s)-1]
		last.Close, last.High, last.Low = price, max(price, 100), min(price, 100)
	}
	return s, nil
}

func (p *priceProvider) Quote(context.Context, string) (marketdata.Quote, error) {
	return marketdata.Quote{Price: p.price}, nil
}

func (b *bundle) notificationJobs(t *testing.T) []NotifyArgs {
	t.Helper()
	rows, err := b.pool.Query(b.ctx, "SELECT args FROM river_job WHERE kind = 'notification' ORDER BY id")
	require.NoError(t, err)
	defer rows.Close()
	var out []NotifyArgs
	for rows.Next() {
		var raw []byte
		require.NoError(t, rows.Scan(&raw))
		var a NotifyArgs
		require.NoError(t, json.Unmarshal(raw, &a))
		out = append(out, a)
	}
	return out
}

func alertResult(t *testing.T, r dbsqlc.JobScheduleRun) AlertResult {
	t.Helper()
	var res AlertResult
	require.NoError(t, json.Unmarshal(r.Result, &res), "run %d result %s (error %v)", r.ID, r.Result, r.Error)
	return res
}

// An alert fires through the scheduler, triggers once, enqueues exactly one
// notification, re-arms when its condition turns false and triggers again.
func TestAlertFiresRearmsAndFiresAgain(t *testing.T) {
	t.Parallel()
	market := &priceProvider{price: 110}
	mgr := marketdata.NewManager(market, nil, 0, slog.New(slog.DiscardHandler))
	t0 := time.Now().Add(-time.Hour).Truncate(time.Minute)
	var evalAt atomic.Int64 // the fire being evaluated: each evaluation sees a new 1m bar
	b := setup(t, setupOpts{market: mgr, alertNow: func() time.Time { return time.Unix(0, evalAt.Load()) }})
	s := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "* * * * *", nextRunAt: &t0,
		params: map[string]any{"ticker": "AAPL", "timeframe": "1m",
			"rule":   map[string]any{"indicator": "close", "operator": ">", "value": 100},
			"notify": map[string]any{"channels": []string{"telegram"}, "message_template": "{ticker} above 100 at {price}"}},
		grace: ptr(int32(1 << 30))})

	planned, err := dbsqlc.New().ScheduleGetByID(b.ctx, b.pool, s.ID)
	require.NoError(t, err)
	prices := []float64{110, 112, 90, 105}
	wantFired := []bool{true, false, false, true}
	for i, price := range prices {
		market.set(price)
		at := t0.Add(time.Duration(i) * time.Minute)
		evalAt.Store(at.Add(30 * time.Second).UnixNano())
		b.tickAt(t, at)
		eventually(t, "alert evaluation done", func() bool {
			return statusCounts(b.runs(t, s.ID))[StatusCompleted] == i+1
		})
		runs := b.runs(t, s.ID)
		res := alertResult(t, runs[len(runs)-1])
		require.Equal(t, wantFired[i], res.Fired, "evaluation %d at price %v: %s", i, price, res.Reason)
		require.Equal(t, price > 100, res.Matched)
	}
	notes := b.notificationJobs(t)
	require.Len(t, notes, 2, "one notification per trigger, none while the condition stays true")
	first := b.runs(t, s.ID)[0]
	require.Equal(t, fmt.Sprintf("AAPL above 100 at 110.00\n/why %d", first.ID), notes[0].Message, "the message ends with the hint that explains it")
	require.Equal(t, []string{"telegram"}, notes[0].Channels)
	require.Equal(t, b.userID, notes[0].UserID)

	var state map[string]any
	got, err := dbsqlc.New().ScheduleGetByID(b.ctx, b.pool, s.ID)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(got.StateJson, &state))
	require.Equal(t, "TRIGGERED", state["status"], "state persisted in job_schedules.state_json")
	require.Equal(t, planned.UpdatedAt, got.UpdatedAt, "state writes are not edits: updated_at (and the ETag) stay")
	require.Equal(t, planned.Revision, got.Revision)
}

// Each alert run stores its trace (rule nodes with values, state before
// and after, why in words); the notification it causes is linked to the run
// (notifications.run_id) without taking over the run's outcome, and ends
// with "/why RUN_ID".
func TestAlertRunExplainsAndLinksItsNotification(t *testing.T) {
	t.Parallel()
	market := &priceProvider{price: 110}
	mgr := marketdata.NewManager(market, nil, 0, slog.New(slog.DiscardHandler))
	t0 := time.Now().Add(-time.Hour).Truncate(time.Minute)
	var evalAt atomic.Int64
	b := setup(t, setupOpts{market: mgr, alertNow: func() time.Time { return time.Unix(0, evalAt.Load()) }})
	s := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "* * * * *", nextRunAt: &t0,
		params: map[string]any{"ticker": "AAPL", "timeframe": "1m",
			"rule": map[string]any{"operator": "and", "conditions": []any{
				map[string]any{"indicator": "close", "operator": ">", "value": 100},
				map[string]any{"operator": "not", "conditions": []any{map[string]any{"indicator": "close", "operator": ">", "value": 1000}}}}},
			"rearm":  map[string]any{"type": "hysteresis", "threshold": 0.02},
			"notify": map[string]any{"channels": []string{"telegram"}}},
		grace: ptr(int32(1 << 30))})
	for i, price := range []float64{110, 112} {
		market.set(price)
		at := t0.Add(time.Duration(i) * time.Minute)
		evalAt.Store(at.Add(30 * time.Second).UnixNano())
		b.tickAt(t, at)
		eventually(t, "alert evaluation done", func() bool { return statusCounts(b.runs(t, s.ID))[StatusCompleted] == i+1 })
	}
	runs := b.runs(t, s.ID)
	fired, waiting := alertResult(t, runs[0]), alertResult(t, runs[1])

	tr := fired.Trace
	require.NotNil(t, tr)
	require.True(t, tr.Fired)
	require.Equal(t, "fired: condition true and the alert was armed", tr.Why)
	require.Equal(t, "ARMED", tr.Before.Status)
	require.Equal(t, "TRIGGERED", tr.After.Status)
	require.Equal(t, "hysteresis: re-arms once close is at or below 98.00 (now 110.00)", tr.Next)
	require.Equal(t, "and", tr.Rule.Op)
	require.Len(t, tr.Rule.Children, 2)
	require.Equal(t, "close = 110.00 > 100", tr.Rule.Children[0].LeafText())
	require.Equal(t, "not", tr.Rule.Children[1].Op)
	require.Equal(t, "true", tr.Rule.Children[1].Outcome)
	require.Equal(t, "false", tr.Rule.Children[1].Children[0].Outcome)

	require.False(t, waiting.Fired)
	require.Equal(t, "condition true but waiting for hysteresis: re-arms once close is at or below 98.00 (now 112.00)", waiting.Trace.Why)
	require.Equal(t, "TRIGGERED", waiting.Trace.Before.Status)

	notes := b.notificationJobs(t)
	require.Len(t, notes, 1)
	require.Equal(t, int64(runs[0].ID), notes[0].CauseRunID)
	require.Nil(t, notes[0].Run, "the notification job is not the alert run's job")
	require.True(t, strings.HasSuffix(notes[0].Message, fmt.Sprintf("\n/why %d", runs[0].ID)), notes[0].Message)

	var linked int64
	eventually(t, "the notification is recorded, linked to its run", func() bool {
		return b.pool.QueryRow(b.ctx, "SELECT run_id FROM notifications WHERE user_id = $1 AND status = 'recorded'", b.userID).Scan(&linked) == nil
	})
	require.Equal(t, int64(runs[0].ID), linked)
	again := b.run(t, runs[0].ID)
	require.Equal(t, StatusCompleted, again.Status, "delivering the notification leaves the alert run alone")
	require.Equal(t, runs[0].FinishedAt, again.FinishedAt)
	require.Equal(t, runs[0].Attempt, again.Attempt)
	require.JSONEq(t, string(runs[0].Result), string(again.Result))
}

// A crash after the state write but before the commit (simulated by an error
// there) rolls everything back; the retry notifies exactly once.
func TestAlertCrashBeforeCommitNotifiesOnce(t *testing.T) {
	t.Parallel()
	market := &priceProvider{price: 150}
	mgr := marketdata.NewManager(market, nil, 0, slog.New(slog.DiscardHandler))
	var failures atomic.Int32
	b := setup(t, setupOpts{market: mgr, beforeCommit: func() error {
		if failures.Add(1) == 1 {
			return errors.New("worker killed between evaluation and completion")
		}
		return nil
	}})
	s := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "0 * * * *",
		params: map[string]any{"symbol": "AAPL", "condition": "price_above", "threshold": 120, "timeframe": "1h"}})
	runID, err := b.enq.Trigger(b.ctx, s.ID, false)
	require.NoError(t, err)
	eventually(t, "completed on retry", func() bool { return b.run(t, runID).Status == StatusCompleted })
	r := b.run(t, runID)
	require.Equal(t, int32(2), r.Attempt)
	require.True(t, alertResult(t, r).Fired)
	require.Len(t, b.notificationJobs(t), 1, "the rolled-back attempt enqueued nothing")
}

// The alert worker writes the design's lines (18.2): INFO "Alert
// triggered" with job_id = the schedule id, user_id and the context group
// (figures as numbers: the value is the condition's left operand, not the
// address of one), DEBUG "Alert state updated: {...}", INFO "Job alert_123
// executed successfully in 2.3s"; River's job id is river_job_id.
func TestAlertLogLines(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("component", "alert_evaluator")
	mgr := marketdata.NewManager(&priceProvider{price: 150}, nil, 0, slog.New(slog.DiscardHandler))
	b := setup(t, setupOpts{market: mgr, alertLog: log})
	s := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "0 * * * *",
		params: map[string]any{"symbol": "AAPL", "condition": "price_above", "threshold": 120, "timeframe": "1h"}})
	runID, err := b.enq.Trigger(b.ctx, s.ID, false)
	require.NoError(t, err)
	eventually(t, "alert evaluated", func() bool { return b.run(t, runID).Status == StatusCompleted })
	require.True(t, alertResult(t, b.run(t, runID)).Fired)
	riverJobID := *b.run(t, runID).RiverJobID

	line := func(prefix string) string {
		t.Helper()
		var found string
		for l := range strings.SplitSeq(logs.String(), "\n") {
			if strings.Contains(l, prefix) {
				found = l + " " // each attribute ends in a space
			}
		}
		require.NotEmpty(t, found, "no %s in: %s", prefix, logs.String())
		return found
	}
	triggered := line(`msg="Alert triggered"`)
	require.Contains(t, triggered, "level=INFO ")
	require.Contains(t, triggered, " component=alert_evaluator ")
	require.Contains(t, triggered, " context.current_value=150 ", "the close, not the address of it")
	require.Contains(t, triggered, " context.price=150 ")
	require.Contains(t, triggered, " context.ticker=AAPL ")
	require.Contains(t, triggered, ` context.condition="close > 120" `)
	require.Contains(t, triggered, " context.execution_time=")
	require.Contains(t, triggered, fmt.Sprintf(" run_id=%d ", runID))
	require.Contains(t, triggered, fmt.Sprintf(" job_id=%d ", s.ID), "job_id is the schedule id")
	require.Contains(t, triggered, fmt.Sprintf(" river_job_id=%d ", riverJobID))
	require.Contains(t, triggered, fmt.Sprintf(" user_id=%d ", b.userID))

	state := line(`msg="Alert state updated: {`)
	require.Contains(t, state, "level=DEBUG ")
	require.Contains(t, state, `\"status\":\"TRIGGERED\"`)
	require.Contains(t, state, fmt.Sprintf(" job_id=%d ", s.ID))

	done := line(fmt.Sprintf(`msg="Job alert_%d executed successfully in `, s.ID))
	require.Regexp(t, `executed successfully in [0-9.]+s" `, done)
	require.Contains(t, done, "level=INFO ")
	require.Contains(t, done, " component=alert_evaluator ")
	require.Contains(t, done, fmt.Sprintf(" job_id=%d ", s.ID))
	require.Contains(t, done, fmt.Sprintf(" river_job_id=%d ", riverJobID))
	require.Contains(t, done, fmt.Sprintf(" user_id=%d ", b.userID))
	require.Contains(t, done, " job_type=alert ")
	require.Regexp(t, ` context\.execution_time=[0-9.]+ `, done)
}

// A row written by psql in the design's short form, with next_run_at NULL, is
// planned and evaluated on the default synthetic market data.
func TestShortFormRowFromPsqlIsEvaluated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var id int32
	require.NoError(t, b.pool.QueryRow(b.ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron)
		VALUES ($1, 'aapl', 'alert', 'AAPL', '{"symbol": "AAPL", "condition": "price_above", "threshold": 1, "notification_channels": ["telegram"]}', '* * * * *')
		RETURNING id`, b.userID).Scan(&id))
	now := time.Now()
	b.tickAt(t, now) // plans
	s, err := dbsqlc.New().ScheduleGetByID(b.ctx, b.pool, id)
	require.NoError(t, err)
	require.NotNil(t, s.NextRunAt)
	b.tickAt(t, *s.NextRunAt)
	eventually(t, "evaluated", func() bool { return statusCounts(b.runs(t, id))[StatusCompleted] == 1 })
	res := alertResult(t, b.runs(t, id)[0])
	require.True(t, res.Fired, "synthetic AAPL trades above 1: %s", res.Reason)
	require.Equal(t, "close > 1", res.Condition)
	require.Len(t, b.notificationJobs(t), 1)
}

// 1,000 alerts on one symbol due at one time are one River job and one fetch.
func TestThousandAlertsOneJobOneFetch(t *testing.T) {
	t.Parallel()
	market := &priceProvider{price: 150}
	mgr := marketdata.NewManager(market, nil, time.Minute, slog.New(slog.DiscardHandler))
	b := setup(t, setupOpts{market: mgr})
	at := time.Now().Truncate(time.Minute)
	params, _ := json.Marshal(map[string]any{"symbol": "MSFT", "condition": "price_above", "threshold": 120, "timeframe": "1h"})
	_, err := b.pool.Exec(b.ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron, next_run_at)
		SELECT $1, 'a' || g, 'alert', 'MSFT', $2, '* * * * *', $3 FROM generate_series(1, 1000) g`, b.userID, params, at)
	require.NoError(t, err)
	st := b.tickAt(t, at)
	require.Equal(t, 1000, st.Runs)
	var alertJobs int
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT count(*) FROM river_job WHERE kind = 'alert'").Scan(&alertJobs))
	require.Equal(t, 1, alertJobs, "one job evaluates the group")
	eventually(t, "every alert run completed", func() bool {
		var done int
		require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT count(*) FROM job_schedule_runs WHERE status = 'COMPLETED'").Scan(&done))
		return done == 1000
	})
	require.Equal(t, int64(1), mgr.Fetches(), "one market-data fetch for the whole group")
	// Each alert keeps its own outcome: the user's first digest_first fires
	// go at once, the rest wait for one digest.
	require.Len(t, b.notificationJobs(t), b.cfg.DigestFirst)
	require.Equal(t, 1000-b.cfg.DigestFirst, b.count(t, "SELECT count(*) FROM alert_fires WHERE outcome = 'held'"))
	require.Equal(t, 1, b.count(t, "SELECT count(*) FROM river_job WHERE kind = 'alert_digest'"))
}

// A group whose alerts name other timeframes fetches each (symbol,
// timeframe) once, and the operands read their own timeframe's closed bars
// only: the daily bar still open (whose close is the current price) is not
// in the daily SMA.
func TestAlertGroupFetchesEachTimeframeOnce(t *testing.T) {
	t.Parallel()
	market := &priceProvider{price: 150}
	mgr := marketdata.NewManager(market, nil, time.Minute, slog.New(slog.DiscardHandler))
	b := setup(t, setupOpts{market: mgr})
	at := time.Now().Truncate(time.Minute)
	rule := func(right map[string]any) map[string]any {
		return map[string]any{"ticker": "MSFT", "timeframe": "1h", "rule": map[string]any{"indicator": "close", "operator": ">", "right": right}}
	}
	daily := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "* * * * *", nextRunAt: &at,
		params: rule(map[string]any{"indicator": "sma", "period": 20, "timeframe": "1d"})})
	dailyToo := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "* * * * *", nextRunAt: &at,
		params: rule(map[string]any{"indicator": "ema", "period": 5, "timeframe": "1d"})})
	fourHour := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "* * * * *", nextRunAt: &at,
		params: rule(map[string]any{"indicator": "close", "timeframe": "4h"})})
	plain := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "* * * * *", nextRunAt: &at,
		params: rule(map[string]any{"indicator": "sma", "period": 3})})
	b.tickAt(t, at)
	ids := []int32{daily.ID, dailyToo.ID, fourHour.ID, plain.ID}
	eventually(t, "every alert run completed", func() bool {
		for _, id := range ids {
			if statusCounts(b.runs(t, id))[StatusCompleted] != 1 {
				return false
			}
		}
		return true
	})
	var alertJobs int
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT count(*) FROM river_job WHERE kind = 'alert'").Scan(&alertJobs))
	require.Equal(t, 1, alertJobs, "one job evaluates the group")
	require.Equal(t, int64(3), mgr.Fetches(), "one fetch each of 1h, 4h and 1d bars")

	res := alertResult(t, b.runs(t, daily.ID)[0])
	require.True(t, res.Fired, res.Reason)
	require.Equal(t, 100.0, res.Details["sma(20,1d)"], "closed daily bars only: the open one closes at 150")
	require.Equal(t, "close = 150.00 > sma(20,1d) = 100.00", res.Trace.Rule.LeafText())
	require.Equal(t, 100.0, alertResult(t, b.runs(t, dailyToo.ID)[0]).Details["ema(5,1d)"])
	require.Equal(t, 100.0, alertResult(t, b.runs(t, fourHour.ID)[0]).Details["close(4h)"])
	require.Contains(t, alertResult(t, b.runs(t, plain.ID)[0]).Details, "sma(3)")
}

// One alert's bad config fails its own run, not its neighbours'.
func TestBadAlertFailsOnlyItsRun(t *testing.T) {
	t.Parallel()
	market := &priceProvider{price: 150}
	mgr := marketdata.NewManager(market, nil, time.Minute, slog.New(slog.DiscardHandler))
	b := setup(t, setupOpts{market: mgr, noStart: true})
	at := time.Now().Truncate(time.Minute)
	params := map[string]any{"symbol": "IBM", "condition": "price_above", "threshold": 120, "timeframe": "1h"}
	good := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "* * * * *", nextRunAt: &at, params: params})
	bad := b.newSchedule(t, scheduleOpts{jobType: config.JobAlert, cron: "* * * * *", nextRunAt: &at, params: params})
	b.tickAt(t, at)
	// Corrupt the second alert's params inside the queued group job, as a
	// buggy writer could, then let the worker run.
	_, err := b.pool.Exec(b.ctx, `UPDATE river_job SET args = jsonb_set(args, '{alerts,1,params}',
		'{"ticker": "IBM", "timeframe": "1h", "rule": {"operator": "xor", "conditions": []}}') WHERE kind = 'alert'`)
	require.NoError(t, err)
	require.NoError(t, b.client.Start(b.ctx))
	t.Cleanup(func() { _ = b.client.Shutdown(context.Background(), time.Second) })

	eventually(t, "both runs finished", func() bool {
		return len(b.runs(t, good.ID)) == 1 && b.runs(t, good.ID)[0].Status != StatusPending &&
			b.runs(t, good.ID)[0].Status != StatusRunning && len(b.runs(t, bad.ID)) == 1 &&
			b.runs(t, bad.ID)[0].Status == StatusFailed
	})
	g := b.runs(t, good.ID)[0]
	require.Equal(t, StatusCompleted, g.Status)
	require.True(t, alertResult(t, g).Fired)
	require.Contains(t, *b.runs(t, bad.ID)[0].Error, "alert config")
	require.Len(t, b.notificationJobs(t), 1)
}

// syncBuffer collects log output from the workers' goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }
