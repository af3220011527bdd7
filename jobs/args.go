package jobs

import (
	"cmp"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
)

// ReportArgs generates a report (task_params: the design's report_type and
// parameters); ReportWorker in report.go works it.
type ReportArgs struct {
	Run    RunRef          `json:"run"`
	Target string          `json:"target,omitempty"`
	Params json.RawMessage `json:"params"`
}

// Kind is the River kind: "report".
func (ReportArgs) Kind() string { return config.JobReport }

// InsertOpts puts the job on its own queue.
func (ReportArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: config.JobReport} }

// ScreenerArgs runs a screener (task_params: screener_set, filter_criteria,
// top_n); ScreenerWorker in screener.go works it.
type ScreenerArgs struct {
	Run    RunRef          `json:"run"`
	Target string          `json:"target,omitempty"`
	Params json.RawMessage `json:"params"`
}

// Kind is the River kind: "screener".
func (ScreenerArgs) Kind() string { return config.JobScreener }

// InsertOpts puts the job on its own queue.
func (ScreenerArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: config.JobScreener} }

// DataProcessingArgs fetches and processes market data (task_params:
// data_source, symbols, operations).
type DataProcessingArgs struct {
	Run    RunRef          `json:"run"`
	Target string          `json:"target,omitempty"`
	Params json.RawMessage `json:"params"`
}

// Kind is the River kind: "data_processing".
func (DataProcessingArgs) Kind() string { return config.JobDataProcessing }

// InsertOpts puts the job on its own queue.
func (DataProcessingArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: config.JobDataProcessing}
}

// BackupArgs dumps Vigil's tables.
type BackupArgs struct {
	Run    RunRef          `json:"run"`
	Target string          `json:"target,omitempty"`
	Params json.RawMessage `json:"params"`
}

// Kind is the River kind: "backup".
func (BackupArgs) Kind() string { return config.JobBackup }

// InsertOpts puts the job on its own queue.
func (BackupArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: config.JobBackup} }

// AlertArgs evaluates a group of alerts due at one fire time on one symbol and
// timeframe: one market-data fetch and one transaction for all of them. Each
// alert keeps its own run row and outcome.
type AlertArgs struct {
	Symbol       string      `json:"symbol"`
	Timeframe    string      `json:"timeframe"`
	ScheduledFor string      `json:"scheduled_for,omitempty"`
	Alerts       []AlertItem `json:"alerts"`
}

// AlertItem is one alert of an AlertArgs group.
type AlertItem struct {
	Run    RunRef          `json:"run"`
	Params json.RawMessage `json:"params"`
}

// Kind is the River kind: "alert".
func (AlertArgs) Kind() string { return config.JobAlert }

// InsertOpts puts the job on its own queue.
func (AlertArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: config.JobAlert} }

// singleRunBuilder builds one job per fire for job types whose args carry one run.
func singleRunBuilder(build func(f Fire) river.JobArgs) argsBuilder {
	return func(fires []Fire) ([]argsWithRuns, error) {
		out := make([]argsWithRuns, 0, len(fires))
		for _, f := range fires {
			out = append(out, argsWithRuns{args: build(f), runs: []RunRef{f.Run}, jitter: f.Jitter})
		}
		return out, nil
	}
}

// buildAlertArgs groups alert fires by (symbol, timeframe, fire time): one job
// evaluates the group with one market-data fetch.
func buildAlertArgs(fires []Fire) ([]argsWithRuns, error) {
	type key struct {
		symbol, timeframe string
		at                int64
	}
	groups := map[key]*argsWithRuns{}
	var order []key
	for _, f := range fires {
		var p struct {
			Ticker    string `json:"ticker"`
			Symbol    string `json:"symbol"`
			Timeframe string `json:"timeframe"`
		}
		if err := json.Unmarshal(f.Params, &p); err != nil {
			return nil, fmt.Errorf("alert schedule %d task_params: %w", f.Run.ScheduleID, err)
		}
		symbol := cmp.Or(p.Ticker, p.Symbol, f.Target)
		tf := cmp.Or(p.Timeframe, "1d")
		k := key{symbol, tf, f.Run.ScheduledFor.UnixMicro() + int64(f.Jitter/time.Microsecond)}
		g, ok := groups[k]
		if !ok {
			g = &argsWithRuns{args: AlertArgs{Symbol: symbol, Timeframe: tf,
				ScheduledFor: f.Run.ScheduledFor.UTC().Format(time.RFC3339)}, jitter: f.Jitter}
			groups[k] = g
			order = append(order, k)
		}
		a := g.args.(AlertArgs)
		a.Alerts = append(a.Alerts, AlertItem{Run: f.Run, Params: f.Params})
		g.args = a
		g.runs = append(g.runs, f.Run)
	}
	out := make([]argsWithRuns, 0, len(order))
	for _, k := range order {
		out = append(out, *groups[k])
	}
	return out, nil
}
