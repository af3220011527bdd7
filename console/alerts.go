package console

import (
	"context"
	"encoding/json"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

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
	// the trigger markers ("" when there is none).
	Symbol, Chart string
	// Backtest is the rule's backtest over recent bars (nil: none).
	Backtest *backtestView
}

// backtestView is an alert rule's backtest as the page shows it.
type backtestView struct{}

type explained struct {
	RunID  int64
	Status string
	Trace  *alerts.Trace
}

func (c *Console) alertView(_ context.Context, _ *session, row dbsqlc.JobSchedule, runs []dbsqlc.JobScheduleRun) (*alertView, error) {
	v := &alertView{}
	st, err := alerts.LoadState(row.StateJson)
	v.State = st
	if err != nil {
		v.StateError = err.Error()
	}
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
		if v.Condition == "" {
			v.Condition, v.Rearm = res.Trace.Condition, res.Trace.Rearm
		}
		v.Explained = append(v.Explained, explained{RunID: r.ID, Status: r.Status, Trace: res.Trace})
		if len(v.Explained) == 10 {
			break
		}
	}
	return v, nil
}
