package tradingbot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/trading"
)

// Note is one notification to a bot's owner, delivered over their channels
// (type notify.TypeTrade).
type Note struct {
	UserID   int64
	Text     string
	Priority string // notify.PriorityNormal, PriorityHigh or PriorityUrgent
}

// Notifier enqueues a Note in the caller's transaction, so that it is sent
// exactly when the decision that caused it commits (jobs.TradeNotifier
// inserts a River notification job).
type Notifier interface {
	NotifyTx(ctx context.Context, tx pgx.Tx, n Note) error
}

// eventLines describes a decision's fills, closed positions and stops, one
// line each; high reports a stop among them.
func eventLines(events []trading.Event) (lines []string, high bool) {
	for _, ev := range events {
		switch ev.Kind {
		case trading.EventOrderFilled:
			f := ev.Fill
			verb := "bought"
			if f.Side == trading.Sell {
				verb = "sold"
			}
			line := fmt.Sprintf("%s %s %s at %s", verb, f.Quantity.String(), f.Symbol, money(f.Price, 4))
			if f.Fee.IsPositive() {
				line += " (fee " + money(f.Fee, 2) + ")"
			}
			if f.Reason != "" {
				line += " — " + f.Reason
			}
			lines = append(lines, line)
		case trading.EventPositionClosed:
			lines = append(lines, fmt.Sprintf("closed %s: P&L %s", ev.Symbol, signed(ev.PnL)))
		case trading.EventStopHit:
			lines = append(lines, fmt.Sprintf("%s hit on %s", strings.ReplaceAll(ev.Reason, "_", " "), ev.Symbol))
			high = true
		}
	}
	return lines, high
}

// tradeNote is the notification of a decision's events, nil when none is
// worth one.
func tradeNote(owner int64, bot string, bar time.Time, events []trading.Event) *Note {
	lines, high := eventLines(events)
	if len(lines) == 0 {
		return nil
	}
	prio := notify.PriorityNormal
	if high {
		prio = notify.PriorityHigh
	}
	return &Note{UserID: owner, Priority: prio, Text: fmt.Sprintf("Trading bot %s, bar %s:\n• %s", bot,
		bar.UTC().Format("2006-01-02 15:04 UTC"), strings.Join(lines, "\n• "))}
}

func haltNote(owner int64, bot, reason string, flatten bool) Note {
	text := fmt.Sprintf("Trading bot %s: kill switch — %s. New entries are halted", bot, reason)
	if flatten {
		text += "; its positions are closed at the next open"
	}
	return Note{UserID: owner, Priority: notify.PriorityUrgent, Text: text + "."}
}

func summaryNote(owner int64, bot string, from, to time.Time, start, end decimal.Decimal, fills int64) Note {
	pnl := end.Sub(start)
	pct := decimal.Zero
	if start.IsPositive() {
		pct = pnl.Div(start).Mul(decimal.NewFromInt(100))
	}
	period := from.Format("2006-01-02")
	if last := to.AddDate(0, 0, -1); last.After(from) {
		period += " to " + last.Format("2006-01-02")
	}
	return Note{UserID: owner, Priority: notify.PriorityNormal, Text: fmt.Sprintf(
		"Trading bot %s, daily P&L for %s (UTC): %s (%s%%), equity %s, %d fills.", bot, period, signed(pnl),
		signed(pct), money(end, 2), fills)}
}

func money(d decimal.Decimal, places int32) string { return d.StringFixed(places) }

func signed(d decimal.Decimal) string {
	if d.IsNegative() {
		return d.StringFixed(2)
	}
	return "+" + d.StringFixed(2)
}
