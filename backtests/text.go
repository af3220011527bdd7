package backtests

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigilhq/vigil/trading"
)

// Header is the run's first line: strategy, parameters, symbol, range and
// costs.
func (o Output) Header() string {
	return fmt.Sprintf("%s %s on %s %s, %s to %s: %d bars, cash %s, fees %s bps, slippage %s bps",
		o.Strategy, o.Params, o.Symbol, o.Timeframe, o.From.Format(time.RFC3339), o.To.Format(time.RFC3339),
		o.Result.Bars, num(o.Cash), num(o.FeeBps), num(o.SlippageBps))
}

// Summary is the figures, one per line.
func (o Output) Summary() string {
	r := o.Result
	closed, won := 0, 0
	for _, t := range r.Trades {
		if t.ExitPrice != nil {
			closed++
			if t.PnL > 0 {
				won++
			}
		}
	}
	pf := "n/a (no trade lost)"
	if r.ProfitFactor != nil {
		pf = num(*r.ProfitFactor)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "final equity    %s\n", num(r.FinalEquity))
	fmt.Fprintf(&b, "return          %s%%\n", signed(r.ReturnPct))
	fmt.Fprintf(&b, "max drawdown    %s%%\n", num(r.MaxDrawdownPct))
	fmt.Fprintf(&b, "sharpe          %s\n", num(r.Sharpe))
	fmt.Fprintf(&b, "win rate        %s (%d of %d closed trades)\n", num(r.WinRate), won, closed)
	fmt.Fprintf(&b, "profit factor   %s\n", pf)
	fmt.Fprintf(&b, "exposure        %s%%\n", num(r.ExposurePct))
	fmt.Fprintf(&b, "trades          %d\n", len(r.Trades))
	fmt.Fprintf(&b, "bars            %d", r.Bars)
	return b.String()
}

// WriteText writes the human form of `vigil backtest`: the header, a table
// of the trades and the summary.
func (o Output) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString(o.Header() + "\n\n")
	if len(o.Result.Trades) == 0 {
		b.WriteString("no trades\n")
	} else {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "#\tentry time\tentry price\texit time\texit price\tquantity\tpnl\tfees\t")
		for i, t := range o.Result.Trades {
			exitTime, exitPrice := "open", "-"
			if t.ExitTime != nil {
				exitTime = t.ExitTime.Format(time.RFC3339)
			}
			if t.ExitPrice != nil {
				exitPrice = num(*t.ExitPrice)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", i+1, t.EntryTime.Format(time.RFC3339), num(t.EntryPrice),
				exitTime, exitPrice, num(t.Quantity), signed(t.PnL), num(t.Fees))
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("backtest table: %w", err)
		}
	}
	b.WriteString("\n" + o.Summary() + "\n")
	if n := len(o.Result.Refusals); n > 0 {
		fmt.Fprintf(&b, "refused orders  %d (first: %s)\n", n, refusal(o.Result.Refusals[0]))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func refusal(r trading.Refusal) string {
	return fmt.Sprintf("%s %s %s: %s", r.Time.Format(time.RFC3339), r.Order.Side, r.Order.Symbol, r.Reason)
}

// num formats a figure with up to 8 decimals and no trailing zeros.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// signed is num with a + for positive figures.
func signed(v float64) string {
	if v > 0 {
		return "+" + num(v)
	}
	return num(v)
}
