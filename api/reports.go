package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/tradingbot"
)

// Report types (report_type of report task_params).
const (
	reportDailySummary      = "daily_summary"
	reportPortfolioAnalysis = "portfolio_analysis"
	reportPerformance       = "performance_report"
)

const runReportDoc = "Runs a report now, without a schedule: the body is a report's task_params " +
	"(schemas/report.v1.json). The run is recorded as PENDING with trigger `adhoc` and worked by the " +
	"report worker; the result is stored as the run's result, charts (`include_charts`) as its artifacts, " +
	"and the report is sent to you as a notification (Telegram) when it is done. Poll `links.run` for the " +
	"status.\n\n`daily_summary` needs `parameters.symbols`; `portfolio_analysis` needs " +
	"`parameters.portfolio_id`, one of your portfolios with holdings; `performance_report` needs " +
	"`parameters.symbols`, `parameters.portfolio_id` or `parameters.bot_id` (one of your trading bots: its equity curve " +
	"and drawdown charts). Symbols are upper-cased and deduplicated. " +
	"At most 3 of your ad-hoc runs (reports and screeners) may be pending or running at once: a fourth is 429."

// ReportRequest is a report's task_params (schemas/report.v1.json): the body
// of POST /api/reports/run.
type ReportRequest struct {
	Version    *int              `json:"version,omitempty" enum:"1" doc:"Schema version of the task_params; absent means 1"`
	ReportType string            `json:"report_type" enum:"daily_summary,portfolio_analysis,performance_report" example:"daily_summary"`
	Parameters *ReportParameters `json:"parameters,omitempty"`
}

// ReportParameters are a report's parameters.
type ReportParameters struct {
	Symbols       []string `json:"symbols,omitempty" minItems:"1" maxItems:"500" example:"[\"AAPL\",\"MSFT\"]" doc:"Tickers to report on (daily_summary, performance_report)"`
	Timeframe     string   `json:"timeframe,omitempty" enum:"1m,5m,15m,30m,1h,4h,1d,1w" example:"1d" doc:"Bar size; absent means 1d"`
	IncludeCharts *bool    `json:"include_charts,omitempty" example:"true" doc:"Render PNG charts, listed at links.artifacts once the run is done (default false)"`
	PortfolioID   *int64   `json:"portfolio_id,omitempty" minimum:"1" example:"3" doc:"One of your portfolios (portfolio_analysis; optional for performance_report)"`
	BotID         *int64   `json:"bot_id,omitempty" minimum:"1" example:"7" doc:"One of your trading bots (performance_report): its equity curve and drawdown"`
	Windows       []int    `json:"windows,omitempty" minItems:"1" maxItems:"20" example:"[5,20,60]" doc:"Return windows in bars (default 5, 20, 60, 250)"`
}

// RunStarted is the answer to a run-now request: the run is PENDING and
// its job queued.
type RunStarted struct {
	RunID   int64    `json:"run_id" example:"123" doc:"The run (job_schedule_runs.id)"`
	JobType string   `json:"job_type" enum:"report,screener"`
	Status  string   `json:"status" enum:"PENDING"`
	Links   RunLinks `json:"links"`
}

// RunLinks are where to follow a run.
type RunLinks struct {
	Run       string `json:"run" example:"/api/runs/123" doc:"The run: status, result, error"`
	Artifacts string `json:"artifacts" example:"/api/runs/123/artifacts" doc:"Files the run produced (report charts)"`
}

type runReportInput struct {
	Body ReportRequest
}

type runStartedOutput struct {
	Location string `header:"Location" doc:"The run"`
	Body     RunStarted
}

func runStarted(jobType string, runID int64) *runStartedOutput {
	run := fmt.Sprintf("/api/runs/%d", runID)
	return &runStartedOutput{Location: run, Body: RunStarted{RunID: runID, JobType: jobType, Status: jobs.StatusPending,
		Links: RunLinks{Run: run, Artifacts: run + "/artifacts"}}}
}

// runReport records an ad-hoc report run and queues its job.
func (h *handler) runReport(ctx context.Context, in *runReportInput) (*runStartedOutput, error) {
	p := caller(ctx)
	req := in.Body
	if err := h.checkFireable(config.JobReport); err != nil {
		return nil, h.problem(err)
	}
	var params ReportParameters
	if req.Parameters != nil {
		params = *req.Parameters
		params.Symbols = normalizeSymbols(params.Symbols)
		req.Parameters = &params
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, h.problem(fmt.Errorf("encode report task_params: %w", err))
	}
	if err := h.validator.Validate(config.JobReport, raw); err != nil {
		return nil, h.problem(atParams(err))
	}
	switch req.ReportType {
	case reportDailySummary:
		if len(params.Symbols) == 0 {
			return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.parameters.symbols", "daily_summary needs at least one symbol"))
		}
	case reportPortfolioAnalysis:
		if params.PortfolioID == nil {
			return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.parameters.portfolio_id",
				"portfolio_analysis needs the id of one of your portfolios (GET /api/portfolios)"))
		}
	case reportPerformance:
		if len(params.Symbols) == 0 && params.PortfolioID == nil && params.BotID == nil {
			return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.parameters.symbols",
				"performance_report needs symbols, a portfolio_id or a bot_id"))
		}
	}
	var runID int64
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		if params.PortfolioID != nil {
			if err := h.checkPortfolioRef(ctx, tx, p.UserID, *params.PortfolioID); err != nil {
				return err
			}
		}
		if params.BotID != nil {
			if _, err := h.bots.Get(ctx, tx, botActor(p), *params.BotID); err != nil {
				if te, ok := tradingbot.AsError(err); ok && te.Kind == tradingbot.KindNotFound {
					return badRequest(http.StatusUnprocessableEntity, "body.parameters.bot_id",
						fmt.Sprintf("trading bot %d not found: GET /api/bots lists yours", *params.BotID))
				}
				return err
			}
		}
		var err error
		runID, err = jobs.RunNow(ctx, tx, h.client.Client, h.cfg, h.validator,
			jobs.RunNowRequest{JobType: config.JobReport, UserID: p.UserID, Params: raw})
		if err != nil {
			return atParams(err)
		}
		details := map[string]any{"report_type": req.ReportType, "symbols": len(params.Symbols)}
		if params.PortfolioID != nil {
			details["portfolio_id"] = *params.PortfolioID
		}
		if params.BotID != nil {
			details["bot_id"] = *params.BotID
		}
		return audit(ctx, tx, p.actor(), "report.run", "run", runID, details)
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return runStarted(config.JobReport, runID), nil
}

// checkPortfolioRef checks that a report's portfolio_id names one of the
// user's portfolios and that it has holdings to report on.
func (h *handler) checkPortfolioRef(ctx context.Context, tx pgx.Tx, userID, id int64) error {
	const field = "body.parameters.portfolio_id"
	if _, err := h.q.PortfolioGet(ctx, tx, dbsqlc.PortfolioGetParams{ID: id, UserID: userID}); err != nil {
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			return badRequest(http.StatusUnprocessableEntity, field, fmt.Sprintf("portfolio %d not found: GET /api/portfolios lists yours", id))
		}
		return fmt.Errorf("load portfolio %d: %w", id, err)
	}
	holdings, err := h.q.HoldingList(ctx, tx, id)
	if err != nil {
		return fmt.Errorf("list holdings of portfolio %d: %w", id, err)
	}
	if len(holdings) == 0 {
		return badRequest(http.StatusUnprocessableEntity, field,
			fmt.Sprintf("portfolio %d has no holdings: add some with PUT /api/portfolios/%d/holdings/{symbol}", id, id))
	}
	return nil
}

// checkFireable refuses a run of a job type this build has no worker for:
// its job would wait forever.
func (h *handler) checkFireable(jobType string) error {
	if h.svc.WaitReason(jobType) == nil {
		return nil
	}
	return &requestError{status: http.StatusUnprocessableEntity,
		msg: fmt.Sprintf("this build has no worker for job type %s", jobType)}
}
