package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/tradingbot"
)

// tradesShown caps the round trips /trades shows.
const tradesShown = 10

// cmdTradingBot runs the trading bot commands through tradingbot.Service,
// scoped to user's bots; the service's refusals are replies.
func (b *Bot) cmdTradingBot(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	a := tradingbot.Actor{UserID: user.ID, Name: user.Name, Source: audit.SourceBot}
	if cmd.Name == "bots" {
		return b.cmdBots(ctx, tx, r, a)
	}
	bot, err := b.trading.FindByName(ctx, tx, a, cmd.TradingBot.Name)
	if te, ok := tradingbot.AsError(err); ok && te.Kind == tradingbot.KindNotFound {
		r.text = fmt.Sprintf("You have no trading bot named %q. /bots lists yours.", clip(cmd.TradingBot.Name))
		return r, nil
	}
	if err != nil {
		return r, err
	}
	switch cmd.Name {
	case "bot":
		err = b.replyStatus(ctx, tx, &r, a, bot)
	case "balance":
		err = b.replyBalance(ctx, tx, &r, a, bot)
	case "profit":
		err = b.replyProfit(ctx, tx, &r, a, bot)
	case "trades":
		err = b.replyTrades(ctx, tx, &r, a, bot)
	case "forceexit":
		err = b.replyForceExit(ctx, tx, &r, a, bot, cmd.TradingBot.Symbol)
	case "stopentry":
		var got dbsqlc.TradingBot
		if got, err = b.trading.StopEntry(ctx, tx, a, bot.ID); err == nil {
			r.text = fmt.Sprintf("Trading bot %s: new entries halted (%s); exits, stops and open orders still work. /startbot %s allows entries again.",
				got.Name, got.State, got.Name)
		}
	case "startbot":
		var got dbsqlc.TradingBot
		if got, err = b.trading.Start(ctx, tx, a, bot.ID); err == nil {
			r.text = fmt.Sprintf("Trading bot %s is running: it decides from the next closed %s bar.", got.Name, got.Timeframe)
			if bot.State == tradingbot.StateRunning {
				r.text = fmt.Sprintf("Trading bot %s was already running.", got.Name)
			}
		}
	case "stopbot":
		var got dbsqlc.TradingBot
		if got, err = b.trading.Stop(ctx, tx, a, bot.ID); err == nil {
			r.text = fmt.Sprintf("Trading bot %s is stopped; its positions and open orders are kept. /startbot %s runs it again.", got.Name, got.Name)
			if bot.State == tradingbot.StateStopped {
				r.text = fmt.Sprintf("Trading bot %s was already stopped.", got.Name)
			}
		}
	}
	if te, ok := tradingbot.AsError(err); ok {
		r.text = fmt.Sprintf("Trading bot %s: %s", bot.Name, te.Error())
		return r, nil
	}
	return r, err
}

func (b *Bot) cmdBots(ctx context.Context, tx pgx.Tx, r reply, a tradingbot.Actor) (reply, error) {
	bots, err := b.trading.List(ctx, tx, a)
	if err != nil {
		return r, err
	}
	if len(bots) == 0 {
		r.text = "You have no trading bots. Create one with POST /api/bots or vigil tradingbot --config bots/NAME.json."
		return r, nil
	}
	var sb strings.Builder
	sb.WriteString("Your trading bots:\n")
	for i, bot := range bots {
		if i == listLimit {
			sb.WriteString("… and more\n")
			break
		}
		fmt.Fprintf(&sb, "%s — %s, %s on %s %s, cash %s\n", bot.Name, bot.State, bot.Strategy, strings.Join(bot.Symbols, ","),
			bot.Timeframe, money(bot.Cash))
	}
	r.text = strings.TrimSpace(sb.String()) + "\n/bot NAME shows one."
	return r, nil
}

func (b *Bot) replyStatus(ctx context.Context, tx pgx.Tx, r *reply, a tradingbot.Actor, bot dbsqlc.TradingBot) error {
	st, err := b.trading.Status(ctx, tx, a, bot.ID)
	if err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Trading bot %s: %s", bot.Name, bot.State)
	if bot.StateReason != "" {
		fmt.Fprintf(&sb, " (%s)", bot.StateReason)
	}
	params, _ := json.Marshal(json.RawMessage(bot.Params))
	fmt.Fprintf(&sb, "\n%s %s on %s, %s bars\n", bot.Strategy, params, strings.Join(bot.Symbols, ", "), bot.Timeframe)
	if bot.LastBarTime != nil {
		fmt.Fprintf(&sb, "Last bar %s UTC (%d decided, %d skipped)\n", bot.LastBarTime.UTC().Format("2006-01-02 15:04"),
			bot.BarsDecided, bot.BarsSkipped)
	} else {
		sb.WriteString("No bar decided yet\n")
	}
	fmt.Fprintf(&sb, "Equity %s (%s%%), cash %s\n", money(st.Equity), signed(st.ReturnPct), money(st.Cash))
	if len(st.Positions) == 0 {
		sb.WriteString("No open position.")
	} else {
		fmt.Fprintf(&sb, "Positions (unrealised P&L %s):\n", signedMoney(st.Unrealised))
		for _, p := range st.Positions {
			fmt.Fprintf(&sb, "%s %s @ %s → %s: %s (%s%%)\n", p.Symbol, p.Quantity.String(), money(p.AvgCost), money(p.LastClose),
				signedMoney(p.Unrealised), signed(p.UnrealisedPct))
		}
	}
	if st.OpenOrders > 0 {
		fmt.Fprintf(&sb, "\n%s open.", plural(st.OpenOrders, "order"))
	}
	if len(st.PendingExits) > 0 {
		fmt.Fprintf(&sb, "\nForce exit pending: %s.", strings.Join(st.PendingExits, ", "))
	}
	r.text = strings.TrimSpace(sb.String())
	return nil
}

func (b *Bot) replyBalance(ctx context.Context, tx pgx.Tx, r *reply, a tradingbot.Actor, bot dbsqlc.TradingBot) error {
	st, err := b.trading.Status(ctx, tx, a, bot.ID)
	if err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Trading bot %s balance:\nCash %s\n", bot.Name, money(st.Cash))
	for _, p := range st.Positions {
		fmt.Fprintf(&sb, "%s %s × %s = %s\n", p.Symbol, p.Quantity.String(), money(p.LastClose), money(p.Value))
	}
	fmt.Fprintf(&sb, "Equity %s (started with %s, %s%%)", money(st.Equity), money(bot.InitialCash), signed(st.ReturnPct))
	r.text = sb.String()
	return nil
}

func (b *Bot) replyProfit(ctx context.Context, tx pgx.Tx, r *reply, a tradingbot.Actor, bot dbsqlc.TradingBot) error {
	p, err := b.trading.Profit(ctx, tx, a, bot.ID)
	if err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Trading bot %s profit:\n", bot.Name)
	if p.ClosedTrades == 0 {
		sb.WriteString("No closed trade yet.\n")
	} else {
		fmt.Fprintf(&sb, "Closed trades: %d (%d won, %d lost, win rate %.0f%%)\nClosed P&L %s\n", p.ClosedTrades, p.Wins, p.Losses,
			p.WinRate*100, signedMoney(p.ClosedPnL))
		fmt.Fprintf(&sb, "Best %s %s, worst %s %s\n", p.Best.Symbol, signedMoney(p.Best.PnL), p.Worst.Symbol, signedMoney(p.Worst.PnL))
	}
	fmt.Fprintf(&sb, "Open trades: %d, unrealised P&L %s\nFees paid %s\nEquity %s (%s%% on %s)", p.OpenTrades,
		signedMoney(p.Status.Unrealised), money(p.Status.FeesPaid), money(p.Status.Equity), signed(p.Status.ReturnPct), money(bot.InitialCash))
	r.text = sb.String()
	return nil
}

func (b *Bot) replyTrades(ctx context.Context, tx pgx.Tx, r *reply, a tradingbot.Actor, bot dbsqlc.TradingBot) error {
	trades, err := b.trading.Trades(ctx, tx, a, bot.ID)
	if err != nil {
		return err
	}
	if len(trades) == 0 {
		r.text = fmt.Sprintf("Trading bot %s has no trade yet.", bot.Name)
		return nil
	}
	var sb strings.Builder
	shown := trades[max(0, len(trades)-tradesShown):]
	fmt.Fprintf(&sb, "Trading bot %s, last %s of %d:\n", bot.Name, plural(len(shown), "trade"), len(trades))
	for _, t := range shown {
		if t.Open {
			fmt.Fprintf(&sb, "%s open since %s: %s @ %s, %s at the last close\n", t.Symbol, stamp(t.EntryTime), t.Quantity.String(),
				money(t.EntryPrice), signedMoney(t.PnL))
			continue
		}
		fmt.Fprintf(&sb, "%s %s → %s: %s @ %s → %s, %s\n", t.Symbol, stamp(t.EntryTime), stamp(*t.ExitTime), t.Quantity.String(),
			money(t.EntryPrice), money(*t.ExitPrice), signedMoney(t.PnL))
	}
	r.text = strings.TrimSpace(sb.String())
	return nil
}

func (b *Bot) replyForceExit(ctx context.Context, tx pgx.Tx, r *reply, a tradingbot.Actor, bot dbsqlc.TradingBot, symbol string) error {
	res, err := b.trading.ForceExit(ctx, tx, a, bot.ID, symbol)
	if err != nil {
		return err
	}
	var sb strings.Builder
	if len(res.Symbols) > 0 {
		fmt.Fprintf(&sb, "Trading bot %s will close %s at its next decision (the next closed %s bar); the market sell fills at the following bar's open.",
			bot.Name, strings.Join(res.Symbols, ", "), bot.Timeframe)
	}
	if res.Cancelled > 0 {
		fmt.Fprintf(&sb, " %s cancelled.", plural(res.Cancelled, "open order"))
	}
	if bot.State == tradingbot.StateStopped {
		fmt.Fprintf(&sb, " The bot is stopped: the exit waits until /startbot %s.", bot.Name)
	}
	r.text = strings.TrimSpace(sb.String())
	return nil
}

// money formats an amount with two decimals.
func money(d decimal.Decimal) string { return d.StringFixed(2) }

// signedMoney is money with a sign: +50.00, -3.10.
func signedMoney(d decimal.Decimal) string {
	if d.IsNegative() {
		return d.StringFixed(2)
	}
	return "+" + d.StringFixed(2)
}

// signed formats a percentage with a sign and two decimals.
func signed(f float64) string { return fmt.Sprintf("%+.2f", f) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }
