package tradingbot_test

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/tradingbot"
)

// plainDef trades without stops, so that a position stays open until the
// strategy's exit or a force exit.
const plainDef = `{"name": "plain", "strategy": "sma_cross", "params": {"fast": 3, "slow": 8}, "symbols": ["AAPL", "MSFT"],
	"timeframe": "1m", "cash": 10000, "fractional": true}`

func (e *env) tx(fn func(tx pgx.Tx) error) error { return pgx.BeginFunc(e.ctx, e.pool, fn) }

// A force exit is stored in the bot's state (audited), survives until the
// runner's next decision, which places a market sell of the whole position
// (reason "action"), filled at the following bar's open; asking twice
// queues one exit; another user's bot is not found; a symbol the bot does
// not trade is refused naming the field.
func TestForceExitClosesAtTheNextDecision(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.create(plainDef)
	r := e.runner("a", tradingbot.Options{})
	require.NoError(t, r.Tick(e.ctx))
	var st tradingbot.Status
	for i := 0; i < 300; i++ {
		e.tick(r, time.Minute)
		var err error
		st, err = e.svc.Status(e.ctx, e.pool, e.actor(), b.ID)
		require.NoError(t, err)
		if len(st.Positions) > 0 {
			break
		}
	}
	require.NotEmpty(t, st.Positions, "sma_cross enters within 300 bars")
	sym := st.Positions[0].Symbol
	// Status arithmetic: equity = cash + Σ quantity × last close.
	want := st.Cash
	for _, p := range st.Positions {
		want = want.Add(p.Quantity.Mul(p.LastClose))
		require.True(t, p.Unrealised.Equal(p.LastClose.Sub(p.AvgCost).Mul(p.Quantity)))
	}
	require.True(t, want.Equal(st.Equity), "%s != %s", want, st.Equity)

	other, err := dbsqlc.New().UserCreate(e.ctx, e.pool, dbsqlc.UserCreateParams{Name: "other", Status: "verified"})
	require.NoError(t, err)
	intruder := tradingbot.Actor{UserID: other.ID, Name: "other", Source: audit.SourceAPI}
	err = e.tx(func(tx pgx.Tx) error { _, err := e.svc.ForceExit(e.ctx, tx, intruder, b.ID, ""); return err })
	te, ok := tradingbot.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, tradingbot.KindNotFound, te.Kind)
	err = e.tx(func(tx pgx.Tx) error { _, err := e.svc.ForceExit(e.ctx, tx, e.actor(), b.ID, "TSLA"); return err })
	te, ok = tradingbot.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, tradingbot.KindInvalid, te.Kind)
	require.Equal(t, "symbol", te.Field)

	for range 2 {
		require.NoError(t, e.tx(func(tx pgx.Tx) error {
			res, err := e.svc.ForceExit(e.ctx, tx, e.actor(), b.ID, sym)
			require.Equal(t, []string{sym}, res.Symbols)
			return err
		}))
	}
	st, err = e.svc.Status(e.ctx, e.pool, e.actor(), b.ID)
	require.NoError(t, err)
	require.Equal(t, []string{sym}, st.PendingExits, "queued once, durably")
	require.Equal(t, 2, count(t, e.pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.forceexit'
		AND entity_id::bigint = $1 AND actor_user_id = $2 AND details->>'target' = $3`, b.ID, e.user, sym))

	e.tick(r, time.Minute) // the decision places the exit
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM bot_orders WHERE bot_id = $1 AND symbol = $2
		AND reason = 'action' AND side = 'sell' AND close_position`, b.ID, sym))
	e.tick(r, time.Minute) // filled at this bar's open
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM bot_fills WHERE bot_id = $1 AND symbol = $2
		AND reason = 'action' AND side = 'sell' AND trade_pnl IS NOT NULL`, b.ID, sym))
	st, err = e.svc.Status(e.ctx, e.pool, e.actor(), b.ID)
	require.NoError(t, err)
	require.Empty(t, st.PendingExits)
	for _, p := range st.Positions {
		require.NotEqual(t, sym, p.Symbol, "the position was closed")
	}
	trades, err := e.svc.Trades(e.ctx, e.pool, e.actor(), b.ID)
	require.NoError(t, err)
	var closed *tradingbot.RoundTrip
	for i := range trades {
		if trades[i].Symbol == sym && !trades[i].Open {
			closed = &trades[i]
		}
	}
	require.NotNil(t, closed, "the forced exit is a closed round trip")
	require.NotNil(t, closed.ExitPrice)
	// Without fees and slippage the round trip's P&L is (exit − entry) × quantity.
	require.True(t, closed.PnL.Round(6).Equal(closed.ExitPrice.Sub(closed.EntryPrice).Mul(closed.Quantity).Round(6)),
		"pnl %s, entry %s, exit %s, qty %s", closed.PnL, closed.EntryPrice, closed.ExitPrice, closed.Quantity)

	// Nothing held in a symbol: a conflict naming it.
	err = e.tx(func(tx pgx.Tx) error { _, err := e.svc.ForceExit(e.ctx, tx, e.actor(), b.ID, sym); return err })
	te, ok = tradingbot.AsError(err)
	if ok { // the strategy may have entered again on the bar after
		require.Equal(t, tradingbot.KindConflict, te.Kind)
		require.Equal(t, "symbol", te.Field)
	}
}

// Stopping entries halts the bot (audited): the strategy's buys are refused
// with the reason while the runner keeps deciding; Start clears it.
func TestStopEntryRefusesBuysUntilStarted(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.create(plainDef)
	r := e.runner("a", tradingbot.Options{})
	require.NoError(t, e.tx(func(tx pgx.Tx) error {
		got, err := e.svc.StopEntry(e.ctx, tx, e.actor(), b.ID)
		require.Equal(t, tradingbot.StateHalted, got.State)
		return err
	}))
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.stopentry'
		AND entity_id::bigint = $1 AND actor_user_id = $2`, b.ID, e.user))
	require.NoError(t, r.Tick(e.ctx))
	for range 200 {
		e.tick(r, time.Minute)
	}
	got := e.bot(b.ID)
	require.Equal(t, tradingbot.StateHalted, got.State)
	require.Contains(t, got.StateReason, "entries stopped via cli by trader")
	require.Zero(t, count(t, e.pool, `SELECT count(*) FROM bot_fills WHERE bot_id = $1`, b.ID))
	require.Positive(t, count(t, e.pool, `SELECT count(*) FROM bot_orders WHERE bot_id = $1 AND status = 'refused'
		AND refusal LIKE 'entries stopped by the owner%'`, b.ID))
	require.Equal(t, int64(201), got.BarsDecided, "a halted bot is still decided on every bar")

	require.NoError(t, e.tx(func(tx pgx.Tx) error { _, err := e.svc.Start(e.ctx, tx, e.actor(), b.ID); return err }))
	for range 200 {
		e.tick(r, time.Minute)
	}
	require.Positive(t, count(t, e.pool, `SELECT count(*) FROM bot_fills WHERE bot_id = $1 AND side = 'buy'`, b.ID))
	require.Equal(t, tradingbot.StateRunning, e.bot(b.ID).State)

	// A stopped bot: nothing to halt.
	require.NoError(t, e.tx(func(tx pgx.Tx) error { _, err := e.svc.Stop(e.ctx, tx, e.actor(), b.ID); return err }))
	err := e.tx(func(tx pgx.Tx) error { _, err := e.svc.StopEntry(e.ctx, tx, e.actor(), b.ID); return err })
	te, ok := tradingbot.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, tradingbot.KindConflict, te.Kind)
}

// Update by id keeps the name; Delete removes the bot and its rows,
// audited; both are scoped to the owner.
func TestUpdateAndDeleteByID(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.create(plainDef)
	other, err := dbsqlc.New().UserCreate(e.ctx, e.pool, dbsqlc.UserCreateParams{Name: "other", Status: "verified"})
	require.NoError(t, err)
	intruder := tradingbot.Actor{UserID: other.ID, Name: "other", Source: audit.SourceAPI}
	d, err := tradingbot.ParseDefinition(validator, []byte(`{"name": "renamed", "strategy": "sma_cross", "symbols": ["AAPL"], "timeframe": "1m"}`))
	require.NoError(t, err)
	err = e.tx(func(tx pgx.Tx) error { _, err := e.svc.Update(e.ctx, tx, e.actor(), b.ID, d); return err })
	te, ok := tradingbot.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "name", te.Field)
	d.Name = ""
	require.NoError(t, e.tx(func(tx pgx.Tx) error {
		got, err := e.svc.Update(e.ctx, tx, e.actor(), b.ID, d)
		require.Equal(t, []string{"AAPL"}, got.Symbols)
		return err
	}))
	err = e.tx(func(tx pgx.Tx) error { _, err := e.svc.Update(e.ctx, tx, intruder, b.ID, d); return err })
	te, ok = tradingbot.AsError(err)
	require.True(t, ok)
	require.Equal(t, tradingbot.KindNotFound, te.Kind)
	err = e.tx(func(tx pgx.Tx) error { _, err := e.svc.Delete(e.ctx, tx, intruder, b.ID); return err })
	te, ok = tradingbot.AsError(err)
	require.True(t, ok)
	require.Equal(t, tradingbot.KindNotFound, te.Kind)

	found, err := e.svc.FindByName(e.ctx, e.pool, e.actor(), "PLAIN")
	require.NoError(t, err)
	require.Equal(t, b.ID, found.ID)
	_, err = e.svc.FindByName(e.ctx, e.pool, intruder, "plain")
	te, ok = tradingbot.AsError(err)
	require.True(t, ok)
	require.Equal(t, tradingbot.KindNotFound, te.Kind)

	require.NoError(t, e.tx(func(tx pgx.Tx) error { _, err := e.svc.Delete(e.ctx, tx, e.actor(), b.ID); return err }))
	require.Zero(t, count(t, e.pool, `SELECT count(*) FROM trading_bots WHERE id = $1`, b.ID))
	require.Equal(t, 1, count(t, e.pool, `SELECT count(*) FROM audit_log WHERE action = 'tradingbot.delete'
		AND entity_id::bigint = $1 AND actor_user_id = $2`, b.ID, e.user))
}
