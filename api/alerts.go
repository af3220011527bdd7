package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/market"
)

type runAlertInput struct {
	Body map[string]any `doc:"An alert config (task_params of an alert schedule): the design's full form or its short form"`
}

// AlertEvaluation is the outcome of evaluating an alert now.
type AlertEvaluation struct {
	Matched   bool               `json:"matched" doc:"The rule holds on the latest bar"`
	Condition string             `json:"condition" doc:"The rule for people, e.g. close > 150"`
	Value     *float64           `json:"value" doc:"The main condition's left operand on the latest bar"`
	Level     *float64           `json:"level" doc:"What the main condition compares it with"`
	Price     float64            `json:"price" doc:"The latest close"`
	BarTime   time.Time          `json:"bar_time" doc:"Open time of the bar evaluated"`
	Details   map[string]float64 `json:"details,omitempty" doc:"Every operand's latest value"`
	Missing   []string           `json:"missing,omitempty" doc:"Operands with no value on the latest bar"`
	Message   string             `json:"message" doc:"The notification this alert would send"`
}

type runAlertOutput struct {
	Location string `header:"Location"`
	Body     struct {
		Run        Run             `json:"run"`
		Evaluation AlertEvaluation `json:"evaluation"`
	}
}

// runAlert evaluates an alert config now, without a schedule and without
// state or notifications, and records the evaluation as an ad-hoc run.
func (h *handler) runAlert(ctx context.Context, in *runAlertInput) (*runAlertOutput, error) {
	p := caller(ctx)
	if err := h.validator.ValidateValue(config.JobAlert, in.Body); err != nil {
		return nil, h.problem(at("body", err))
	}
	raw, err := json.Marshal(in.Body)
	if err != nil {
		return nil, h.problem(fmt.Errorf("encode alert config: %w", err))
	}
	cfg, err := alerts.Parse(raw)
	if err != nil {
		var pe *alerts.ParseError
		if errors.As(err, &pe) {
			details := make([]error, 0, len(pe.Problems))
			for _, pr := range pe.Problems {
				details = append(details, &huma.ErrorDetail{Location: "body.task_params" + pr.Path, Message: pr.Message})
			}
			return nil, huma.Error422UnprocessableEntity("invalid alert config", details...)
		}
		return nil, h.problem(err)
	}
	if h.market == nil {
		return nil, huma.Error503ServiceUnavailable("market data is not configured")
	}
	now := h.now()
	series, err := h.market.Bars(ctx, cfg.Ticker, cfg.Timeframe, cfg.Lookback(), now)
	if err != nil {
		if errors.Is(err, market.ErrUnknownSymbol) {
			return nil, huma.Error422UnprocessableEntity("unknown symbol",
				&huma.ErrorDetail{Location: "body.ticker", Message: err.Error(), Value: cfg.Ticker})
		}
		return nil, huma.Error503ServiceUnavailable("market data unavailable: " + err.Error())
	}
	var frames map[bars.Timeframe]bars.Series
	for _, tf := range cfg.Timeframes() {
		s, err := h.market.Bars(ctx, cfg.Ticker, tf, cfg.LookbackFor(tf), now)
		if err != nil {
			return nil, huma.Error503ServiceUnavailable(fmt.Sprintf("market data unavailable (%s bars): %v", tf, err))
		}
		if frames == nil {
			frames = map[bars.Timeframe]bars.Series{}
		}
		frames[tf] = s
	}
	ev, err := cfg.EvaluateWith(alerts.Input{Series: series, Frames: frames, Now: now})
	if err != nil && !errors.Is(err, alerts.ErrMissingValue) {
		return nil, huma.Error422UnprocessableEntity("cannot evaluate the alert: " + err.Error())
	}
	out := AlertEvaluation{Matched: ev.Matched, Condition: ev.Condition, Price: ev.Price, BarTime: ev.Bar.Time,
		Details: ev.Details, Missing: ev.Missing, Message: cfg.Message(ev, now)}
	if !math.IsNaN(ev.Value) {
		out.Value = &ev.Value
	}
	if !math.IsNaN(ev.Level) {
		out.Level = &ev.Level
	}
	result, _ := json.Marshal(out)
	finished := h.now()
	var run dbsqlc.JobScheduleRun
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		if _, err := db.EnsureRunPartitions(ctx, tx, now, now); err != nil {
			return err
		}
		var err error
		run, err = h.q.RunInsertAdhoc(ctx, tx, dbsqlc.RunInsertAdhocParams{JobType: config.JobAlert, UserID: &p.UserID,
			Status: jobs.StatusCompleted, ScheduledFor: now, StartedAt: &now, FinishedAt: &finished,
			JobSnapshot: raw, Result: result, WorkerID: ptrTo("api")})
		if err != nil {
			return fmt.Errorf("record ad-hoc alert run: %w", err)
		}
		return audit(ctx, tx, p.actor(), "alert.run", "run", run.ID, map[string]any{"ticker": cfg.Ticker, "matched": ev.Matched})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	o := &runAlertOutput{Location: fmt.Sprintf("/api/runs/%d", run.ID)}
	o.Body.Run, o.Body.Evaluation = toRun(run), out
	return o, nil
}

func ptrTo[T any](v T) *T { return &v }

// registerAlerts adds the alert operations.
func (h *handler) registerAlerts(api huma.API) {
	op(api, "run-alert", http.MethodPost, "/api/alerts/run", "Evaluate an alert config now, without a schedule", "alerts",
		http.StatusCreated, h.runAlert, http.StatusUnprocessableEntity, http.StatusServiceUnavailable)
	opd(api, "backtest-alert", http.MethodPost, "/api/alerts/backtest", "Backtest an alert: how often it would have fired",
		backtestAlertDoc, "alerts", http.StatusCreated, h.backtestAlert,
		http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusServiceUnavailable)
}
