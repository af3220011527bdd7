package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/alertbacktest"
	"github.com/vigilhq/vigil/alerts"
	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
)

const backtestAlertDoc = "Replays an alert over past bars with the alert worker's own engine (rule tree, re-arm " +
	"state machine, frequency, expiry), one closed bar at a time, each evaluated at its close, and answers how " +
	"often it would have fired. Give either `config` (an alert's task_params, full or short form, as " +
	"POST /api/alerts/run takes) or `schedule_id` (one of your alert schedules). The range is [`from`, `to`), " +
	"by default the 90 days up to the last closed bar of the alert's timeframe; at most 1,000,000 bars.\n\n" +
	"The backtest is recorded as an ad-hoc alert run (no schedule, trigger `adhoc`; `Location`) whose result " +
	"is this answer and whose artifact is the chart: the last 300 bars as candles with the triggers marked. " +
	"`triggers` lists the newest 10,000 triggers when there are more; `count` and `per_week` count them all."

type backtestAlertInput struct {
	Body struct {
		Config     map[string]any `json:"config,omitempty" doc:"An alert config (task_params of an alert schedule): the full form or the short form"`
		ScheduleID int64          `json:"schedule_id,omitempty" minimum:"1" doc:"One of your alert schedules, instead of config"`
		From       *time.Time     `json:"from,omitempty" doc:"Start of the range (RFC 3339); default 90 days before to"`
		To         *time.Time     `json:"to,omitempty" doc:"End of the range, exclusive (RFC 3339); default and at most the open time of the bar still open now"`
	}
}

// AlertBacktest is how an alert would have fired over past bars.
type AlertBacktest struct {
	Symbol        string              `json:"symbol" example:"AAPL"`
	Timeframe     string              `json:"timeframe" example:"1h"`
	BarsEvaluated int                 `json:"bars_evaluated" example:"2160" doc:"Bars of the range the rule was decided on (enough history, no missing value)"`
	Count         int                 `json:"count" example:"14" doc:"How many times the alert fired"`
	Triggers      []BacktestTrigger   `json:"triggers" doc:"The triggers, oldest first (the newest 10,000 when there are more)"`
	PerWeek       []BacktestWeekCount `json:"per_week" doc:"Triggers per week, every week from the range's first bar to its last"`
	Chart         string              `json:"chart" example:"/api/runs/123/artifacts/AAPL-1h-backtest.png" doc:"The chart (PNG), an artifact of the run"`
}

// BacktestTrigger is one bar on which the alert fired.
type BacktestTrigger struct {
	Time   time.Time          `json:"time" doc:"The bar's open time, as runs' bar_time and the csv time column"`
	Price  *float64           `json:"price" doc:"The bar's close; null when the bar has none"`
	Values map[string]float64 `json:"values" doc:"Every operand's value on the bar, by label (rsi(14), close, ...)"`
}

// BacktestWeekCount is the number of triggers in one week.
type BacktestWeekCount struct {
	Week  string `json:"week" example:"2027-03-15" doc:"The week's Monday (UTC), YYYY-MM-DD: ISO weeks named by their first day"`
	Count int    `json:"count" example:"2"`
}

type backtestAlertOutput struct {
	Location string `header:"Location" doc:"The run recording the backtest"`
	Body     AlertBacktest
}

// backtestAlert replays an alert config or schedule over past bars and
// records the backtest as an ad-hoc run with its chart.
func (h *handler) backtestAlert(ctx context.Context, in *backtestAlertInput) (*backtestAlertOutput, error) {
	p := caller(ctx)
	started := h.now()
	b := in.Body
	var cfg *alerts.Config
	switch {
	case b.Config != nil && b.ScheduleID != 0:
		return nil, huma.Error422UnprocessableEntity("give config or schedule_id, not both",
			&huma.ErrorDetail{Location: "body.schedule_id", Message: "give config or schedule_id, not both"})
	case b.ScheduleID != 0:
		var err error
		cfg, err = alertbacktest.LoadSchedule(ctx, h.pool, b.ScheduleID, p.UserID, p.IsAdmin)
		switch {
		case errors.Is(err, alertbacktest.ErrScheduleNotFound):
			return nil, huma.Error404NotFound(fmt.Sprintf("schedule %d not found", b.ScheduleID))
		case errors.Is(err, alertbacktest.ErrNotAlert), errors.Is(err, alerts.ErrInvalidConfig):
			return nil, huma.Error422UnprocessableEntity("schedule is not a valid alert",
				&huma.ErrorDetail{Location: "body.schedule_id", Message: err.Error(), Value: b.ScheduleID})
		case err != nil:
			return nil, h.problem(err)
		}
	case b.Config != nil:
		var err error
		if cfg, err = h.parseAlertConfig(b.Config, "body.config"); err != nil {
			return nil, err
		}
	default:
		return nil, huma.Error422UnprocessableEntity("give config (an alert's task_params) or schedule_id",
			&huma.ErrorDetail{Location: "body.config", Message: "required unless schedule_id is given"})
	}
	if h.market == nil {
		return nil, huma.Error503ServiceUnavailable("market data is not configured")
	}
	var from, to time.Time
	if b.From != nil {
		from = *b.From
	}
	if b.To != nil {
		to = *b.To
	}
	res, err := alertbacktest.Run(ctx, h.market, cfg, from, to, started)
	if err != nil {
		return nil, h.backtestProblem(err, cfg, b.ScheduleID != 0)
	}

	var runID int64
	var ans alertbacktest.Answer
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		runID, ans, err = alertbacktest.Record(ctx, tx, cfg, res, alertbacktest.Recording{UserID: p.UserID,
			Source: auditlog.SourceAPI, WorkerID: "api", ScheduleID: b.ScheduleID, Started: started, Finished: h.now()})
		return err
	})
	if err != nil {
		return nil, h.problem(err)
	}
	h.log.InfoContext(ctx, "alert backtest", "run_id", runID, "user_id", p.UserID, "schedule_id", b.ScheduleID,
		"symbol", cfg.Ticker, "timeframe", string(cfg.Timeframe), "bars_evaluated", res.BarsEvaluated, "count", res.Count)
	return &backtestAlertOutput{Location: fmt.Sprintf("/api/runs/%d", runID), Body: toAlertBacktest(ans)}, nil
}

// parseAlertConfig checks an alert config from the request (schema, then
// the alert parser); base is where it sits in the request (body.config).
func (h *handler) parseAlertConfig(doc map[string]any, base string) (*alerts.Config, error) {
	if err := h.validator.ValidateValue(config.JobAlert, doc); err != nil {
		return nil, h.problem(&located{base: base, err: err, inline: true})
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, h.problem(fmt.Errorf("encode alert config: %w", err))
	}
	cfg, err := alerts.Parse(raw)
	if pe, ok := errors.AsType[*alerts.ParseError](err); ok {
		details := make([]error, 0, len(pe.Problems))
		for _, pr := range pe.Problems {
			details = append(details, &huma.ErrorDetail{Location: base + dotted(pr.Path), Message: pr.Message})
		}
		return nil, huma.Error422UnprocessableEntity("invalid alert config", details...)
	}
	if err != nil {
		return nil, h.problem(err)
	}
	return cfg, nil
}

// backtestProblem maps an error of alertbacktest.Run to a problem naming
// the field at fault; fromSchedule says the config came from schedule_id.
func (h *handler) backtestProblem(err error, cfg *alerts.Config, fromSchedule bool) error {
	field := func(location, title string) error {
		return huma.Error422UnprocessableEntity(title, &huma.ErrorDetail{Location: location, Message: err.Error()})
	}
	switch {
	case errors.Is(err, alertbacktest.ErrInvalidRange):
		return field("body.from", "from must be before to")
	case errors.Is(err, marketdata.ErrRangeTooLong), errors.Is(err, alerts.ErrTooManyBars):
		return field("body.from", fmt.Sprintf("the range spans more than %d %s bars: shorten it", alerts.MaxBacktestBars, cfg.Timeframe))
	case errors.Is(err, alertbacktest.ErrNoData):
		return field("body.from", fmt.Sprintf("no %s %s bars in the range", cfg.Ticker, cfg.Timeframe))
	case errors.Is(err, market.ErrUnknownSymbol):
		if fromSchedule {
			return field("body.schedule_id", "unknown symbol")
		}
		return field("body.config.ticker", "unknown symbol")
	case errors.Is(err, context.Canceled):
		return h.problem(err)
	}
	h.log.Warn("alert backtest: market data unavailable", "symbol", cfg.Ticker, "timeframe", string(cfg.Timeframe), "error", err)
	return huma.Error503ServiceUnavailable("market data unavailable: " + err.Error())
}

func toAlertBacktest(a alertbacktest.Answer) AlertBacktest {
	out := AlertBacktest{Symbol: a.Symbol, Timeframe: a.Timeframe, BarsEvaluated: a.BarsEvaluated, Count: a.Count,
		Triggers: make([]BacktestTrigger, len(a.Triggers)), PerWeek: make([]BacktestWeekCount, len(a.PerWeek)), Chart: a.Chart}
	for i, tr := range a.Triggers {
		out.Triggers[i] = BacktestTrigger{Time: tr.Time, Values: tr.Values}
		if !math.IsNaN(tr.Price) && !math.IsInf(tr.Price, 0) {
			out.Triggers[i].Price = &tr.Price
		}
		if out.Triggers[i].Values == nil {
			out.Triggers[i].Values = map[string]float64{}
		}
	}
	for i, w := range a.PerWeek {
		out.PerWeek[i] = BacktestWeekCount{Week: w.Week, Count: w.Count}
	}
	return out
}
