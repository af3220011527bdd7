package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/trading"
	"github.com/vigilhq/vigil/tradingbot"
)

// demoBotParams are the demo bot's sma_cross parameters: short SMAs, so it
// trades often on minute bars.
var demoBotParams = json.RawMessage(`{"fast": 5, "slow": 20}`)

// demoBotCandidates are the symbols the demo bot may trade.
var demoBotCandidates = []string{"AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOGL", "META", "AMD", "NFLX", "JPM", "BTC-USD", "ETH-USD"}

// seedDemoBot creates the demo's trading bot for user: sma_cross 5/20 on
// 1m bars of the two synthetic symbols whose first entry comes soonest
// after now. The synthetic market is deterministic, so the bot is checked
// to buy within minutes by running the same engine over the coming bars.
func seedDemoBot(ctx context.Context, tx pgx.Tx, user int64, now time.Time, log *slog.Logger) error {
	v, err := schemas.New()
	if err != nil {
		return fmt.Errorf("compile schemas: %w", err)
	}
	symbols, first, err := demoBotSymbols(ctx, v, now)
	if err != nil {
		return err
	}
	svc, err := tradingbot.NewService(v, log)
	if err != nil {
		return err
	}
	d := tradingbot.Definition{Name: "demo-sma", Strategy: "sma_cross", Params: demoBotParams, Symbols: symbols,
		Timeframe: string(bars.M1), Cash: decimal.NewFromInt(10000), TakerFeeBps: 5, SlippageBps: 2,
		Risk: trading.RiskSettings{MaxPositionPct: 50, StoplossPct: 2}}
	b, err := svc.Create(ctx, tx, tradingbot.Operator(audit.SourceCLI), user, d)
	if err != nil {
		return fmt.Errorf("create the demo bot: %w", err)
	}
	log.Info("seeded the demo trading bot", "bot_id", b.ID, "symbols", symbols, "first_buy_in", first.Round(time.Second))
	return nil
}

// demoBotSymbols returns the two candidates whose first buy fill comes
// soonest after now, and how soon the first of them buys.
func demoBotSymbols(ctx context.Context, v *schemas.Validator, now time.Time) ([]string, time.Duration, error) {
	const horizon = 90 // minutes looked ahead
	latest := bars.M1.Open(now).Add(-time.Minute)
	future := &marketdata.Synthetic{Now: func() time.Time { return latest.Add((horizon + 2) * time.Minute) }}
	type pick struct {
		symbol string
		first  time.Duration
	}
	var picks []pick
	for _, sym := range demoBotCandidates {
		s, err := trading.NewStrategy(v, "sma_cross", demoBotParams)
		if err != nil {
			return nil, 0, err
		}
		e, err := trading.NewEngine(trading.Config{Cash: decimal.NewFromInt(10000), Timeframe: bars.M1}, s)
		if err != nil {
			return nil, 0, err
		}
		warm := trading.WarmupBars(s)
		series, err := future.Bars(ctx, sym, bars.M1, latest.Add(-time.Duration(warm)*time.Minute), latest.Add(horizon*time.Minute))
		if err != nil {
			return nil, 0, fmt.Errorf("demo bot: bars of %s: %w", sym, err)
		}
		if len(series) < warm+1 {
			continue
		}
		e.WarmUp(sym, series[:warm])
		for _, b := range series[warm:] {
			if bought := slices.ContainsFunc(e.Step(sym, b), func(ev trading.Event) bool {
				return ev.Kind == trading.EventOrderFilled && ev.Fill.Side == trading.Buy
			}); bought {
				picks = append(picks, pick{sym, b.Time.Add(time.Minute).Sub(now)})
				break
			}
		}
	}
	if len(picks) < 2 {
		return []string{"AAPL", "MSFT"}, 0, nil
	}
	slices.SortStableFunc(picks, func(a, b pick) int { return int(a.first - b.first) })
	return []string{picks[0].symbol, picks[1].symbol}, picks[0].first, nil
}
