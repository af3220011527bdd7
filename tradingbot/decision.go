package tradingbot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/broker"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/trading"
)

// outcome is what one decision did.
type outcome struct {
	bar     time.Time // the bar decided; zero when there was nothing new
	skipped int64
	state   string
	halted  bool // a kill switch halted the bot in this decision
	lost    bool // the lease is another runner's (or the bot stopped)
	retry   bool // the bot changed while its bars were fetched: try again
}

// plan is the bars of one decision, fetched before its transaction.
type plan struct {
	bar     time.Time              // the decision's bar (open time)
	step    map[string]bars.Bar    // symbol -> its bar at .bar
	warm    map[string]bars.Series // symbol -> history before .bar, for a symbol not warmed up yet
	skipped map[string]bars.Series // symbol -> closed bars after the last decision and before .bar
	counts  map[string]int64       // symbol -> how many bars were skipped (more than fetched after a long downtime)
	broker  *brokerView            // a broker bot's open orders and their polls (nil: paper)
}

// decide makes the bot's decision on its newest closed bar, if it has one
// it has not decided: the bars are fetched first, then one transaction
// locks the bot (under this runner's unexpired lease), restores its
// engine, warms up new symbols, feeds skipped bars to the strategy without
// trading, steps each symbol's bar and stores everything.
func (r *Runner) decide(ctx context.Context, id int64, now time.Time) (outcome, error) {
	out, err := r.decideOnce(ctx, id, now, true)
	if out.retry && err == nil {
		// The row changed since this runner's last decision (an edit, a
		// stop, another runner): once more, read from the database.
		out, err = r.decideOnce(ctx, id, now, false)
	}
	return out, err
}

// decideOnce is one attempt of decide, from the row this runner's last
// decision left when useCache and it has one, else from the database.
func (r *Runner) decideOnce(ctx context.Context, id int64, now time.Time, useCache bool) (outcome, error) {
	b, ok := r.cached(id)
	if !ok || !useCache {
		var err error
		b, err = r.q.TradingBotGet(ctx, r.o.Pool, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return outcome{lost: true}, nil
		}
		if err != nil {
			return outcome{}, fmt.Errorf("load bot %d: %w", id, err)
		}
		if b.LeaseOwner == nil || *b.LeaseOwner != r.o.Owner || (b.State != StateRunning && b.State != StateHalted) {
			return outcome{lost: true}, nil
		}
	}
	p, err := r.fetch(ctx, &b, now)
	if errors.Is(err, market.ErrUnknownSymbol) {
		return r.stopUnknown(ctx, &b, err)
	}
	if err != nil {
		return outcome{}, err
	}
	if p == nil {
		return outcome{}, nil
	}
	if usesBroker(b.Broker) {
		v, err := r.poll(ctx, &b)
		if errors.Is(err, broker.ErrNoCredentials) {
			return r.stopBot(ctx, &b, err)
		}
		if err != nil {
			return outcome{}, fmt.Errorf("bot %d broker: %w", id, err)
		}
		p.broker = v
	}
	var out outcome
	var row dbsqlc.TradingBot
	err = pgx.BeginFunc(ctx, r.o.Pool, func(tx pgx.Tx) error {
		var err error
		if out, row, err = r.apply(ctx, tx, &b, p); err != nil {
			return err
		}
		if r.o.BeforeCommit != nil {
			return r.o.BeforeCommit(ctx, id, p.bar)
		}
		return nil
	})
	if errors.Is(err, errNotClaimed) {
		r.remember(id, nil)
		return outcome{retry: true}, nil // the next pass reads the bot again
	}
	if err != nil {
		r.remember(id, nil)
		return outcome{}, fmt.Errorf("bot %d decision on %s: %w", id, p.bar.Format(time.RFC3339), err)
	}
	r.remember(id, &row)
	if r.o.Committed != nil {
		tf := bars.Timeframe(b.Timeframe)
		r.o.Committed(id, p.bar, p.bar.Add(tf.Duration()), r.o.Now())
	}
	if usesBroker(b.Broker) {
		r.afterCommit(ctx, id, p.bar)
	}
	r.o.Logger.Debug("trading bot decided", "bot_id", id, "bot", b.Name, "bar", p.bar, "skipped", out.skipped, "state", out.state)
	return out, nil
}

// cached is the bot's row as this runner's last decision left it, if it
// has one: the decision's claim fails if anything changed it since.
func (r *Runner) cached(id int64) (dbsqlc.TradingBot, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h := r.held[id]; h != nil && h.last != nil {
		return *h.last, true
	}
	return dbsqlc.TradingBot{}, false
}

// remember keeps (or, nil, forgets) the bot's row after a decision.
func (r *Runner) remember(id int64, row *dbsqlc.TradingBot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if h := r.held[id]; h != nil {
		h.last = row
	}
}

// fetch gets the bars of the bot's next decision; nil when no bar closed
// after its last decision.
func (r *Runner) fetch(ctx context.Context, b *dbsqlc.TradingBot, now time.Time) (*plan, error) {
	tf, err := bars.ParseTimeframe(b.Timeframe)
	if err != nil {
		return nil, fmt.Errorf("bot %d: %w", b.ID, err)
	}
	d := tf.Duration()
	latest := tf.Open(now).Add(-d) // the newest bar closed by the clock
	last := b.LastBarTime
	if last != nil && !latest.After(*last) {
		return nil, nil
	}
	s, err := trading.NewStrategy(r.o.Validator, b.Strategy, b.Params)
	if err != nil {
		return nil, fmt.Errorf("bot %d strategy: %w", b.ID, err)
	}
	warmN := trading.WarmupBars(s)
	newN := 1
	if last != nil {
		newN = int(latest.Sub(*last) / d)
	}
	series := make(map[string]bars.Series, len(b.Symbols))
	var decision time.Time
	for _, sym := range b.Symbols {
		n := newN + 1 // the open bar comes last
		if !slices.Contains(b.WarmedSymbols, sym) {
			n += warmN
		}
		got, err := r.o.Market.Bars(ctx, sym, tf, min(n, marketdata.MaxBars), now)
		if err != nil {
			return nil, fmt.Errorf("bot %d bars of %s: %w", b.ID, sym, err)
		}
		end := len(got)
		for end > 0 && got[end-1].Time.After(latest) {
			end-- // not closed yet
		}
		got = got[:end]
		series[sym] = got
		if end > 0 && got[end-1].Time.After(decision) {
			decision = got[end-1].Time
		}
	}
	if decision.IsZero() || (last != nil && !decision.After(*last)) {
		return nil, nil // nothing new: a closed market or a late provider
	}
	p := &plan{bar: decision, step: map[string]bars.Bar{}, warm: map[string]bars.Series{}, skipped: map[string]bars.Series{},
		counts: map[string]int64{}}
	for _, sym := range b.Symbols {
		got := series[sym]
		before := got
		if n := len(got); n > 0 && got[n-1].Time.Equal(decision) {
			p.step[sym] = got[n-1]
			before = got[:n-1]
		}
		if !slices.Contains(b.WarmedSymbols, sym) {
			p.warm[sym] = before[max(0, len(before)-warmN):]
			continue
		}
		if last == nil {
			continue
		}
		i := len(before)
		for i > 0 && before[i-1].Time.After(*last) {
			i--
		}
		if missed := before[i:]; len(missed) > 0 {
			p.skipped[sym] = missed
			p.counts[sym] = int64(len(missed))
			if i == 0 && newN+1 > marketdata.MaxBars { // more were missed than fetched
				p.counts[sym] = max(int64(len(missed)), int64(decision.Sub(*last)/d)-1)
			}
		}
	}
	return p, nil
}

// afterCommit submits the orders a broker bot's decision recorded; one
// that fails stays pending for the next pass.
func (r *Runner) afterCommit(ctx context.Context, id int64, bar time.Time) {
	if r.o.AfterCommit != nil {
		if err := r.o.AfterCommit(ctx, id, bar); err != nil {
			r.o.Logger.Warn("trading bot orders not submitted after the decision (test hook)", "bot_id", id, "error", err)
			return
		}
	}
	if _, err := r.brokerPass(ctx, id); err != nil && ctx.Err() == nil {
		r.o.Logger.Warn("trading bot orders not all submitted; retried at the next pass", "bot_id", id, "error", err)
	}
}

// stopUnknown stops a bot whose symbol the provider does not know: no bar
// will ever come for it.
func (r *Runner) stopUnknown(ctx context.Context, b *dbsqlc.TradingBot, cause error) (outcome, error) {
	return r.stopBot(ctx, b, cause)
}

// stopBot stops a bot that cannot run: an unknown symbol, no broker
// credentials.
func (r *Runner) stopBot(ctx context.Context, b *dbsqlc.TradingBot, cause error) (outcome, error) {
	reason := fmt.Sprintf("stopped by the trading bot service: %v", cause)
	err := pgx.BeginFunc(ctx, r.o.Pool, func(tx pgx.Tx) error {
		return r.setState(ctx, tx, b, StateStopped, reason, "tradingbot.stop")
	})
	if err != nil {
		return outcome{}, fmt.Errorf("stop bot %d: %w", b.ID, err)
	}
	r.o.Logger.Warn("trading bot stopped", "bot_id", b.ID, "bot", b.Name, "error", cause)
	return outcome{lost: true}, nil
}
