package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/report"
	"github.com/vigilhq/vigil/screener"
)

// ReportParams are a report's task_params (schemas/report.v1.json).
type ReportParams struct {
	ReportType string `json:"report_type"`
	Parameters struct {
		Symbols       []string `json:"symbols"`
		Timeframe     string   `json:"timeframe"`
		IncludeCharts bool     `json:"include_charts"`
		PortfolioID   int64    `json:"portfolio_id"`
		BotID         int64    `json:"bot_id"`
		Windows       []int    `json:"windows"`
	} `json:"parameters"`
}

// ReportResult is a report run's result: the report's figures, the charts
// stored as the run's artifacts, the symbols that lacked data.
type ReportResult struct {
	ReportType string           `json:"report_type"`
	Report     any              `json:"report"`
	Charts     []ReportChart    `json:"charts,omitempty"`
	Missing    []report.Missing `json:"missing,omitempty"`
	MessageID  string           `json:"message_id"`
}

// ReportChart describes one chart artifact of a run.
type ReportChart struct {
	Name      string `json:"name"`
	Caption   string `json:"caption"`
	SizeBytes int    `json:"size_bytes"`
	SHA256    string `json:"sha256"`
	// URL downloads the PNG from the API.
	URL string `json:"url"`
}

// ReportWorker builds a report (report/), stores its charts as the run's
// artifacts and sends it to the user as text plus photos; the artifacts,
// the notification, the run's result and the job's completion commit in one
// transaction.
type ReportWorker struct {
	river.WorkerDefaults[ReportArgs]
	Pool   *pgxpool.Pool
	Config config.Config
	Market *marketdata.Manager
	Logger *slog.Logger
	// NowFunc is the clock (nil: time.Now).
	NowFunc func() time.Time
}

// Timeout is the type's max_runtime.
func (w *ReportWorker) Timeout(*river.Job[ReportArgs]) time.Duration {
	return w.Config.Job(config.JobReport).MaxRuntime.D()
}

// NextRetry backs off exponentially from the type's retry_delay.
func (w *ReportWorker) NextRetry(job *river.Job[ReportArgs]) time.Time {
	return nextRetry(time.Now(), w.Config.Job(config.JobReport).RetryDelay.D(), job.Attempt)
}

func (w *ReportWorker) now() time.Time {
	if w.NowFunc != nil {
		return w.NowFunc()
	}
	return time.Now()
}

// Work builds and delivers one report.
func (w *ReportWorker) Work(ctx context.Context, job *river.Job[ReportArgs]) error {
	a := job.Args
	now := w.now()
	log := w.Logger.With("river_job_id", job.ID, "job_id", a.Run.ScheduleID, "run_id", a.Run.RunID, "user_id", a.Run.UserID)
	var p ReportParams
	if err := json.Unmarshal(a.Params, &p); err != nil {
		return river.JobCancel(fmt.Errorf("report task_params: %w", err))
	}
	req := report.Request{Type: p.ReportType, Symbols: p.Parameters.Symbols, IncludeCharts: p.Parameters.IncludeCharts,
		Windows: p.Parameters.Windows, Now: now, Timeframe: bars.Timeframe(p.Parameters.Timeframe)}
	if len(req.Symbols) == 0 && a.Target != "" {
		req.Symbols, _ = screener.ExpandTarget("custom", a.Target, nil)
	}
	if id := p.Parameters.PortfolioID; id > 0 {
		pf, err := w.loadPortfolio(ctx, a.Run.UserID, id)
		if errors.Is(err, db.ErrNotFound) {
			return river.JobCancel(fmt.Errorf("parameters.portfolio_id: user %d has no portfolio %d", a.Run.UserID, id))
		}
		if err != nil {
			return err
		}
		req.Portfolio = pf
	}
	if id := p.Parameters.BotID; id > 0 {
		bot, err := w.loadBot(ctx, a.Run.UserID, id)
		if errors.Is(err, db.ErrNotFound) {
			return river.JobCancel(fmt.Errorf("parameters.bot_id: user %d has no trading bot %d", a.Run.UserID, id))
		}
		if err != nil {
			return err
		}
		req.Bot = bot
	}
	if req.Type == report.TypeDailySummary && len(req.Symbols) > 0 {
		fired, err := w.alertsFiredToday(ctx, a.Run.UserID, req.Symbols, now)
		if err != nil {
			return err
		}
		req.AlertsFired = fired
	}
	out, err := report.Build(ctx, req, func(ctx context.Context, symbol string, tf bars.Timeframe, n int) (bars.Series, error) {
		return w.Market.Bars(ctx, symbol, tf, n, now)
	})
	if errors.Is(err, report.ErrInvalidRequest) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}

	res := ReportResult{ReportType: p.ReportType, Report: out.Result, Missing: out.Missing}
	note := NewNotifyArgs(a.Run.UserID, out.Text, notify.PriorityNormal, notify.TypeReport)
	run := a.Run
	note.Run = &run
	res.MessageID = note.MessageID
	for _, c := range out.Charts {
		sum := sha256.Sum256(c.PNG)
		res.Charts = append(res.Charts, ReportChart{Name: c.Name, Caption: c.Caption, SizeBytes: len(c.PNG),
			SHA256: hex.EncodeToString(sum[:]), URL: fmt.Sprintf("/api/runs/%d/artifacts/%s", a.Run.RunID, c.Name)})
		note.Attachments = append(note.Attachments, Attachment{RunID: a.Run.RunID, Name: c.Name, Caption: c.Caption})
	}
	log.Info("report built", "report_type", p.ReportType, "charts", len(out.Charts), "missing", len(out.Missing))
	return commitOutcome(ctx, w.Pool, w.Config, job, a.Run, w.now(), runOutcome{
		result: &res,
		notes:  []NotifyArgs{note},
		writes: func(tx pgx.Tx) error { return storeCharts(ctx, tx, a.Run.RunID, out.Charts, res.Charts) },
	})
}

// storeCharts saves a run's charts as its artifacts.
func storeCharts(ctx context.Context, tx pgx.Tx, runID int64, charts []report.Chart, meta []ReportChart) error {
	q := dbsqlc.New()
	for i, c := range charts {
		if !bytes.HasPrefix(c.PNG, []byte("\x89PNG")) {
			return fmt.Errorf("chart %s of run %d is not a PNG", c.Name, runID)
		}
		if err := q.ArtifactInsert(ctx, tx, dbsqlc.ArtifactInsertParams{RunID: runID, Name: c.Name,
			ContentType: "image/png", SizeBytes: int32(len(c.PNG)), Sha256: meta[i].SHA256, Data: c.PNG}); err != nil {
			return fmt.Errorf("store chart %s of run %d: %w", c.Name, runID, err)
		}
	}
	return nil
}

// loadPortfolio loads a portfolio of userID with its holdings.
func (w *ReportWorker) loadPortfolio(ctx context.Context, userID, id int64) (*report.Portfolio, error) {
	q := dbsqlc.New()
	pf, err := q.PortfolioGet(ctx, w.Pool, dbsqlc.PortfolioGetParams{ID: id, UserID: userID})
	if err != nil {
		return nil, fmt.Errorf("load portfolio %d of user %d: %w", id, userID, db.Translate(err))
	}
	rows, err := q.HoldingList(ctx, w.Pool, id)
	if err != nil {
		return nil, fmt.Errorf("load holdings of portfolio %d: %w", id, err)
	}
	out := &report.Portfolio{ID: pf.ID, Name: pf.Name, Currency: pf.Currency}
	for _, h := range rows {
		out.Holdings = append(out.Holdings, report.Holding{Symbol: h.Symbol, Quantity: h.Quantity, CostBasis: h.CostBasis})
	}
	return out, nil
}

// alertsFiredToday lists, per symbol, the user's alerts that fired since the
// start of today (UTC).
func (w *ReportWorker) alertsFiredToday(ctx context.Context, userID int64, symbols []string, now time.Time) (map[string][]string, error) {
	day := now.UTC().Truncate(24 * time.Hour)
	rows, err := dbsqlc.New().AlertsFiredSince(ctx, w.Pool, dbsqlc.AlertsFiredSinceParams{
		UserID: &userID, Since: day, Symbols: symbols})
	if err != nil {
		return nil, fmt.Errorf("alerts fired today for user %d: %w", userID, err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		label := r.Name
		if r.Condition != "" && !strings.Contains(r.Name, r.Condition) {
			label += " (" + r.Condition + ")"
		}
		if r.FinishedAt != nil {
			label += " at " + r.FinishedAt.UTC().Format("15:04")
		}
		out[r.Symbol] = append(out[r.Symbol], label)
	}
	return out, nil
}
