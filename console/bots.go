package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/report"
	"github.com/vigilhq/vigil/tradingbot"
)

// Equity chart size and how many snapshots it draws at most.
const (
	chartWidth, chartHeight = 960, 360
	equityPoints            = 5000
)

// farFuture ends the equity range: every snapshot.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// botActor is the session's user as the trading bot service sees it:
// admins see every user's bots, as on the other pages.
func (s *session) botActor() tradingbot.Actor {
	return tradingbot.Actor{UserID: s.UserID, Name: s.Name, AllUsers: s.IsAdmin, Source: audit.SourceConsole}
}

type botRow struct {
	dbsqlc.TradingBot
	Owner string
}

type botsData struct {
	Bots  []botRow
	Users []dbsqlc.ConsoleUserListRow
	Query map[string]string
	Owner int64
}

func (c *Console) botsPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	lq := &listQuery{v: r.URL.Query()}
	owner := lq.owner(s)
	if field, msg, bad := lq.err(); bad {
		c.badRequest(w, r, s, field, msg)
		return
	}
	a := s.botActor()
	d := botsData{}
	if owner != nil {
		// An admin's owner filter: that user's bots, scoped in the SQL.
		a.UserID, a.AllUsers, d.Owner = *owner, false, *owner
	}
	rows, err := c.bots.List(ctx, c.pool, a)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	names := map[int64]string{}
	if s.IsAdmin {
		if d.Users, err = c.q.ConsoleUserList(ctx, c.pool); err != nil {
			c.fail(w, r, s, err)
			return
		}
		for _, u := range d.Users {
			names[u.ID] = u.Name
		}
	}
	for _, b := range rows {
		d.Bots = append(d.Bots, botRow{TradingBot: b, Owner: names[b.UserID]})
	}
	c.render(w, r, s, http.StatusOK, "bots", "Trading bots", d)
}

// botID reads the {id} of the path; false after a 404 page.
func (c *Console) botID(w http.ResponseWriter, r *http.Request, s *session) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		c.notFound(w, r, s, fmt.Sprintf("trading bot %q not found", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

// botError answers a refusal of the trading bot service.
func (c *Console) botError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	te, ok := tradingbot.AsError(err)
	if !ok {
		c.fail(w, r, s, err)
		return
	}
	switch te.Kind {
	case tradingbot.KindNotFound:
		c.notFound(w, r, s, te.Error())
	case tradingbot.KindConflict:
		c.renderStatus(w, r, s, http.StatusConflict, "Refused (409)", te.Error())
	default:
		c.renderStatus(w, r, s, http.StatusUnprocessableEntity, "Refused (422)", te.Error())
	}
}

type botData struct {
	St     tradingbot.Status
	Trades []tradingbot.RoundTrip
	Orders []dbsqlc.BotOrder
	// HasEquity says the bot has an equity curve to draw.
	HasEquity bool
	Notice    string
}

var botNotices = map[string]string{"started": "Started.", "stopped": "Stopped: positions and open orders are kept."}

// botPage is one bot: state, account, positions, the equity chart, recent
// trades and orders, start/stop.
func (c *Console) botPage(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := c.botID(w, r, s)
	if !ok {
		return
	}
	ctx := r.Context()
	d := botData{Notice: botNotices[r.URL.Query().Get("done")]}
	err := pgx.BeginTxFunc(ctx, c.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if d.St, err = c.bots.Status(ctx, tx, s.botActor(), id); err != nil {
			return err
		}
		if d.Trades, err = c.bots.Trades(ctx, tx, s.botActor(), id); err != nil {
			return err
		}
		if len(d.Trades) > 50 {
			d.Trades = d.Trades[len(d.Trades)-50:]
		}
		if d.Orders, err = c.bots.Orders(ctx, tx, s.botActor(), id, 20); err != nil {
			return err
		}
		last, err := c.bots.Equity(ctx, tx, s.botActor(), id, time.Unix(0, 0).UTC(), farFuture, 1)
		d.HasEquity = len(last) > 0
		return err
	})
	if err != nil {
		c.botError(w, r, s, err)
		return
	}
	c.render(w, r, s, http.StatusOK, "bots_detail", d.St.Bot.Name, d)
}

// chartCache keeps rendered charts until their data changes: the key
// includes what the picture depends on (the bot's last snapshot).
type chartCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

// maxCharts bounds the cache; when full it starts over.
const maxCharts = 256

func (cc *chartCache) get(key string, render func() ([]byte, error)) ([]byte, error) {
	cc.mu.Lock()
	png, ok := cc.m[key]
	cc.mu.Unlock()
	if ok {
		return png, nil
	}
	png, err := render()
	if err != nil {
		return nil, err
	}
	cc.mu.Lock()
	if cc.m == nil || len(cc.m) >= maxCharts {
		cc.m = map[string][]byte{}
	}
	cc.m[key] = png
	cc.mu.Unlock()
	return png, nil
}

// botEquityChart serves the bot's equity curve as a PNG (report's chart,
// cached until a new snapshot arrives).
func (c *Console) botEquityChart(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := c.botID(w, r, s)
	if !ok {
		return
	}
	ctx := r.Context()
	bot, err := c.bots.Get(ctx, c.pool, s.botActor(), id)
	if err != nil {
		c.botError(w, r, s, err)
		return
	}
	rows, err := c.bots.Equity(ctx, c.pool, s.botActor(), id, time.Unix(0, 0).UTC(), farFuture, equityPoints)
	if err != nil {
		c.botError(w, r, s, err)
		return
	}
	if len(rows) == 0 {
		c.notFound(w, r, s, fmt.Sprintf("trading bot %d has no equity yet", id))
		return
	}
	last := rows[len(rows)-1]
	key := fmt.Sprintf("bot-equity/%d/%s/%d/%d/%s", id, bot.Name, len(rows), last.BarTime.UnixNano(), last.Equity)
	png, err := c.charts.get(key, func() ([]byte, error) {
		times, equity := make([]time.Time, len(rows)), make([]float64, len(rows))
		for i, p := range rows {
			times[i], equity[i] = p.BarTime, p.Equity.InexactFloat64()
		}
		return report.EquityCurve(bot.Name+" equity", times, equity, chartWidth, chartHeight)
	})
	if err != nil {
		c.fail(w, r, s, fmt.Errorf("equity chart of bot %d: %w", id, err))
		return
	}
	servePNG(w, png)
}

func servePNG(w http.ResponseWriter, png []byte) {
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	w.Header().Set("Cache-Control", "private, max-age=60")
	_, _ = w.Write(png)
}

func (c *Console) botStartPost(w http.ResponseWriter, r *http.Request, s *session) {
	c.botChange(w, r, s, c.bots.Start, "started")
}

func (c *Console) botStopPost(w http.ResponseWriter, r *http.Request, s *session) {
	c.botChange(w, r, s, c.bots.Stop, "stopped")
}

// botChange runs one state change of the service (the API's start and stop)
// on the path's bot.
func (c *Console) botChange(w http.ResponseWriter, r *http.Request, s *session,
	fn func(context.Context, pgx.Tx, tradingbot.Actor, int64) (dbsqlc.TradingBot, error), done string) {
	id, ok := c.botID(w, r, s)
	if !ok {
		return
	}
	err := c.inTx(r, func(tx pgx.Tx) error {
		_, err := fn(r.Context(), tx, s.botActor(), id)
		return err
	})
	if err != nil {
		c.botError(w, r, s, err)
		return
	}
	c.log.Info("trading bot changed in the console", "bot_id", id, "user_id", s.UserID, "action", done)
	http.Redirect(w, r, fmt.Sprintf("%s/bots/%d?done=%s", Prefix, id, done), http.StatusSeeOther)
}
