package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/health/outcome"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/notify"
)

// AlertResult is stored in each alert run's result.
type AlertResult struct {
	Symbol    string             `json:"symbol"`
	Timeframe string             `json:"timeframe"`
	Matched   bool               `json:"matched"`
	Fired     bool               `json:"fired"`
	Reason    string             `json:"reason"`
	Condition string             `json:"condition"`
	Value     *float64           `json:"value,omitempty"`
	Price     float64            `json:"price"`
	BarTime   time.Time          `json:"bar_time"`
	Details   map[string]float64 `json:"details,omitempty"`
	Missing   []string           `json:"missing,omitempty"`
	State     string             `json:"state"`
	MessageID string             `json:"message_id,omitempty"`
	// Delivery is what flood control and the digest made of a fire.
	Delivery *Delivery `json:"delivery,omitempty"`
	// Trace explains the run: every rule node's outcome and operand values,
	// the re-arm state before and after, and why the alert fired or not
	// (alerts.Trace; /why RUN_ID in the bot prints it).
	Trace *alerts.Trace `json:"trace,omitempty"`
}

// AlertWorker evaluates a group of alerts (same symbol, timeframe and fire
// time) with one market-data fetch, and commits every alert's new state, the
// notifications it causes, every run's outcome and the job's completion in
// one transaction (river.JobCompleteTx): a retried or crashed evaluation never
// notifies twice and never loses a trigger.
type AlertWorker struct {
	river.WorkerDefaults[AlertArgs]
	Pool   *pgxpool.Pool
	Config config.Config
	Market *marketdata.Manager
	Logger *slog.Logger
	// Evaluations records every job's evaluation: a success when it
	// committed, a failure when it returned an error (nil: not recorded).
	Evaluations *outcome.Recorder
	// NowFunc is the clock (nil: time.Now).
	NowFunc func() time.Time
	// beforeCommit is a test hook called after every write, before commit.
	beforeCommit func() error
	// flood is flood control and the per-user digest (flood.go).
	flood floodControl
}

// Timeout is the alert type's max_runtime (SCHEDULER_ALERT_TIMEOUT).
func (w *AlertWorker) Timeout(*river.Job[AlertArgs]) time.Duration {
	return w.Config.Job(config.JobAlert).MaxRuntime.D()
}

// NextRetry backs off exponentially from the type's retry_delay.
func (w *AlertWorker) NextRetry(job *river.Job[AlertArgs]) time.Time {
	return nextRetry(time.Now(), w.Config.Job(config.JobAlert).RetryDelay.D(), job.Attempt)
}

func (w *AlertWorker) now() time.Time {
	if w.NowFunc != nil {
		return w.NowFunc()
	}
	return time.Now()
}

type alertItem struct {
	AlertItem
	cfg *alerts.Config
	err error
}

// Work evaluates the group and records the evaluation in Evaluations.
func (w *AlertWorker) Work(ctx context.Context, job *river.Job[AlertArgs]) error {
	err := w.work(ctx, job)
	w.Evaluations.Record(time.Now(), err)
	return err
}

func (w *AlertWorker) work(ctx context.Context, job *river.Job[AlertArgs]) error {
	a := job.Args
	now := w.now()
	workStart := time.Now()
	log := w.Logger.With("river_job_id", job.ID, "symbol", a.Symbol, "timeframe", a.Timeframe)
	items := make([]alertItem, len(a.Alerts))
	lookback := 0
	others := map[bars.Timeframe]int{} // operands' other timeframes: the most bars any alert needs
	for i, it := range a.Alerts {
		items[i].AlertItem = it
		items[i].cfg, items[i].err = alerts.Parse(it.Params)
		if items[i].err == nil {
			lookback = max(lookback, items[i].cfg.Lookback())
			for _, tf := range items[i].cfg.Timeframes() {
				others[tf] = max(others[tf], items[i].cfg.LookbackFor(tf))
			}
		}
	}
	var series bars.Series
	var frames map[bars.Timeframe]bars.Series
	var dataErr error
	if lookback > 0 {
		// One fetch per (symbol, timeframe) for the whole group.
		tf, err := bars.ParseTimeframe(a.Timeframe)
		if err != nil {
			dataErr = err
		} else {
			series, dataErr = w.Market.Bars(ctx, a.Symbol, tf, lookback, now)
		}
		for other, n := range others {
			if dataErr != nil {
				break
			}
			if frames == nil {
				frames = make(map[bars.Timeframe]bars.Series, len(others))
			}
			if frames[other], dataErr = w.Market.Bars(ctx, a.Symbol, other, n, now); dataErr != nil {
				dataErr = fmt.Errorf("%s bars for operands: %w", other, dataErr)
			}
		}
		if dataErr != nil && !errors.Is(dataErr, market.ErrUnknownSymbol) {
			// Data unavailable: nothing is written; River retries the whole group.
			return fmt.Errorf("alert %s %s: %w", a.Symbol, a.Timeframe, dataErr)
		}
	}

	workerID := ""
	if c := river.ClientFromContext[pgx.Tx](ctx); c != nil {
		workerID = c.ID()
	}
	started := now
	if job.AttemptedAt != nil {
		started = *job.AttemptedAt
	}
	var events []RunEvent     // the runs' outcomes, logged once committed
	var changes []stateChange // the alerts' new states, logged once committed
	debug := log.Enabled(ctx, slog.LevelDebug)
	err := pgx.BeginFunc(ctx, w.Pool, func(tx pgx.Tx) error {
		q := dbsqlc.New()
		ids := make([]int32, len(items))
		for i, it := range items {
			ids[i] = int32(it.Run.ScheduleID)
		}
		rows, err := q.ScheduleLockStates(ctx, tx, ids)
		if err != nil {
			return fmt.Errorf("lock alert states: %w", err)
		}
		byID := make(map[int32]dbsqlc.ScheduleLockStatesRow, len(rows))
		for _, r := range rows {
			byID[r.ID] = r
		}
		var states dbsqlc.ScheduleSetStatesParams
		var notes []river.InsertManyParams
		var acts []firedActions
		events, changes = make([]RunEvent, 0, len(items)), changes[:0]
		gate := w.flood.begin(w.Config, log, now)
		for _, it := range items {
			ev := RunEvent{RunID: it.Run.RunID, ScheduleID: it.Run.ScheduleID, ScheduledFor: it.Run.ScheduledFor, Attempt: job.Attempt, StartedAt: started,
				At: now, WorkerID: workerID, Status: StatusCompleted}
			res, newState, note, err := w.evaluate(it, byID, series, frames, dataErr, now)
			if err != nil {
				ev.Status, ev.Error = StatusFailed, err.Error() // logged after commit
				if res != nil {                                 // the trace of an evaluation that could not decide
					ev.Result, _ = json.Marshal(res)
				}
			} else {
				b, _ := json.Marshal(res)
				ev.Result = b
				if newState != nil {
					states.Ids = append(states.Ids, int32(it.Run.ScheduleID))
					states.States = append(states.States, string(newState))
					if debug {
						changes = append(changes, stateChange{run: it.Run, old: byID[int32(it.Run.ScheduleID)].StateJson, updated: newState})
					}
				}
				if note != nil {
					if it.cfg != nil && len(it.cfg.Notify.Actions) > 0 {
						acts = append(acts, firedActions{run: it.Run, res: res, actions: it.cfg.Notify.Actions})
					}
					gate.fired(len(events), it.Run, res, note)
					notes = append(notes, river.InsertManyParams{Args: *note, InsertOpts: InsertOpts(w.Config, config.JobNotification)})
					fields := []any{"ticker", res.Symbol, "timeframe", res.Timeframe, "condition", res.Condition,
						"price", res.Price}
					if res.Value != nil {
						// The number, not the pointer.
						fields = append(fields, "current_value", *res.Value)
					}
					fields = append(fields, "execution_time", seconds(time.Since(workStart)))
					log.Info("Alert triggered", "job_id", it.Run.ScheduleID, "run_id", it.Run.RunID,
						"user_id", it.Run.UserID, "message_id", res.MessageID, slog.Group("context", fields...))
				}
			}
			events = append(events, ev)
		}
		if notes, err = gate.close(ctx, tx, events, notes); err != nil {
			return err
		}
		if err := queueActions(ctx, tx, acts); err != nil {
			return err
		}
		if len(states.Ids) > 0 {
			// A state write is not an edit: as for the scheduler's own
			// writes, it neither wakes the schedulers (NOTIFY) nor bumps
			// updated_at, so a user's ETag stays valid while alerts run.
			if _, err := tx.Exec(ctx, "SET LOCAL vigil.scheduler = 'on'"); err != nil {
				return fmt.Errorf("mark alert state write: %w", err)
			}
			if err := q.ScheduleSetStates(ctx, tx, states); err != nil {
				return fmt.Errorf("write alert states: %w", err)
			}
			// Only the state write: a pause for failure below is an edit.
			if _, err := tx.Exec(ctx, "SET LOCAL vigil.scheduler = 'off'"); err != nil {
				return fmt.Errorf("unmark alert state write: %w", err)
			}
		}
		if len(notes) > 0 {
			client := river.ClientFromContext[pgx.Tx](ctx)
			if _, err := client.InsertManyTx(ctx, tx, notes); err != nil {
				return fmt.Errorf("enqueue %d notifications: %w", len(notes), err)
			}
		}
		if err := applyEvents(ctx, tx, events); err != nil {
			return err
		}
		if w.beforeCommit != nil {
			if err := w.beforeCommit(); err != nil {
				return err
			}
		}
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete alert job: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	MarkSelfTracked(ctx)
	for _, c := range changes {
		logStateUpdate(ctx, log, c)
	}
	took := time.Since(workStart)
	for i, it := range items {
		logRunOutcome(ctx, w.Logger, "", config.JobAlert, it.Run, job.ID, job.Attempt, events[i].Status, events[i].Error, took,
			"ticker", a.Symbol, "timeframe", a.Timeframe)
	}
	return nil
}

// stateChange is an alert's state before and after an evaluation.
type stateChange struct {
	run          RunRef
	old, updated []byte
}

// logStateUpdate writes the design's DEBUG line "Alert state updated:
// {...}" when an alert's state changed.
func logStateUpdate(ctx context.Context, log *slog.Logger, c stateChange) {
	if !log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	var before, after any
	_ = json.Unmarshal(c.old, &before)
	if err := json.Unmarshal(c.updated, &after); err != nil || reflect.DeepEqual(before, after) {
		return
	}
	log.DebugContext(ctx, "Alert state updated: "+string(c.updated), "job_id", c.run.ScheduleID, "run_id", c.run.RunID,
		"user_id", c.run.UserID)
}

// evaluate runs one alert of the group. It returns the run result, the new
// state JSON (nil: unchanged), the notification to send (nil: none), or an
// error that fails this alert's run only.
func (w *AlertWorker) evaluate(it alertItem, rows map[int32]dbsqlc.ScheduleLockStatesRow, series bars.Series,
	frames map[bars.Timeframe]bars.Series, dataErr error, now time.Time) (*AlertResult, []byte, *NotifyArgs, error) {
	if it.err != nil {
		return nil, nil, nil, fmt.Errorf("alert config: %w", it.err)
	}
	row, ok := rows[int32(it.Run.ScheduleID)]
	if !ok {
		return nil, nil, nil, errors.New("the alert's schedule no longer exists")
	}
	if dataErr != nil {
		return nil, nil, nil, dataErr
	}
	cfg := it.cfg
	prev, err := alerts.LoadState(row.StateJson)
	if err != nil {
		prev = alerts.NewState() // a corrupt state re-arms rather than blocking the alert forever
	}
	ev, err := cfg.EvaluateWith(alerts.Input{Series: series, Frames: frames, Now: now, Trace: true})
	if err != nil {
		err = fmt.Errorf("evaluate %s: %w", ev.Condition, err)
		var res *AlertResult
		if errors.Is(err, alerts.ErrMissingValue) || errors.Is(err, alerts.ErrNotEnoughData) {
			// The run fails, with a trace saying what was missing.
			tr := cfg.ExplainError(prev, ev, err, now)
			res = &AlertResult{Symbol: cfg.Ticker, Timeframe: string(cfg.Timeframe), Reason: "not evaluated",
				Condition: ev.Condition, Price: ev.Price, BarTime: ev.Bar.Time, Details: ev.Details, Missing: ev.Missing,
				State: prev.Status, Trace: &tr}
		}
		return res, nil, nil, err
	}
	d := cfg.Step(prev, ev, now)
	state, err := json.Marshal(d.State)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("encode alert state: %w", err)
	}
	tr := cfg.Explain(prev, ev, d, now)
	res := &AlertResult{Symbol: cfg.Ticker, Timeframe: string(cfg.Timeframe), Matched: ev.Matched, Fired: d.Fire,
		Reason: d.Reason, Condition: ev.Condition, Price: ev.Price, BarTime: ev.Bar.Time, Details: ev.Details,
		Missing: ev.Missing, State: d.State.Status, Trace: &tr}
	if !math.IsNaN(ev.Value) {
		v := ev.Value
		res.Value = &v
	}
	var note *NotifyArgs
	if d.Fire {
		n := NewNotifyArgs(int64(row.UserID), alertMessage(cfg.Message(ev, now), it.Run.RunID), cfg.Notify.NotificationPriority(), notify.TypeAlert)
		if cfg.Notify.Default {
			n.DefaultChannels = cfg.Notify.Channels // the owner's alert preference beats these
		} else {
			n.Channels = cfg.Notify.Channels
		}
		n.CauseRunID = it.Run.RunID
		res.MessageID = n.MessageID
		note = &n
	}
	return res, state, note, nil
}

// alertMessage is an alert's message with the hint that explains it: the
// last line is "/why RUN_ID".
func alertMessage(text string, runID int64) string {
	return text + "\n/why " + strconv.FormatInt(runID, 10)
}

// applyEvents writes run events in tx (the batched ledger's statement) and
// pauses schedules with pause_on_failure whose run failed.
func applyEvents(ctx context.Context, tx pgx.Tx, events []RunEvent) error {
	failed, err := writeEvents(ctx, tx, events)
	if err != nil {
		return err
	}
	return pauseAfterFailure(ctx, tx, failed)
}
