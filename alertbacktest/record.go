package alertbacktest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Snapshot is what a backtest run stores as its job_snapshot: the config
// replayed (full form) and the range.
type Snapshot struct {
	Config     *alerts.Config `json:"config"`
	From       time.Time      `json:"from"`
	To         time.Time      `json:"to"`
	ScheduleID int64          `json:"schedule_id,omitempty"`
}

// Recording says who ran a backtest and when, for Record.
type Recording struct {
	// UserID owns the run.
	UserID int64
	// Source is where the backtest was asked for (api, bot).
	Source audit.Source
	// WorkerID is the run's worker_id (api, bot).
	WorkerID string
	// ScheduleID is the alert backtested, 0 for a config.
	ScheduleID int64
	// Started and Finished bound the work.
	Started, Finished time.Time
}

// Record stores res with q (a transaction): a finished ad-hoc alert run of
// the user (job_id NULL, trigger adhoc) whose result is the Answer, the
// chart as the run's artifact, and an alert.backtest audit row. It returns
// the run id and the Answer.
func Record(ctx context.Context, q dbsqlc.DBTX, cfg *alerts.Config, res *Result, rec Recording) (int64, Answer, error) {
	queries := dbsqlc.New()
	snapshot, err := json.Marshal(Snapshot{Config: cfg, From: res.From, To: res.To, ScheduleID: rec.ScheduleID})
	if err != nil {
		return 0, Answer{}, fmt.Errorf("encode backtest snapshot: %w", err)
	}
	started, finished := rec.Started.UTC(), rec.Finished.UTC()
	ans := Answer{BacktestResult: res.BacktestResult}
	result, err := json.Marshal(ans)
	if err != nil {
		return 0, Answer{}, fmt.Errorf("encode backtest result: %w", err)
	}
	if _, err := db.EnsureRunPartitions(ctx, q, started, started); err != nil {
		return 0, Answer{}, err
	}
	run, err := queries.RunInsertAdhoc(ctx, q, dbsqlc.RunInsertAdhocParams{JobType: "alert", UserID: &rec.UserID,
		Status: "COMPLETED", ScheduledFor: started, StartedAt: &started, FinishedAt: &finished,
		JobSnapshot: snapshot, Result: result, WorkerID: &rec.WorkerID})
	if err != nil {
		return 0, Answer{}, fmt.Errorf("record backtest run for user %d: %w", rec.UserID, err)
	}
	name := ChartName(cfg)
	sum := sha256.Sum256(res.Chart)
	if err := queries.ArtifactInsert(ctx, q, dbsqlc.ArtifactInsertParams{RunID: run.ID, Name: name, ContentType: "image/png",
		SizeBytes: int32(len(res.Chart)), Sha256: hex.EncodeToString(sum[:]), Data: res.Chart}); err != nil {
		return 0, Answer{}, fmt.Errorf("store backtest chart of run %d: %w", run.ID, err)
	}
	ans.Chart = fmt.Sprintf("/api/runs/%d/artifacts/%s", run.ID, name)
	if result, err = json.Marshal(ans); err != nil {
		return 0, Answer{}, fmt.Errorf("encode backtest result: %w", err)
	}
	if err := queries.RunSetResult(ctx, q, dbsqlc.RunSetResultParams{ID: run.ID, ScheduledFor: run.ScheduledFor, Result: result}); err != nil {
		return 0, Answer{}, fmt.Errorf("store backtest result of run %d: %w", run.ID, err)
	}
	details := map[string]any{"ticker": cfg.Ticker, "timeframe": string(cfg.Timeframe), "from": res.From, "to": res.To,
		"bars_evaluated": res.BarsEvaluated, "count": res.Count}
	if rec.ScheduleID != 0 {
		details["schedule_id"] = rec.ScheduleID
	}
	if err := audit.Write(ctx, q, audit.Entry{Actor: rec.UserID, Owner: rec.UserID, Source: rec.Source,
		Action: "alert.backtest", EntityType: "run", EntityID: run.ID, Details: details}); err != nil {
		return 0, Answer{}, err
	}
	return run.ID, ans, nil
}
