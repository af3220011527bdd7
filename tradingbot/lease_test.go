package tradingbot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/tradingbot"
)

// Two runners on one bot: only the lease holder decides, one decision per
// bar even when both pass at once; when the holder's lease expires (it
// died) the other takes the bot over, and the old holder, coming back with
// its stale view, decides nothing.
func TestTwoRunnersOneDecisionPerBar(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.create(smaDef)
	// a renews only on its first pass, so later it acts on what it
	// believed then; b renews on every pass.
	a := e.runner("runner-a", tradingbot.Options{RenewEvery: time.Hour})
	bb := e.runner("runner-b", tradingbot.Options{})
	require.NoError(t, a.Tick(e.ctx))
	require.NoError(t, bb.Tick(e.ctx))
	require.Equal(t, 1, a.Stats().Held)
	require.Zero(t, bb.Stats().Held, "the lease is a's")

	for range 10 {
		e.clock.Add(time.Minute)
		var wg sync.WaitGroup
		for _, r := range []*tradingbot.Runner{a, bb} {
			wg.Go(func() { require.NoError(t, r.Tick(e.ctx)) })
		}
		wg.Wait()
	}
	require.EqualValues(t, 11, a.Stats().Decisions)
	require.Zero(t, bb.Stats().Decisions)
	require.Equal(t, 11, count(t, e.pool, "SELECT count(*) FROM bot_equity_snapshots WHERE bot_id = $1", b.ID))

	// a stops renewing (it hangs or died): its lease runs out.
	_, err := e.pool.Exec(e.ctx, `UPDATE trading_bots SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, b.ID)
	require.NoError(t, err)
	for range 5 {
		e.clock.Add(time.Minute)
		require.NoError(t, bb.Tick(e.ctx))
		require.NoError(t, a.Tick(e.ctx)) // still thinks it holds the bot
	}
	require.EqualValues(t, 5, bb.Stats().Decisions)
	require.EqualValues(t, 11, a.Stats().Decisions, "the old holder decided nothing more")
	require.Zero(t, a.Stats().Held, "and dropped the bot when it found the lease gone")
	require.Equal(t, "runner-b", *e.bot(b.ID).LeaseOwner)
	require.Equal(t, 16, count(t, e.pool, "SELECT count(*) FROM bot_equity_snapshots WHERE bot_id = $1", b.ID))
	require.Equal(t, 16, count(t, e.pool, "SELECT count(DISTINCT bar_time) FROM bot_equity_snapshots WHERE bot_id = $1", b.ID))
	require.Equal(t, count(t, e.pool, "SELECT count(*) FROM bot_orders"),
		count(t, e.pool, "SELECT count(DISTINCT (bot_id, engine_order_id)) FROM bot_orders WHERE engine_order_id IS NOT NULL")+
			count(t, e.pool, "SELECT count(*) FROM bot_orders WHERE engine_order_id IS NULL"))

	// A runner that stops releases its leases: another takes over at once.
	_, err = e.pool.Exec(e.ctx, `UPDATE trading_bots SET lease_expires_at = now() + interval '1 hour' WHERE id = $1`, b.ID)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- bb.Run(ctx) }()
	cancel()
	require.NoError(t, <-done)
	require.Nil(t, e.bot(b.ID).LeaseOwner)
	c := e.runner("runner-c", tradingbot.Options{})
	require.NoError(t, c.Tick(e.ctx))
	require.Equal(t, 1, c.Stats().Held)
}
