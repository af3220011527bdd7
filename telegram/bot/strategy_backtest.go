package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vigilhq/vigil/backtests"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// backtestTradesShown is how many of the last trades a /backtest reply lists.
const backtestTradesShown = 5

// cmdStrategyBacktest runs /backtest: the strategy with its default
// parameters on daily bars, 10,000 cash, no fees. The reply is the figures
// and the last trades, then the chart as a photo. Nothing is stored.
func (b *Bot) cmdStrategyBacktest(ctx context.Context, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	if b.backtests == nil {
		r.text = "Backtests are not enabled on this server."
		return r, nil
	}
	spec := cmd.Backtest
	out, err := b.backtests.Run(ctx, backtests.Request{Strategy: spec.Strategy, Symbol: spec.Symbol,
		Timeframe: string(backtests.DefaultTimeframe), From: spec.From, To: spec.To, Cash: backtests.DefaultCash})
	if ie, ok := errors.AsType[*backtests.InputError](err); ok {
		r.text = usage("backtest", "That backtest cannot run: "+backtestProblem(ie)).Error()
		return r, nil
	}
	if err != nil {
		b.log.WarnContext(ctx, "backtest from telegram failed", "user_id", user.ID, "symbol", spec.Symbol, "error", err.Error())
		r.text = fmt.Sprintf("Market data for %s is unavailable right now, so the backtest cannot run; please try again later.", spec.Symbol)
		return r, nil
	}
	r.text = backtestReply(out)
	img, err := out.Chart(backtests.ChartWidth, backtests.ChartHeight)
	if err != nil {
		b.log.WarnContext(ctx, "backtest chart failed", "user_id", user.ID, "error", err.Error())
	} else {
		r.photo = img
		r.caption = fmt.Sprintf("%s on %s %s: equity %s (%s%%)", out.Strategy, out.Symbol, out.Timeframe,
			backtestNum(out.Result.FinalEquity), backtestSigned(out.Result.ReturnPct))
	}
	b.log.InfoContext(ctx, "backtest from telegram", "user_id", user.ID, "strategy", out.Strategy, "symbol", out.Symbol,
		"bars", out.Result.Bars, "trades", len(out.Result.Trades))
	return r, nil
}

// backtestProblem says what is wrong with a backtest in the bot's words.
func backtestProblem(ie *backtests.InputError) string {
	parts := make([]string, 0, len(ie.Problems))
	for _, p := range ie.Problems {
		parts = append(parts, p.Field+" "+p.Message)
	}
	return strings.Join(parts, "; ") + "."
}

// backtestReply is the figures of a backtest and its last trades.
func backtestReply(out backtests.Output) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Backtest of %s %s on %s %s, %s to %s (%d bars), 10,000 cash, no fees:\n\n", out.Strategy, out.Params,
		out.Symbol, out.Timeframe, out.From.Format(time.DateOnly), out.To.Format(time.DateOnly), out.Result.Bars)
	sb.WriteString(out.Summary())
	trades := out.Result.Trades
	if len(trades) > 0 {
		shown := trades[max(0, len(trades)-backtestTradesShown):]
		fmt.Fprintf(&sb, "\n\nLast %d of %d trades:\n", len(shown), len(trades))
		for _, t := range shown {
			exit := "open"
			if t.ExitTime != nil && t.ExitPrice != nil {
				exit = t.ExitTime.Format(time.DateOnly) + " at " + backtestNum(*t.ExitPrice)
			}
			fmt.Fprintf(&sb, "%s at %s → %s: %s units, pnl %s\n", t.EntryTime.Format(time.DateOnly), backtestNum(t.EntryPrice),
				exit, backtestNum(t.Quantity), backtestSigned(t.PnL))
		}
	}
	return strings.TrimSpace(sb.String())
}

// backtestNum formats a figure with at most 2 decimals.
func backtestNum(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	if s = strings.TrimRight(strings.TrimRight(s, "0"), "."); s == "-0" {
		return "0"
	}
	return s
}

// backtestSigned is backtestNum with a + for positive figures.
func backtestSigned(v float64) string {
	if v > 0 {
		return "+" + backtestNum(v)
	}
	return backtestNum(v)
}
