package console

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/vigilhq/vigil/alertbacktest"
	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/report"
)

// alertChartBars is how many of the newest bars the alert's chart shows.
const alertChartBars = 200

// alertView is the alert part of an alert schedule's page: its state and
// each run's explanation (the trace the alert worker stores in the run's
// result).
type alertView struct {
	State      alerts.State
	StateError string
	Condition  string
	Rearm      string
	Explained  []explained
	// Symbol and Chart: the alert's symbol and the URL of its chart with
	// the trigger markers ("" without market data or a config that parses).
	Symbol, Timeframe, Chart string
	// Backtest is the URL of the rule's backtest page ("" as Chart).
	Backtest string
}

type explained struct {
	RunID  int64
	Status string
	Trace  *alerts.Trace
}

// traces are the alert traces of runs, newest first as the runs are.
func traces(runs []dbsqlc.JobScheduleRun) []explained {
	var out []explained
	for _, r := range runs {
		if len(r.Result) == 0 {
			continue
		}
		var res struct {
			Trace *alerts.Trace `json:"trace"`
		}
		if err := json.Unmarshal(r.Result, &res); err != nil || res.Trace == nil {
			continue
		}
		out = append(out, explained{RunID: r.ID, Status: r.Status, Trace: res.Trace})
	}
	return out
}

func (c *Console) alertView(_ context.Context, _ *session, row dbsqlc.JobSchedule, runs []dbsqlc.JobScheduleRun) (*alertView, error) {
	v := &alertView{}
	st, err := alerts.LoadState(row.StateJson)
	v.State = st
	if err != nil {
		v.StateError = err.Error()
	}
	for _, e := range traces(runs) {
		if v.Condition == "" {
			v.Condition, v.Rearm = e.Trace.Condition, e.Trace.Rearm
		}
		v.Explained = append(v.Explained, e)
		if len(v.Explained) == 10 {
			break
		}
	}
	if cfg, err := alerts.Parse(row.TaskParams); err == nil && c.market != nil {
		v.Symbol, v.Timeframe = cfg.Ticker, string(cfg.Timeframe)
		v.Chart = fmt.Sprintf("%s/schedules/%d/chart.png", Prefix, row.ID)
		v.Backtest = fmt.Sprintf("%s/schedules/%d/backtest", Prefix, row.ID)
	}
	return v, nil
}

// alertConfig reads the path's schedule as the user may see it and parses
// it as an alert; false after the page that says why.
func (c *Console) alertConfig(w http.ResponseWriter, r *http.Request, s *session) (dbsqlc.JobSchedule, *alerts.Config, bool) {
	_, row, ok := c.schedule(w, r, s)
	if !ok {
		return row, nil, false
	}
	if row.JobType != "alert" {
		c.notFound(w, r, s, fmt.Sprintf("schedule %d is not an alert", row.ID))
		return row, nil, false
	}
	cfg, err := alerts.Parse(row.TaskParams)
	if err != nil {
		c.renderStatus(w, r, s, http.StatusUnprocessableEntity, "Refused (422)", "task_params: "+err.Error())
		return row, nil, false
	}
	if c.market == nil {
		c.renderStatus(w, r, s, http.StatusServiceUnavailable, "No market data", "market data is not configured on this server")
		return row, nil, false
	}
	return row, cfg, true
}

// alertChart serves the chart of the alert's symbol (the newest
// alertChartBars bars) with a marker at each bar the alert fired on, as its
// runs' traces record; cached until a new bar or fire.
func (c *Console) alertChart(w http.ResponseWriter, r *http.Request, s *session) {
	row, cfg, ok := c.alertConfig(w, r, s)
	if !ok {
		return
	}
	ctx := r.Context()
	tf := cfg.Timeframe
	to := tf.Open(c.now().UTC()).Add(tf.Duration())
	series, err := c.market.Range(ctx, cfg.Ticker, tf, to.Add(-alertChartBars*tf.Duration()), to)
	if err != nil {
		c.marketError(w, r, s, cfg, err)
		return
	}
	if len(series) == 0 {
		c.notFound(w, r, s, fmt.Sprintf("no %s %s bars yet", cfg.Ticker, tf))
		return
	}
	sid := int64(row.ID)
	runs, err := c.q.RunListScoped(ctx, c.pool, dbsqlc.RunListScopedParams{UserID: s.UserID, IsAdmin: s.IsAdmin,
		ScheduleID: &sid, MaxRows: 500})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	closes := map[int64]float64{}
	for _, b := range series {
		closes[b.Time.Unix()] = b.Close
	}
	var markers []report.Marker
	for _, e := range traces(runs) {
		if price, ok := closes[e.Trace.BarTime.Unix()]; ok && e.Trace.Fired && !math.IsNaN(price) {
			markers = append(markers, report.Marker{Time: e.Trace.BarTime, Price: price})
		}
	}
	last := series[len(series)-1]
	key := fmt.Sprintf("alert/%d/%d/%d/%g/%d", row.ID, row.Revision, last.Time.Unix(), last.Close, len(markers))
	png, err := c.charts.get(key, func() ([]byte, error) {
		title := fmt.Sprintf("%s %s: %d fires in the last %d bars", cfg.Ticker, tf, len(markers), len(series))
		return report.CandlesWithMarkers(title, series, nil, markers, chartWidth, chartHeight)
	})
	if err != nil {
		c.fail(w, r, s, fmt.Errorf("chart of alert %d: %w", row.ID, err))
		return
	}
	servePNG(w, png)
}

// marketError answers a market-data error of an alert's chart or backtest.
func (c *Console) marketError(w http.ResponseWriter, r *http.Request, s *session, cfg *alerts.Config, err error) {
	switch {
	case errors.Is(err, market.ErrUnknownSymbol):
		c.renderStatus(w, r, s, http.StatusUnprocessableEntity, "Refused (422)", "ticker: unknown symbol "+cfg.Ticker)
	case errors.Is(err, context.Canceled):
		c.fail(w, r, s, err)
	default:
		c.log.Warn("console: market data unavailable", "symbol", cfg.Ticker, "timeframe", string(cfg.Timeframe), "error", err)
		c.renderStatus(w, r, s, http.StatusServiceUnavailable, "Market data unavailable", err.Error())
	}
}

type backtestData struct {
	S    dbsqlc.JobSchedule
	Days string
	Res  *alertbacktest.Result
	// Chart is the backtest's chart as a data: URL.
	Chart template.URL
	// Triggers are the newest first.
	Triggers []alerts.BacktestTrigger
}

// maxBacktestDays bounds the console's backtest range.
const maxBacktestDays = 365

// alertBacktest replays the alert's rule over the last ?days= days (30 by
// default) with alertbacktest.Run, as the API, the CLI and the bot do, and
// shows the triggers, the count per week and the chart. Nothing is
// recorded.
func (c *Console) alertBacktest(w http.ResponseWriter, r *http.Request, s *session) {
	row, cfg, ok := c.alertConfig(w, r, s)
	if !ok {
		return
	}
	days := 30
	if raw := r.URL.Query().Get("days"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxBacktestDays {
			c.badRequest(w, r, s, "days", fmt.Sprintf("a whole number of days from 1 to %d", maxBacktestDays))
			return
		}
		days = n
	}
	now := c.now()
	res, err := alertbacktest.Run(r.Context(), c.market, cfg, now.Add(-time.Duration(days)*24*time.Hour), time.Time{}, now)
	switch {
	case errors.Is(err, alertbacktest.ErrNoData):
		c.renderStatus(w, r, s, http.StatusUnprocessableEntity, "Refused (422)", fmt.Sprintf("days: no %s %s bars in the last %d days", cfg.Ticker, cfg.Timeframe, days))
		return
	case errors.Is(err, marketdata.ErrRangeTooLong), errors.Is(err, alerts.ErrTooManyBars):
		c.renderStatus(w, r, s, http.StatusUnprocessableEntity, "Refused (422)", fmt.Sprintf("days: more than %d %s bars: shorten the range", alerts.MaxBacktestBars, cfg.Timeframe))
		return
	case err != nil:
		c.marketError(w, r, s, cfg, err)
		return
	}
	d := backtestData{S: row, Days: strconv.Itoa(days), Res: res}
	if len(res.Chart) > 0 {
		d.Chart = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(res.Chart))
	}
	for i := len(res.Triggers) - 1; i >= 0 && len(d.Triggers) < 100; i-- {
		d.Triggers = append(d.Triggers, res.Triggers[i])
	}
	c.render(w, r, s, http.StatusOK, "schedules_backtest", "Backtest "+row.Name, d)
}
