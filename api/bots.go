package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/tradingbot"
)

const (
	createBotDoc = "Creates one of your trading bots from its definition: the JSON of `schemas/tradingbot.v1.json` " +
		"(the file `vigil tradingbot --config` reads). A running bot trades from the next closed bar of its timeframe on the " +
		"paper broker. Names are unique per user. Bad input is a 422 naming the field (`body.params.fast`)."
	replaceBotDoc = "Replaces the definition of one of your bots. Parameters, fees, risk settings and added symbols apply " +
		"from the next decision; a change of strategy or parameters warms the strategy up again; a symbol can be dropped and the " +
		"timeframe changed only while the bot holds nothing in it, and the cash only before its first decision (409 otherwise). " +
		"The name cannot change."
	getBotDoc = "One of your bots as of its last decision: its definition and state, cash, equity (cash plus every position at " +
		"its last close), realised P&L and fees, and each open position with its unrealised P&L."
	forceExitDoc = "Makes one of your bots close a position (`symbol`) or every position (`all`) at its next decision: the " +
		"exit is stored with the bot (it survives a restart), the runner places a market sell of the whole position on the next " +
		"closed bar, filled at the following bar's open; the symbol's open orders are cancelled at once. A stopped bot keeps " +
		"the exit until started. 409 when the bot holds nothing to exit."
	stopEntryDoc = "Halts new entries of one of your bots (freqtrade's /stopentry): it is halted as by a kill switch, buys are " +
		"refused with the reason while exits, stops and open orders are still worked. POST /api/bots/{id}/start clears it."
	botTradesDoc = "The round trips of one of your bots (flat to flat), rebuilt from its fills, oldest first: average entry " +
		"and exit prices, P&L net of fees. An open trade has a null exit and its P&L at the last close."
)

// BotRisk is a bot's risk settings; absent or 0 disables a limit.
type BotRisk struct {
	MaxOpenPositions int     `json:"max_open_positions,omitempty" doc:"Most positions open at once"`
	MaxPositionPct   float64 `json:"max_position_pct,omitempty" doc:"Largest position, percent of equity"`
	StoplossPct      float64 `json:"stoploss_pct,omitempty" doc:"Stop loss below the average cost, percent"`
	TrailingStopPct  float64 `json:"trailing_stop_pct,omitempty" doc:"Trailing stop below the high since entry, percent"`
	TakeProfitPct    float64 `json:"take_profit_pct,omitempty" doc:"Take profit above the average cost, percent"`
	MaxDailyLossPct  float64 `json:"max_daily_loss_pct,omitempty" doc:"Kill switch: loss in a UTC day, percent"`
	MaxDrawdownPct   float64 `json:"max_drawdown_pct,omitempty" doc:"Kill switch: fall below the equity's peak, percent"`
	CooldownBars     int     `json:"cooldown_bars,omitempty" doc:"Bars without entries after a losing trade"`
	FlattenOnHalt    bool    `json:"flatten_on_halt,omitempty" doc:"Close every position when a kill switch trips"`
}

// BotInput is a bot's definition (schemas/tradingbot.v1.json).
type BotInput struct {
	Version     int            `json:"version,omitempty" doc:"Schema version (1)"`
	Name        string         `json:"name,omitempty" maxLength:"64" example:"sma-demo" doc:"1-64 of A-Z a-z 0-9 _ . -, starting with a letter or digit; unique among your bots (required on create, fixed after)"`
	Strategy    string         `json:"strategy" maxLength:"64" example:"sma_cross" doc:"sma_cross, rsi_reversion or alert_signals"`
	Params      map[string]any `json:"params,omitempty" example:"{\"fast\":10,\"slow\":30}" doc:"The strategy's parameters (schemas/strategy.<strategy>.v1.json)"`
	Symbols     []string       `json:"symbols" maxItems:"20" example:"[\"AAPL\"]" doc:"Symbols traded, 1-20"`
	Timeframe   string         `json:"timeframe" maxLength:"8" example:"1m" doc:"Bar size: 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w"`
	Broker      string         `json:"broker,omitempty" maxLength:"32" example:"paper" doc:"paper (default)"`
	Cash        float64        `json:"cash,omitempty" example:"10000" doc:"Starting cash (default 10000)"`
	MakerFeeBps float64        `json:"maker_fee_bps,omitempty" doc:"Fee on limit fills, basis points"`
	TakerFeeBps float64        `json:"taker_fee_bps,omitempty" doc:"Fee on market and stop fills, basis points"`
	SlippageBps float64        `json:"slippage_bps,omitempty" doc:"Slippage of market and stop fills, basis points"`
	Fractional  bool           `json:"fractional,omitempty" doc:"Size buys in steps of 1e-8 instead of whole units"`
	Risk        *BotRisk       `json:"risk,omitempty" doc:"The risk engine's limits"`
	State       string         `json:"state,omitempty" maxLength:"16" example:"running" doc:"running (default) or stopped"`
}

// definition checks in against the bot schema and the strategy's rules.
func (h *handler) definition(in BotInput) (tradingbot.Definition, error) {
	m := map[string]any{}
	raw, err := json.Marshal(in)
	if err != nil {
		return tradingbot.Definition{}, fmt.Errorf("encode bot definition: %w", err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return tradingbot.Definition{}, fmt.Errorf("encode bot definition: %w", err)
	}
	if in.Risk == nil {
		delete(m, "risk")
	}
	if in.Name == "" {
		m["name"] = "placeholder" // PUT: the bot's own name, set by the service
	}
	raw, err = json.Marshal(m)
	if err != nil {
		return tradingbot.Definition{}, fmt.Errorf("encode bot definition: %w", err)
	}
	d, err := tradingbot.ParseDefinition(h.validator, raw)
	if in.Name == "" {
		d.Name = ""
	}
	return d, err
}

// Bot is a trading bot's definition and state.
type Bot struct {
	ID          int64           `json:"id" example:"7"`
	Name        string          `json:"name" example:"sma-demo"`
	Strategy    string          `json:"strategy" example:"sma_cross"`
	Params      json.RawMessage `json:"params" doc:"The strategy's parameters"`
	Symbols     []string        `json:"symbols" example:"[\"AAPL\"]"`
	Timeframe   string          `json:"timeframe" example:"1m"`
	Broker      string          `json:"broker" example:"paper"`
	InitialCash float64         `json:"initial_cash" example:"10000"`
	MakerFeeBps float64         `json:"maker_fee_bps"`
	TakerFeeBps float64         `json:"taker_fee_bps"`
	SlippageBps float64         `json:"slippage_bps"`
	Fractional  bool            `json:"fractional"`
	Risk        json.RawMessage `json:"risk" doc:"The risk settings"`
	State       string          `json:"state" enum:"running,stopped,halted"`
	StateReason string          `json:"state_reason" example:"started via api by alice"`
	LastBarTime *time.Time      `json:"last_bar_time" nullable:"true" doc:"Open time of the last bar decided"`
	BarsDecided int64           `json:"bars_decided"`
	BarsSkipped int64           `json:"bars_skipped" doc:"Closed bars not traded (downtime)"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func toBot(b dbsqlc.TradingBot) Bot {
	return Bot{ID: b.ID, Name: b.Name, Strategy: b.Strategy, Params: b.Params, Symbols: b.Symbols, Timeframe: b.Timeframe,
		Broker: b.Broker, InitialCash: b.InitialCash.InexactFloat64(), MakerFeeBps: b.MakerFeeBps, TakerFeeBps: b.TakerFeeBps,
		SlippageBps: b.SlippageBps, Fractional: b.Fractional, Risk: b.Risk, State: b.State, StateReason: b.StateReason,
		LastBarTime: b.LastBarTime, BarsDecided: b.BarsDecided, BarsSkipped: b.BarsSkipped, CreatedAt: b.CreatedAt,
		UpdatedAt: b.UpdatedAt}
}

// BotPosition is an open position at the last decided close.
type BotPosition struct {
	Symbol        string    `json:"symbol" example:"AAPL"`
	Quantity      float64   `json:"quantity" example:"10"`
	AvgCost       float64   `json:"avg_cost" example:"150.2"`
	LastClose     float64   `json:"last_close" example:"152.3"`
	Value         float64   `json:"value" doc:"quantity × last_close"`
	Unrealised    float64   `json:"unrealised_pnl" doc:"(last_close − avg_cost) × quantity, before exit fees"`
	UnrealisedPct float64   `json:"unrealised_pct" doc:"last_close over avg_cost − 1, percent"`
	OpenedAt      time.Time `json:"opened_at"`
}

// BotStatus is a bot with its account as of its last decision.
type BotStatus struct {
	Bot
	Cash           float64       `json:"cash"`
	Equity         float64       `json:"equity" doc:"Cash plus every position at its last close"`
	Unrealised     float64       `json:"unrealised_pnl"`
	Realised       float64       `json:"realised_pnl" doc:"Realised P&L before fees"`
	FeesPaid       float64       `json:"fees_paid"`
	ReturnPct      float64       `json:"return_pct" doc:"equity over initial_cash − 1, percent"`
	OpenOrders     int           `json:"open_orders"`
	PendingExits   []string      `json:"pending_exits" doc:"Symbols of force exits not decided yet"`
	EntriesStopped bool          `json:"entries_stopped" doc:"New entries halted by stopentry"`
	Positions      []BotPosition `json:"positions" doc:"By symbol"`
}

func toBotStatus(s tradingbot.Status) BotStatus {
	out := BotStatus{Bot: toBot(s.Bot), Cash: s.Cash.InexactFloat64(), Equity: s.Equity.InexactFloat64(),
		Unrealised: s.Unrealised.InexactFloat64(), Realised: s.Realised.InexactFloat64(), FeesPaid: s.FeesPaid.InexactFloat64(),
		ReturnPct: s.ReturnPct, OpenOrders: s.OpenOrders, PendingExits: s.PendingExits, EntriesStopped: s.EntriesStopped,
		Positions: make([]BotPosition, 0, len(s.Positions))}
	if out.PendingExits == nil {
		out.PendingExits = []string{}
	}
	for _, p := range s.Positions {
		out.Positions = append(out.Positions, BotPosition{Symbol: p.Symbol, Quantity: p.Quantity.InexactFloat64(),
			AvgCost: p.AvgCost.InexactFloat64(), LastClose: p.LastClose.InexactFloat64(), Value: p.Value.InexactFloat64(),
			Unrealised: p.Unrealised.InexactFloat64(), UnrealisedPct: p.UnrealisedPct, OpenedAt: p.OpenedAt})
	}
	return out
}

// BotOrder is an order a bot's decision placed or refused.
type BotOrder struct {
	ID             int64     `json:"id"`
	IdempotencyKey string    `json:"idempotency_key" doc:"<bot id>:<bar unix time>:<signal index>"`
	BarTime        time.Time `json:"bar_time" doc:"Open time of the bar decided"`
	Symbol         string    `json:"symbol"`
	Side           string    `json:"side" enum:"buy,sell"`
	Type           string    `json:"type" enum:"market,limit,stop,stop_limit"`
	TIF            string    `json:"tif"`
	Quantity       *float64  `json:"quantity" nullable:"true"`
	Notional       *float64  `json:"notional" nullable:"true"`
	AllCash        bool      `json:"all_cash"`
	ClosePosition  bool      `json:"close_position"`
	LimitPrice     *float64  `json:"limit_price" nullable:"true"`
	StopPrice      *float64  `json:"stop_price" nullable:"true"`
	Status         string    `json:"status" enum:"open,filled,cancelled,refused"`
	Reason         string    `json:"reason" doc:"Why it was placed: signal, stoploss, action (a force exit or an alert), …"`
	Refusal        *string   `json:"refusal" nullable:"true" doc:"Why it was refused or cancelled"`
	// The broker's view of an alpaca bot's order (null for paper bots).
	BrokerStatus  *string    `json:"broker_status" nullable:"true" doc:"alpaca bots: pending (recorded, not yet at the broker), then Alpaca's status (accepted, partially_filled, filled, canceled, expired, rejected)"`
	BrokerOrderID *string    `json:"broker_order_id" nullable:"true" doc:"alpaca bots: Alpaca's order id"`
	SubmittedAt   *time.Time `json:"submitted_at" nullable:"true" doc:"alpaca bots: when the broker took the order"`
	FilledQty     float64    `json:"filled_qty" doc:"alpaca bots: the quantity filled so far (booked as fills)"`
	BrokerError   *string    `json:"broker_error" nullable:"true" doc:"alpaca bots: why the last submission did not reach the broker (retried)"`
	CreatedAt     time.Time  `json:"created_at"`
}

func toBotOrder(o dbsqlc.BotOrder) BotOrder {
	f := func(d interface {
		InexactFloat64() float64
	}, valid bool) *float64 {
		if !valid {
			return nil
		}
		v := d.InexactFloat64()
		return &v
	}
	return BotOrder{ID: o.ID, IdempotencyKey: o.IdempotencyKey, BarTime: o.BarTime, Symbol: o.Symbol, Side: o.Side, Type: o.Type,
		TIF: o.Tif, Quantity: f(o.Quantity.Decimal, o.Quantity.Valid), Notional: f(o.Notional.Decimal, o.Notional.Valid),
		AllCash: o.AllCash, ClosePosition: o.ClosePosition, LimitPrice: f(o.LimitPrice.Decimal, o.LimitPrice.Valid),
		StopPrice: f(o.StopPrice.Decimal, o.StopPrice.Valid), Status: o.Status, Reason: o.Reason, Refusal: o.Refusal,
		BrokerStatus: o.BrokerStatus, BrokerOrderID: o.BrokerOrderID, SubmittedAt: o.SubmittedAt, FilledQty: o.FilledQty.InexactFloat64(),
		BrokerError: o.BrokerError, CreatedAt: o.CreatedAt}
}

// BotTrade is a round trip of a bot.
type BotTrade struct {
	Symbol     string     `json:"symbol"`
	EntryTime  time.Time  `json:"entry_time"`
	EntryPrice float64    `json:"entry_price" doc:"Average of the buys"`
	ExitTime   *time.Time `json:"exit_time" nullable:"true"`
	ExitPrice  *float64   `json:"exit_price" nullable:"true" doc:"Average of the sells; null while open"`
	Quantity   float64    `json:"quantity" doc:"Units bought"`
	PnL        float64    `json:"pnl" doc:"Net of fees; an open trade's at the last close"`
	Fees       float64    `json:"fees"`
	Open       bool       `json:"open"`
}

func toBotTrade(t tradingbot.RoundTrip) BotTrade {
	out := BotTrade{Symbol: t.Symbol, EntryTime: t.EntryTime, EntryPrice: t.EntryPrice.InexactFloat64(), ExitTime: t.ExitTime,
		Quantity: t.Quantity.InexactFloat64(), PnL: t.PnL.InexactFloat64(), Fees: t.Fees.InexactFloat64(), Open: t.Open}
	if t.ExitPrice != nil {
		v := t.ExitPrice.InexactFloat64()
		out.ExitPrice = &v
	}
	return out
}

// BotEquityPoint is the equity after one bar decision.
type BotEquityPoint struct {
	BarTime        time.Time `json:"bar_time"`
	Equity         float64   `json:"equity"`
	Cash           float64   `json:"cash"`
	PositionsValue float64   `json:"positions_value"`
	Realised       float64   `json:"realised"`
	FeesPaid       float64   `json:"fees_paid"`
}

// botProblem maps the service's refusals to problem documents: the field at
// fault is located in the body (body.params.fast) when inBody, else the
// message names it.
func botProblem(err error, inBody bool) error {
	te, ok := tradingbot.AsError(err)
	if !ok {
		return err
	}
	var details []error
	if inBody && te.Field != "" {
		details = append(details, &huma.ErrorDetail{Location: "body" + dotted("/"+te.Field), Message: te.Error()})
	}
	switch te.Kind {
	case tradingbot.KindNotFound:
		return huma.Error404NotFound(te.Error())
	case tradingbot.KindConflict:
		return huma.NewError(http.StatusConflict, te.Error(), details...)
	default:
		if len(details) == 0 && inBody {
			details = append(details, &huma.ErrorDetail{Location: "body", Message: te.Error()})
		}
		return huma.NewError(http.StatusUnprocessableEntity, te.Error(), details...)
	}
}
