package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/screener"
)

const runScreenerDoc = "Runs a screener now, without a schedule: the body is a screener's task_params " +
	"(schemas/screener.v1.json) plus an optional `target`. The run is recorded as PENDING with trigger " +
	"`adhoc` and worked by the screener worker; the matches are stored as the run's result and sent to you " +
	"as a notification (Telegram) when it is done. Poll `links.run` for the status.\n\n" +
	"`screener_set` is a universe (`sp500`, `nasdaq`, `nasdaq100`), `custom:NAME` naming one of your " +
	"screener sets (PUT /api/screener-sets/{name}), or `custom` with the tickers in `tickers` or `target`. " +
	"At most 3 of your ad-hoc runs (reports and screeners) may be pending or running at once: a fourth is 429."

// ScreenerRequest is a screener's task_params (schemas/screener.v1.json)
// and the target of a custom screen: the body of POST /api/screeners/run.
type ScreenerRequest struct {
	Version        *int              `json:"version,omitempty" enum:"1" doc:"Schema version of the task_params; absent means 1"`
	ScreenerSet    string            `json:"screener_set" pattern:"^(sp500|nasdaq|nasdaq100|custom|custom:[a-z0-9][a-z0-9_\\-]{0,63})$" example:"sp500" doc:"The universe to screen: sp500, nasdaq, nasdaq100, custom, or custom:NAME (one of your screener sets)"`
	FilterCriteria *ScreenerCriteria `json:"filter_criteria,omitempty"`
	TopN           *int              `json:"top_n,omitempty" minimum:"1" maximum:"500" example:"5" doc:"How many matches to list (default 10)"`
	RankBy         string            `json:"rank_by,omitempty" example:"market_cap" doc:"Field to rank matches by: market_cap (default), pe_ratio, avg_volume, volume, close, change_pct or an operand of the rule"`
	CreateAlerts   *bool             `json:"create_alerts,omitempty" doc:"Create alerts for the matches (default false)"`
	Tickers        []string          `json:"tickers,omitempty" minItems:"1" maxItems:"500" example:"[\"AAPL\",\"MSFT\",\"NVDA\"]" doc:"The universe of screener_set custom"`
	Target         string            `json:"target,omitempty" maxLength:"10000" example:"AAPL,MSFT,NVDA" doc:"The universe of screener_set custom as text (commas or spaces), instead of tickers"`
}

// ScreenerCriteria are a screener's filter_criteria: every criterion given
// must hold; absent means none.
type ScreenerCriteria struct {
	MinMarketCap *float64       `json:"min_market_cap,omitempty" minimum:"0" example:"10000000000" doc:"Market capitalisation at least this"`
	MaxPERatio   *float64       `json:"max_pe_ratio,omitempty" exclusiveMinimum:"0" example:"25" doc:"Trailing P/E (positive) at most this"`
	MinVolume    *float64       `json:"min_volume,omitempty" minimum:"0" example:"1000000" doc:"Average daily volume at least this"`
	Rule         map[string]any `json:"rule,omitempty" doc:"An alert rule on indicators, e.g. {\"indicator\": \"rsi\", \"operator\": \"<\", \"value\": 30}"`
}

// screenerParams is the task_params part of a ScreenerRequest.
type screenerParams struct {
	Version        *int             `json:"version,omitempty"`
	ScreenerSet    string           `json:"screener_set"`
	FilterCriteria ScreenerCriteria `json:"filter_criteria"`
	TopN           *int             `json:"top_n,omitempty"`
	RankBy         string           `json:"rank_by,omitempty"`
	CreateAlerts   *bool            `json:"create_alerts,omitempty"`
	Tickers        []string         `json:"tickers,omitempty"`
}

type runScreenerInput struct {
	Body ScreenerRequest
}

// runScreener records an ad-hoc screener run and queues its job.
func (h *handler) runScreener(ctx context.Context, in *runScreenerInput) (*runStartedOutput, error) {
	p := caller(ctx)
	req := in.Body
	if err := h.checkFireable(config.JobScreener); err != nil {
		return nil, h.problem(err)
	}
	params := screenerParams{Version: req.Version, ScreenerSet: req.ScreenerSet, TopN: req.TopN, RankBy: req.RankBy,
		CreateAlerts: req.CreateAlerts, Tickers: normalizeSymbols(req.Tickers)}
	if req.FilterCriteria != nil {
		params.FilterCriteria = *req.FilterCriteria
	}
	target, err := h.screenerTarget(req, params.Tickers)
	if err != nil {
		return nil, h.problem(err)
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return nil, h.problem(fmt.Errorf("encode screener task_params: %w", err))
	}
	if err := h.validator.Validate(config.JobScreener, raw); err != nil {
		return nil, h.problem(atParams(err))
	}
	if _, err := screener.ParseParams(raw); err != nil {
		return nil, h.problem(screenerProblem(err))
	}
	var runID int64
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		if name, ok := strings.CutPrefix(req.ScreenerSet, "custom:"); ok {
			if _, err := h.q.ScreenerSetGet(ctx, tx, dbsqlc.ScreenerSetGetParams{UserID: p.UserID, Name: name}); err != nil {
				if errors.Is(db.Translate(err), db.ErrNotFound) {
					return badRequest(http.StatusUnprocessableEntity, "body.screener_set",
						fmt.Sprintf("you have no screener set %q: GET /api/screener-sets lists yours, PUT /api/screener-sets/%s creates it", name, name))
				}
				return fmt.Errorf("load screener set %q: %w", name, err)
			}
		}
		var err error
		runID, err = jobs.RunNow(ctx, tx, h.client.Client, h.cfg, h.validator,
			jobs.RunNowRequest{JobType: config.JobScreener, UserID: p.UserID, Params: raw, Target: target})
		if err != nil {
			return atParams(err)
		}
		return audit(ctx, tx, p.actor(), "screener.run", "run", runID,
			map[string]any{"screener_set": req.ScreenerSet, "target": target})
	})
	if err != nil {
		return nil, h.problem(err)
	}
	return runStarted(config.JobScreener, runID), nil
}

// screenerTarget checks the universe of a custom screen and returns the
// target, normalised ("AAPL,MSFT"): set by target only with screener_set
// custom, which needs tickers or a target but not both.
func (h *handler) screenerTarget(req ScreenerRequest, tickers []string) (string, error) {
	list := splitTickers(req.Target)
	switch {
	case req.ScreenerSet != "custom" && len(list) > 0:
		return "", badRequest(http.StatusUnprocessableEntity, "body.target", "target is the universe of screener_set custom only")
	case req.ScreenerSet != "custom":
		return "", nil
	case len(list) > 0 && len(tickers) > 0:
		return "", badRequest(http.StatusUnprocessableEntity, "body.target", "give the universe in tickers or in target, not both")
	case len(list) == 0 && len(tickers) == 0:
		return "", badRequest(http.StatusUnprocessableEntity, "body.tickers", "screener_set custom needs the tickers to screen in tickers or target")
	case len(list) > screener.MaxTickers:
		return "", badRequest(http.StatusUnprocessableEntity, "body.target",
			fmt.Sprintf("target lists %d tickers; at most %d", len(list), screener.MaxTickers))
	}
	for _, t := range list {
		if !tickerRE.MatchString(t) {
			return "", badRequest(http.StatusUnprocessableEntity, "body.target", fmt.Sprintf("%q is not a ticker: use %s", clip(t), tickerRule))
		}
	}
	return strings.Join(list, ","), nil
}

// screenerProblem turns the screener's own check of its params into a 422
// naming each field (rule trees and rank_by go beyond the JSON schema).
func screenerProblem(err error) error {
	var pe *screener.ParamsError
	if !errors.As(err, &pe) {
		return fmt.Errorf("check screener params: %w", err)
	}
	details := make([]error, 0, len(pe.Problems))
	for _, pr := range pe.Problems {
		where := "body"
		for _, part := range strings.Split(pr.Field, ".") {
			switch _, err := strconv.Atoi(part); {
			case part == "":
			case err == nil:
				where += "[" + part + "]"
			default:
				where += "." + part
			}
		}
		details = append(details, &huma.ErrorDetail{Location: where, Message: pr.Message})
	}
	return huma.Error422UnprocessableEntity("invalid screener params", details...)
}
