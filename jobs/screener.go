package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/screener"
)

// ScreenerResult is a screener run's result: the design's shape
// (screener_set, total_tickers, filtered_count, results) plus the symbols
// that lacked data and the alerts created for the matches.
type ScreenerResult struct {
	screener.Result
	// AlertsCreated are the schedule ids of the alerts create_alerts made.
	AlertsCreated []int32 `json:"alerts_created,omitempty"`
	// AlertsNotCreated says why create_alerts stopped early (the owner's
	// schedule quota), "" when it did not.
	AlertsNotCreated string `json:"alerts_not_created,omitempty"`
	// ActionsQueued is how many trading-bot actions this run queued for its
	// top matches.
	ActionsQueued int `json:"actions_queued,omitempty"`
	// MessageID is the notification carrying the result.
	MessageID string `json:"message_id"`
}

// screenerAlertCron checks alerts created for screener matches on daily bars
// after the US close (as the bot's /alert does for 1d).
const screenerAlertCron = "0 21 * * 1-5"

// ScreenerWorker runs a screener: it expands the universe, fetches every
// symbol's fundamentals in one call and bars at most once per symbol
// (concurrently, through the shared market-data cache), filters and ranks,
// and commits the result, the notification and any alerts it creates with
// the job's completion in one transaction.
type ScreenerWorker struct {
	river.WorkerDefaults[ScreenerArgs]
	Pool         *pgxpool.Pool
	Config       config.Config
	Market       *marketdata.Manager
	Fundamentals *fundamentals.Manager
	Logger       *slog.Logger
	// Concurrency is the most bar fetches in flight (0: 8).
	Concurrency int
	// NowFunc is the clock (nil: time.Now).
	NowFunc func() time.Time

	svcOnce sync.Once
	svc     *schedules.Service
	svcErr  error
}

// schedules is the service create_alerts creates alerts through (the same
// rules and audit as the API and the bot).
func (w *ScreenerWorker) schedules() (*schedules.Service, error) {
	w.svcOnce.Do(func() {
		v, err := schemas.New()
		if err != nil {
			w.svcErr = fmt.Errorf("screener: load schemas: %w", err)
			return
		}
		w.svc, w.svcErr = schedules.New(schedules.Options{Config: w.Config, Validator: v, Logger: w.Logger, Now: w.NowFunc})
	})
	return w.svc, w.svcErr
}

// Timeout is the type's max_runtime.
func (w *ScreenerWorker) Timeout(*river.Job[ScreenerArgs]) time.Duration {
	return w.Config.Job(config.JobScreener).MaxRuntime.D()
}

// NextRetry backs off exponentially from the type's retry_delay.
func (w *ScreenerWorker) NextRetry(job *river.Job[ScreenerArgs]) time.Time {
	return nextRetry(time.Now(), w.Config.Job(config.JobScreener).RetryDelay.D(), job.Attempt)
}

func (w *ScreenerWorker) now() time.Time {
	if w.NowFunc != nil {
		return w.NowFunc()
	}
	return time.Now()
}

// Work runs one screener.
func (w *ScreenerWorker) Work(ctx context.Context, job *river.Job[ScreenerArgs]) error {
	a := job.Args
	now := w.now()
	log := w.Logger.With("river_job_id", job.ID, "job_id", a.Run.ScheduleID, "run_id", a.Run.RunID, "user_id", a.Run.UserID)
	p, err := screener.ParseParams(a.Params)
	if err != nil {
		return river.JobCancel(fmt.Errorf("screener task_params: %w", err))
	}
	target := a.Target
	if len(p.Tickers) > 0 {
		target = strings.Join(p.Tickers, ",")
	}
	symbols, err := screener.ExpandTarget(p.ScreenerSet, target, w.customSets(ctx, a.Run.UserID))
	switch {
	case errors.Is(err, screener.ErrUnknownUniverse), errors.Is(err, db.ErrNotFound):
		return river.JobCancel(fmt.Errorf("screener set %q: %w", p.ScreenerSet, err))
	case err != nil:
		return fmt.Errorf("expand screener set %q: %w", p.ScreenerSet, err)
	case len(symbols) == 0:
		return river.JobCancel(fmt.Errorf("screener set %q: no tickers (give tickers or a ticker list in target)", p.ScreenerSet))
	}
	src := screener.Sources{
		Bars: func(ctx context.Context, symbol string, tf bars.Timeframe, n int) (bars.Series, error) {
			return w.Market.Bars(ctx, symbol, tf, n, now)
		},
		Concurrency: w.Concurrency,
		Now:         func() time.Time { return now },
	}
	if w.Fundamentals != nil {
		src.Fundamentals = w.Fundamentals.Get
	}
	started := time.Now()
	res, err := screener.Run(ctx, p, symbols, src)
	if err != nil {
		if errors.Is(err, screener.ErrInvalidParams) {
			return river.JobCancel(fmt.Errorf("screener: %w", err))
		}
		return fmt.Errorf("screener %s: %w", p.ScreenerSet, err)
	}
	log.Info("screener ran", "screener_set", p.ScreenerSet, "total_tickers", res.TotalTickers,
		"filtered_count", res.FilteredCount, "missing", len(res.Missing), "elapsed_ms", time.Since(started).Milliseconds())

	out := ScreenerResult{Result: res}
	note := NewNotifyArgs(a.Run.UserID, res.TextLimit(screener.TextMaxChars, fmt.Sprintf("full list in run %d", a.Run.RunID)),
		notify.PriorityNormal, notify.TypeScreener)
	run := a.Run
	note.Run = &run
	out.MessageID = note.MessageID
	return commitOutcome(ctx, w.Pool, w.Config, job, a.Run, w.now(), runOutcome{
		result: &out,
		notes:  []NotifyArgs{note},
		writes: func(tx pgx.Tx) error {
			queued, err := queueScreenerActions(ctx, tx, a.Run, p, res)
			if err != nil {
				return err
			}
			out.ActionsQueued = queued
			if !p.CreateAlerts || len(res.Results) == 0 {
				return nil
			}
			svc, err := w.schedules()
			if err != nil {
				return err
			}
			ids, stopped, err := createScreenerAlerts(ctx, tx, svc, a.Run.UserID, p, res)
			out.AlertsCreated, out.AlertsNotCreated = ids, stopped
			return err
		},
	})
}

// customSets looks up the user's saved screener sets (custom:NAME).
func (w *ScreenerWorker) customSets(ctx context.Context, userID int64) screener.CustomSets {
	return func(name string) ([]string, error) {
		set, err := dbsqlc.New().ScreenerSetGet(ctx, w.Pool, dbsqlc.ScreenerSetGetParams{UserID: userID, Name: name})
		if err != nil {
			return nil, fmt.Errorf("screener set custom:%s of user %d: %w", name, userID, db.Translate(err))
		}
		return set.Symbols, nil
	}
}

// createScreenerAlerts makes an alert schedule per match through the
// schedule service (quota, rights and audit as for any other caller): the
// screener's rule on that symbol when it has one, else a ±5 % daily move. A
// match that already has the alert is skipped, so running the screener daily
// does not pile up duplicates. When the owner's quota is reached it stops and
// says so (stopped) instead of failing the run.
func createScreenerAlerts(ctx context.Context, tx pgx.Tx, svc *schedules.Service, userID int64, p screener.Params, res screener.Result) (ids []int32, stopped string, err error) {
	q := dbsqlc.New()
	names := make([]string, len(res.Results))
	for i, m := range res.Results {
		names[i] = fmt.Sprintf("screener %s: %s", p.ScreenerSet, m.Symbol)
	}
	have, err := q.ScheduleNamesByUser(ctx, tx, dbsqlc.ScheduleNamesByUserParams{UserID: int32(userID), JobType: config.JobAlert, Names: names})
	if err != nil {
		return nil, "", fmt.Errorf("list existing screener alerts: %w", err)
	}
	exists := map[string]bool{}
	for _, n := range have {
		exists[n] = true
	}
	actor := schedules.Actor{UserID: userID, Source: audit.SourceWorker}
	for i, m := range res.Results {
		if exists[names[i]] {
			continue
		}
		var rule any = map[string]any{"operator": "or", "conditions": []any{
			map[string]any{"indicator": "close", "operator": "change_pct", "bars": 1, "direction": "up", "value": 5},
			map[string]any{"indicator": "close", "operator": "change_pct", "bars": 1, "direction": "down", "value": 5},
		}}
		if len(p.Criteria.Rule) > 0 {
			rule = p.Criteria.Rule
		}
		params, err := json.Marshal(map[string]any{"ticker": m.Symbol, "timeframe": "1d", "rule": rule})
		if err != nil {
			return nil, "", fmt.Errorf("encode alert for %s: %w", m.Symbol, err)
		}
		s, err := svc.Create(ctx, tx, actor, schedules.Definition{Name: names[i], JobType: config.JobAlert, Target: m.Symbol,
			TaskParams: params, Cron: screenerAlertCron, Timezone: "UTC"})
		if e, ok := schedules.AsError(err); ok && e.Kind == schedules.KindQuota {
			return ids, e.Msg, nil
		}
		if err != nil {
			return nil, "", fmt.Errorf("create alert for screener match %s: %w", m.Symbol, err)
		}
		ids = append(ids, s.ID)
	}
	return ids, "", nil
}
