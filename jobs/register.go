package jobs

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/notify"
)

// Register adds the worker of every job kind to workers, with its
// dependencies from d, through river.AddWorkerSafely: a kind registered
// twice is an error, never skipped. Kinds listed in d.Replaced are left out
// (the caller registers its own worker for them).
//
// When d.Work is set the workers will run, so the market-data manager, the
// per-source managers and the fundamentals manager they read are required;
// an insert-only or scheduler-only client registers the workers only so that
// River accepts their kinds on insert, and may leave them nil.
func Register(workers *river.Workers, d Deps) error {
	if d.Work {
		var missing []error
		if d.Market == nil {
			missing = append(missing, errors.New("the market-data manager (Deps.Market) is required by the alert, screener and report workers"))
		}
		if d.Sources == nil {
			missing = append(missing, errors.New("the market-data sources (Deps.Sources) are required by the data_processing worker"))
		}
		if d.Fundamentals == nil {
			missing = append(missing, errors.New("the fundamentals manager (Deps.Fundamentals) is required by the screener worker"))
		}
		if len(missing) > 0 {
			return fmt.Errorf("register workers: %w", errors.Join(missing...))
		}
	}
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := d.Config
	channels := maps.Clone(d.Channels)
	if channels == nil {
		channels = map[string]notify.Channel{}
	}
	if _, ok := channels[notify.ChannelLog]; !ok {
		channels[notify.ChannelLog] = &notify.Log{Logger: log.With("component", "notify")}
	}
	var managers func(string) (*marketdata.Manager, error) // nil: never worked (insert-only client)
	if d.Sources != nil {
		managers = d.Sources.Manager
	}

	add := func(kind string, addWorker func() error) error {
		if slices.Contains(d.Replaced, kind) {
			return nil
		}
		if err := addWorker(); err != nil {
			return fmt.Errorf("register the %s worker: %w", kind, err)
		}
		return nil
	}
	return errors.Join(
		add(config.JobNotification, func() error {
			return river.AddWorkerSafely(workers, &NotifyWorker{Pool: d.Pool, Config: cfg, Channels: channels,
				Logger: log.With("component", "notify"), Metrics: d.Metrics})
		}),
		add(config.JobAlert, func() error {
			return river.AddWorkerSafely(workers, &AlertWorker{Pool: d.Pool, Config: cfg, Market: d.Market,
				Logger: log.With("component", componentOf(config.JobAlert)), Evaluations: d.AlertEvaluations})
		}),
		add(config.JobScreener, func() error {
			return river.AddWorkerSafely(workers, &ScreenerWorker{Pool: d.Pool, Config: cfg, Market: d.Market,
				Fundamentals: d.Fundamentals, Logger: log.With("component", "screener")})
		}),
		add(config.JobReport, func() error {
			return river.AddWorkerSafely(workers, &ReportWorker{Pool: d.Pool, Config: cfg, Market: d.Market,
				Logger: log.With("component", "report")})
		}),
		add(config.JobDataProcessing, func() error {
			return river.AddWorkerSafely(workers, &DataProcessingWorker{Config: cfg, Managers: managers,
				Logger: log.With("component", "data_processing")})
		}),
		add(config.JobBackup, func() error {
			return river.AddWorkerSafely(workers, &BackupWorker{Pool: d.Pool, Config: cfg,
				Logger: log.With("component", "backup")})
		}),
		add(KindTradingView, func() error {
			return river.AddWorkerSafely(workers, &TradingViewWorker{Pool: d.Pool, Config: cfg,
				Logger: log.With("component", "tradingview")})
		}),
		add(KindAlertDigest, func() error {
			return river.AddWorkerSafely(workers, &AlertDigestWorker{Pool: d.Pool, Config: cfg,
				Logger: log.With("component", "digest")})
		}),
		add(RunRetentionArgs{}.Kind(), func() error {
			return river.AddWorkerSafely(workers, &RunRetentionWorker{Pool: d.Pool, Config: cfg,
				Logger: log.With("component", "retention")})
		}),
		add(RunReconcileArgs{}.Kind(), func() error {
			return river.AddWorkerSafely(workers, &RunReconcileWorker{Pool: d.Pool,
				Logger: log.With("component", "reconciler")})
		}),
	)
}
