package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/jackc/pgx/v5"

	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/tradingbot"
)

// registerBots adds the trading bot operations: thin callers of
// tradingbot.Service, scoped to the caller's bots.
func (h *handler) registerBots(api huma.API) {
	op(api, "list-bots", http.MethodGet, "/api/bots", "List your trading bots", "bots", 0, h.listBots)
	opd(api, "create-bot", http.MethodPost, "/api/bots", "Create a trading bot", createBotDoc, "bots", http.StatusCreated,
		h.createBot, http.StatusConflict, http.StatusUnprocessableEntity)
	opd(api, "get-bot", http.MethodGet, "/api/bots/{id}", "Get a trading bot with its account and positions", getBotDoc,
		"bots", 0, h.getBot, http.StatusNotFound)
	opd(api, "replace-bot", http.MethodPut, "/api/bots/{id}", "Replace a trading bot's definition", replaceBotDoc, "bots", 0,
		h.replaceBot, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity)
	op(api, "delete-bot", http.MethodDelete, "/api/bots/{id}", "Delete a trading bot with its orders, fills and equity", "bots",
		http.StatusNoContent, h.deleteBot, http.StatusNotFound)
	op(api, "start-bot", http.MethodPost, "/api/bots/{id}/start", "Start a trading bot (clears a kill switch or a stopentry)",
		"bots", 0, h.startBot, http.StatusNotFound)
	op(api, "stop-bot", http.MethodPost, "/api/bots/{id}/stop", "Stop a trading bot (positions and open orders are kept)",
		"bots", 0, h.stopBot, http.StatusNotFound)
	opd(api, "stop-bot-entries", http.MethodPost, "/api/bots/{id}/stopentry", "Halt a trading bot's new entries", stopEntryDoc,
		"bots", 0, h.stopBotEntries, http.StatusNotFound, http.StatusConflict)
	opd(api, "force-exit-bot", http.MethodPost, "/api/bots/{id}/forceexit", "Close a position of a trading bot at its next decision",
		forceExitDoc, "bots", http.StatusAccepted, h.forceExitBot, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity)
	op(api, "list-bot-orders", http.MethodGet, "/api/bots/{id}/orders", "A trading bot's orders, newest first", "bots", 0,
		h.listBotOrders, http.StatusNotFound)
	opd(api, "list-bot-trades", http.MethodGet, "/api/bots/{id}/trades", "A trading bot's round trips with P&L", botTradesDoc,
		"bots", 0, h.listBotTrades, http.StatusNotFound)
	op(api, "get-bot-equity", http.MethodGet, "/api/bots/{id}/equity", "A trading bot's equity curve", "bots", 0,
		h.getBotEquity, http.StatusNotFound, http.StatusUnprocessableEntity)
}

// botActor is the caller as the trading bot service's actor.
func botActor(p *principal) tradingbot.Actor {
	return tradingbot.Actor{UserID: p.UserID, Name: p.Name, Source: auditlog.SourceAPI}
}

// readOnly runs fn in one read-only snapshot.
func (h *handler) readOnly(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, h.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// BotList is every bot of the caller, by id.
type BotList struct {
	Items []Bot `json:"items"`
}

type listBotsOutput struct{ Body BotList }

func (h *handler) listBots(ctx context.Context, _ *struct{}) (*listBotsOutput, error) {
	rows, err := h.bots.List(ctx, h.pool, botActor(caller(ctx)))
	if err != nil {
		return nil, h.problem(err)
	}
	out := &listBotsOutput{Body: BotList{Items: make([]Bot, len(rows))}}
	for i, r := range rows {
		out.Body.Items[i] = toBot(r)
	}
	return out, nil
}

type createBotInput struct{ Body BotInput }

type createBotOutput struct {
	Location string `header:"Location"`
	Body     Bot
}

func (h *handler) createBot(ctx context.Context, in *createBotInput) (*createBotOutput, error) {
	p := caller(ctx)
	if in.Body.Name == "" {
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.name", "a bot needs a name"))
	}
	d, err := h.definition(in.Body)
	if err != nil {
		return nil, h.problem(botProblem(err, true))
	}
	var b dbsqlc.TradingBot
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		b, err = h.bots.Create(ctx, tx, botActor(p), p.UserID, d)
		return err
	})
	if err != nil {
		return nil, h.problem(botProblem(err, true))
	}
	return &createBotOutput{Location: fmt.Sprintf("/api/bots/%d", b.ID), Body: toBot(b)}, nil
}

type botIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"7" doc:"Trading bot id"`
}

type botOutput struct{ Body Bot }

type botStatusOutput struct{ Body BotStatus }

func (h *handler) getBot(ctx context.Context, in *botIDInput) (*botStatusOutput, error) {
	var st tradingbot.Status
	err := h.readOnly(ctx, func(tx pgx.Tx) error {
		var err error
		st, err = h.bots.Status(ctx, tx, botActor(caller(ctx)), in.ID)
		return err
	})
	if err != nil {
		return nil, h.problem(botProblem(err, false))
	}
	return &botStatusOutput{Body: toBotStatus(st)}, nil
}

type replaceBotInput struct {
	ID   int64 `path:"id" minimum:"1" example:"7" doc:"Trading bot id"`
	Body BotInput
}

func (h *handler) replaceBot(ctx context.Context, in *replaceBotInput) (*botOutput, error) {
	d, err := h.definition(in.Body)
	if err != nil {
		return nil, h.problem(botProblem(err, true))
	}
	var b dbsqlc.TradingBot
	err = pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		b, err = h.bots.Update(ctx, tx, botActor(caller(ctx)), in.ID, d)
		return err
	})
	if err != nil {
		return nil, h.problem(botProblem(err, true))
	}
	return &botOutput{Body: toBot(b)}, nil
}

func (h *handler) deleteBot(ctx context.Context, in *botIDInput) (*struct{}, error) {
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		_, err := h.bots.Delete(ctx, tx, botActor(caller(ctx)), in.ID)
		return err
	})
	if err != nil {
		return nil, h.problem(botProblem(err, false))
	}
	return nil, nil
}

// change runs one state change of the service on the caller's bot.
func (h *handler) change(ctx context.Context, id int64,
	fn func(context.Context, pgx.Tx, tradingbot.Actor, int64) (dbsqlc.TradingBot, error)) (*botOutput, error) {
	var b dbsqlc.TradingBot
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		b, err = fn(ctx, tx, botActor(caller(ctx)), id)
		return err
	})
	if err != nil {
		return nil, h.problem(botProblem(err, false))
	}
	return &botOutput{Body: toBot(b)}, nil
}

func (h *handler) startBot(ctx context.Context, in *botIDInput) (*botOutput, error) {
	return h.change(ctx, in.ID, h.bots.Start)
}

func (h *handler) stopBot(ctx context.Context, in *botIDInput) (*botOutput, error) {
	return h.change(ctx, in.ID, h.bots.Stop)
}

func (h *handler) stopBotEntries(ctx context.Context, in *botIDInput) (*botOutput, error) {
	return h.change(ctx, in.ID, h.bots.StopEntry)
}

// ForceExitInput is the body of POST /api/bots/{id}/forceexit: a symbol or all.
type ForceExitInput struct {
	Symbol string `json:"symbol,omitempty" maxLength:"32" example:"AAPL" doc:"The position to close"`
	All    bool   `json:"all,omitempty" doc:"Close every position instead"`
}

// ForceExitResult is what a force exit queued.
type ForceExitResult struct {
	Bot       Bot      `json:"bot"`
	Symbols   []string `json:"symbols" doc:"Positions the bot closes at its next decision"`
	Cancelled int      `json:"cancelled_orders" doc:"Open orders of those symbols cancelled now"`
}

type forceExitInput struct {
	ID   int64 `path:"id" minimum:"1" example:"7" doc:"Trading bot id"`
	Body ForceExitInput
}

type forceExitOutput struct{ Body ForceExitResult }

func (h *handler) forceExitBot(ctx context.Context, in *forceExitInput) (*forceExitOutput, error) {
	switch {
	case in.Body.All && in.Body.Symbol != "":
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.symbol", "give a symbol or all, not both"))
	case !in.Body.All && in.Body.Symbol == "":
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "body.symbol", `give a symbol, or "all": true`))
	}
	var res tradingbot.ForceExitResult
	err := pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error {
		var err error
		res, err = h.bots.ForceExit(ctx, tx, botActor(caller(ctx)), in.ID, in.Body.Symbol)
		return err
	})
	if err != nil {
		return nil, h.problem(botProblem(err, true))
	}
	out := ForceExitResult{Bot: toBot(res.Bot), Symbols: res.Symbols, Cancelled: res.Cancelled}
	if out.Symbols == nil {
		out.Symbols = []string{}
	}
	return &forceExitOutput{Body: out}, nil
}

type listBotOrdersInput struct {
	ID    int64 `path:"id" minimum:"1" example:"7" doc:"Trading bot id"`
	Limit int   `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"At most this many, newest first"`
}

// BotOrderList is a bot's newest orders.
type BotOrderList struct {
	Items []BotOrder `json:"items"`
}

type listBotOrdersOutput struct{ Body BotOrderList }

func (h *handler) listBotOrders(ctx context.Context, in *listBotOrdersInput) (*listBotOrdersOutput, error) {
	limit := in.Limit
	if limit == 0 {
		limit = 100
	}
	rows, err := h.bots.Orders(ctx, h.pool, botActor(caller(ctx)), in.ID, limit)
	if err != nil {
		return nil, h.problem(botProblem(err, false))
	}
	out := &listBotOrdersOutput{Body: BotOrderList{Items: make([]BotOrder, len(rows))}}
	for i, r := range rows {
		out.Body.Items[i] = toBotOrder(r)
	}
	return out, nil
}

// BotTradeList is a bot's round trips, oldest first.
type BotTradeList struct {
	Items []BotTrade `json:"items"`
}

type listBotTradesOutput struct{ Body BotTradeList }

func (h *handler) listBotTrades(ctx context.Context, in *botIDInput) (*listBotTradesOutput, error) {
	var trades []tradingbot.RoundTrip
	err := h.readOnly(ctx, func(tx pgx.Tx) error {
		var err error
		trades, err = h.bots.Trades(ctx, tx, botActor(caller(ctx)), in.ID)
		return err
	})
	if err != nil {
		return nil, h.problem(botProblem(err, false))
	}
	out := &listBotTradesOutput{Body: BotTradeList{Items: make([]BotTrade, len(trades))}}
	for i, t := range trades {
		out.Body.Items[i] = toBotTrade(t)
	}
	return out, nil
}

type botEquityInput struct {
	ID    int64  `path:"id" minimum:"1" example:"7" doc:"Trading bot id"`
	From  string `query:"from" maxLength:"64" example:"2026-03-01T00:00:00Z" doc:"Bars opening at or after (RFC 3339; default: none)"`
	To    string `query:"to" maxLength:"64" example:"2026-03-02T00:00:00Z" doc:"Bars opening before (RFC 3339; default: none)"`
	Limit int    `query:"limit" minimum:"1" maximum:"100000" default:"10000" doc:"At most this many, the newest of the range"`
}

// BotEquity is a bot's equity curve, oldest first.
type BotEquity struct {
	Items []BotEquityPoint `json:"items"`
}

type botEquityOutput struct{ Body BotEquity }

func (h *handler) getBotEquity(ctx context.Context, in *botEquityInput) (*botEquityOutput, error) {
	from, to := time.Unix(0, 0).UTC(), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	var err error
	if in.From != "" {
		if from, err = time.Parse(time.RFC3339, in.From); err != nil {
			return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "query.from", "must be an RFC 3339 time"))
		}
	}
	if in.To != "" {
		if to, err = time.Parse(time.RFC3339, in.To); err != nil {
			return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "query.to", "must be an RFC 3339 time"))
		}
	}
	if !to.After(from) {
		return nil, h.problem(badRequest(http.StatusUnprocessableEntity, "query.to", "must be after from"))
	}
	limit := in.Limit
	if limit == 0 {
		limit = 10000
	}
	rows, err := h.bots.Equity(ctx, h.pool, botActor(caller(ctx)), in.ID, from, to, limit)
	if err != nil {
		return nil, h.problem(botProblem(err, false))
	}
	out := &botEquityOutput{Body: BotEquity{Items: make([]BotEquityPoint, len(rows))}}
	for i, r := range rows {
		out.Body.Items[i] = BotEquityPoint{BarTime: r.BarTime, Equity: r.Equity.InexactFloat64(), Cash: r.Cash.InexactFloat64(),
			PositionsValue: r.PositionsValue.InexactFloat64(), Realised: r.Realised.InexactFloat64(), FeesPaid: r.FeesPaid.InexactFloat64()}
	}
	return out, nil
}
