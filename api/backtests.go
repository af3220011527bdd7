package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigilhq/vigil/backtests"
	"github.com/vigilhq/vigil/trading"
)

const runBacktestDoc = "Runs a trading strategy over past bars with the same strategy code, paper broker and risk engine " +
	"as a live bot, and answers with its trades and figures: the object `vigil backtest --json` prints. Nothing is stored.\n\n" +
	"`params` is checked against `schemas/strategy.<strategy>.v1.json` (absent parameters take its defaults). The range is " +
	"[`from`, `to`), RFC 3339 or YYYY-MM-DD (00:00 UTC); by default the year up to the last closed bar, at most 10,000 bars; " +
	"a `to` past the last closed bar is cut to it; at most 1,000,000 bars. Bars come from the server's market-data provider. " +
	"Market orders fill at the next bar's open plus `slippage_bps` (buys) or minus it (sells); `fee_bps` is charged on every " +
	"fill. `*_pct` figures are percent, `win_rate` 0-1, `sharpe` annualised with a risk-free rate of 0; `profit_factor` is " +
	"null when no trade lost; a position still open at the end has a null `exit_time` and `exit_price`, its `pnl` and " +
	"`final_equity` at the last close.\n\nBad input (an unknown strategy, a parameter, a symbol the provider lacks, a range " +
	"with no bars) is a 422 naming the field; the provider failing is a 503."

// BacktestRequest is the body of POST /api/backtests.
type BacktestRequest struct {
	Strategy    string         `json:"strategy" minLength:"1" maxLength:"64" example:"sma_cross" doc:"The strategy: sma_cross or rsi_reversion"`
	Params      map[string]any `json:"params,omitempty" example:"{\"fast\":10,\"slow\":30}" doc:"The strategy's parameters (schemas/strategy.<strategy>.v1.json); absent ones take the schema's defaults"`
	Symbol      string         `json:"symbol" minLength:"1" maxLength:"32" example:"AAPL" doc:"The symbol to trade"`
	Timeframe   string         `json:"timeframe,omitempty" default:"1d" example:"1d" doc:"Bar size: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"`
	From        string         `json:"from,omitempty" maxLength:"64" example:"2025-01-01" doc:"Start of the range, RFC 3339 or YYYY-MM-DD (default: a year, at most 10,000 bars, before to)"`
	To          string         `json:"to,omitempty" maxLength:"64" example:"2026-01-01" doc:"End of the range, exclusive (default: the last closed bar)"`
	Cash        float64        `json:"cash,omitempty" default:"10000" exclusiveMinimum:"0" maximum:"1000000000000" example:"10000" doc:"Starting cash, > 0"`
	FeeBps      float64        `json:"fee_bps,omitempty" minimum:"0" maximum:"1000" example:"10" doc:"Fee of every fill, maker and taker alike, in basis points (0-1000)"`
	SlippageBps float64        `json:"slippage_bps,omitempty" minimum:"0" maximum:"1000" example:"5" doc:"Slippage of market and stop fills, in basis points (0-1000)"`
	AllowShort  bool           `json:"allow_short,omitempty" doc:"Let sells open short positions: sma_cross and rsi_reversion then sell short on their sell signals (margin: longs plus shorts may not exceed equity at an entry)"`
}

// BacktestResult is a backtest's summary (trading.Result).
type BacktestResult struct {
	Trades         []BacktestTrade `json:"trades" doc:"Round trips, oldest first; the last may still be open"`
	FinalEquity    float64         `json:"final_equity" example:"10523.4" doc:"Cash plus the open position at the last close"`
	ReturnPct      float64         `json:"return_pct" example:"5.234" doc:"final_equity over the starting cash, in percent"`
	MaxDrawdownPct float64         `json:"max_drawdown_pct" example:"7.1" doc:"Largest fall of the equity at bar closes below its running peak, in percent"`
	Sharpe         float64         `json:"sharpe" example:"0.84" doc:"Mean over standard deviation of per-bar equity returns, annualised by the bars in a 365-day year; risk-free rate 0"`
	WinRate        float64         `json:"win_rate" example:"0.5" doc:"Share of closed trades with a positive pnl, 0-1 (0 with none closed)"`
	ProfitFactor   *float64        `json:"profit_factor" nullable:"true" example:"1.8" doc:"Gains of winning closed trades over losses of losing ones; null when no trade lost"`
	ExposurePct    float64         `json:"exposure_pct" example:"41.2" doc:"Share of bars that closed with a position, in percent"`
	Bars           int             `json:"bars" example:"365" doc:"Bars the backtest ran over"`
}

// BacktestTrade is one round trip of a backtest.
type BacktestTrade struct {
	EntryTime  time.Time  `json:"entry_time" doc:"When the entry filled (the bar's open time)"`
	EntryPrice float64    `json:"entry_price" doc:"Average entry price"`
	ExitTime   *time.Time `json:"exit_time" nullable:"true" doc:"When the exit filled; null while open"`
	ExitPrice  *float64   `json:"exit_price" nullable:"true" doc:"Average exit price; null while open"`
	Quantity   float64    `json:"quantity" doc:"Units bought; negative for a short (units sold short)"`
	PnL        float64    `json:"pnl" doc:"Profit or loss net of fees (an open trade's at the last close)"`
	Fees       float64    `json:"fees" doc:"Fees of the entry and exit fills"`
}

type runBacktestInput struct {
	Body BacktestRequest
}

type runBacktestOutput struct {
	Body BacktestResult
}

// registerBacktests adds POST /api/backtests.
func (h *handler) registerBacktests(api huma.API) {
	opd(api, "run-backtest", http.MethodPost, "/api/backtests", "Backtest a trading strategy on past bars", runBacktestDoc,
		"backtests", 0, h.runBacktest, http.StatusUnprocessableEntity, http.StatusServiceUnavailable)
}

// runBacktest runs a backtest for the caller; it reads market data only and
// stores nothing.
func (h *handler) runBacktest(ctx context.Context, in *runBacktestInput) (*runBacktestOutput, error) {
	p := caller(ctx)
	b := in.Body
	req := backtests.Request{Strategy: b.Strategy, Symbol: b.Symbol, Timeframe: b.Timeframe, From: b.From, To: b.To,
		Cash: b.Cash, FeeBps: b.FeeBps, SlippageBps: b.SlippageBps, AllowShort: b.AllowShort}
	if b.Params != nil {
		raw, err := json.Marshal(b.Params)
		if err != nil {
			return nil, h.problem(fmt.Errorf("encode backtest params: %w", err))
		}
		req.Params = raw
	}
	if h.market == nil {
		return nil, huma.Error503ServiceUnavailable("market data is not configured")
	}
	start := time.Now()
	r := &backtests.Runner{Validator: h.validator, Market: h.market, Now: h.now}
	out, err := r.Run(ctx, req)
	var ie *backtests.InputError
	switch {
	case errors.As(err, &ie):
		details := make([]error, 0, len(ie.Problems))
		for _, pr := range ie.Problems {
			details = append(details, &huma.ErrorDetail{Location: "body." + pr.Field + dotted(pr.Pointer), Message: pr.Message})
		}
		return nil, huma.Error422UnprocessableEntity("invalid backtest", details...)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, h.problem(context.Canceled)
	case err != nil:
		h.log.WarnContext(ctx, "backtest: market data unavailable", "user_id", p.UserID, "symbol", b.Symbol, "error", err)
		return nil, huma.Error503ServiceUnavailable("market data unavailable: " + err.Error())
	}
	h.log.InfoContext(ctx, "backtest run", "user_id", p.UserID, "strategy", out.Strategy, "symbol", out.Symbol,
		"timeframe", string(out.Timeframe), "bars", out.Result.Bars, "trades", len(out.Result.Trades),
		"ms", time.Since(start).Milliseconds())
	return &runBacktestOutput{Body: toBacktestResult(out.Result)}, nil
}

// toBacktestResult copies the summary into the API's documented type.
func toBacktestResult(r trading.Result) BacktestResult {
	out := BacktestResult{Trades: make([]BacktestTrade, 0, len(r.Trades)), FinalEquity: r.FinalEquity, ReturnPct: r.ReturnPct,
		MaxDrawdownPct: r.MaxDrawdownPct, Sharpe: r.Sharpe, WinRate: r.WinRate, ProfitFactor: r.ProfitFactor,
		ExposurePct: r.ExposurePct, Bars: r.Bars}
	for _, t := range r.Trades {
		out.Trades = append(out.Trades, BacktestTrade(t))
	}
	return out
}
