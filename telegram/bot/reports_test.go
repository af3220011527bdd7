package bot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/jobs"
)

// adhocRun is an ad-hoc run with its River job.
type adhocRun struct {
	JobType, Status, Trigger string
	UserID                   int64
	Snapshot                 json.RawMessage
	Kind                     string
	Args                     struct {
		Run    jobs.RunRef     `json:"run"`
		Target string          `json:"target"`
		Params json.RawMessage `json:"params"`
	}
}

var startedRE = regexp.MustCompile(`^(Report|Screener) run (\d+) started; the result arrives here when it is done\.$`)

// started asserts a run-now reply and loads the run it names.
func (tb *testBundle) started(t *testing.T, reply string) adhocRun {
	t.Helper()
	m := startedRE.FindStringSubmatch(reply)
	require.NotNil(t, m, reply)
	id, err := strconv.ParseInt(m[2], 10, 64)
	require.NoError(t, err)
	var r adhocRun
	var args []byte
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT r.job_type, r.status, r.trigger, r.user_id, r.job_snapshot, j.kind, j.args
		FROM job_schedule_runs r JOIN river_job j ON j.id = r.river_job_id WHERE r.id = $1`, id).
		Scan(&r.JobType, &r.Status, &r.Trigger, &r.UserID, &r.Snapshot, &r.Kind, &args))
	require.NoError(t, json.Unmarshal(args, &r.Args))
	require.Equal(t, id, r.Args.Run.RunID)
	require.Equal(t, "PENDING", r.Status)
	require.Equal(t, "adhoc", r.Trigger)
	require.Equal(t, r.JobType, r.Kind)
	require.JSONEq(t, string(r.Snapshot), string(r.Args.Params))
	// As if a worker finished it, so that the next commands are not refused
	// by the limit on open runs (TestRunNowLimit).
	_, err = tb.db.Pool.Exec(tb.ctx, "UPDATE job_schedule_runs SET status = 'COMPLETED' WHERE id = $1", id)
	require.NoError(t, err)
	return r
}

// A user with three runs still pending is told to wait; nothing is queued.
func TestRunNowLimit(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	for range jobs.MaxOpenAdhocRuns {
		require.Regexp(t, startedRE, tb.say(t, u, "/report daily AAPL"))
	}
	reply := tb.say(t, u, "/screener sp500 top 5")
	require.Contains(t, reply, "You already have 3 runs waiting or running")
	require.Equal(t, jobs.MaxOpenAdhocRuns, tb.runCount(t, u))
}

func (tb *testBundle) runCount(t *testing.T, tgID int64) int {
	t.Helper()
	var n int
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, "SELECT count(*) FROM job_schedule_runs WHERE user_id = $1", tb.dbUser(t, tgID).ID).Scan(&n))
	return n
}

func TestReportCommand(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	other := tb.user(t, StatusVerified, false)
	userID := tb.dbUser(t, u).ID

	r := tb.started(t, tb.say(t, u, "/report daily aapl MSFT,AAPL charts"))
	require.Equal(t, config.JobReport, r.JobType)
	require.Equal(t, userID, r.UserID)
	require.Equal(t, userID, r.Args.Run.UserID)
	require.JSONEq(t, `{"report_type":"daily_summary","parameters":{"symbols":["AAPL","MSFT"],"include_charts":true}}`, string(r.Args.Params))

	tb.say(t, u, "/portfolio add main AAPL 10 150")
	pid := tb.portfolioID(t, u, "main")
	r = tb.started(t, tb.say(t, u, "/report portfolio Main"))
	require.JSONEq(t, fmt.Sprintf(`{"report_type":"portfolio_analysis","parameters":{"portfolio_id":%d}}`, pid), string(r.Args.Params))
	r = tb.started(t, tb.say(t, u, "/report performance portfolio main SPY 1w"))
	require.JSONEq(t, fmt.Sprintf(`{"report_type":"performance_report","parameters":{"portfolio_id":%d,"symbols":["SPY"],"timeframe":"1w"}}`, pid),
		string(r.Args.Params))

	// Another user's portfolio is not theirs to report on.
	require.Contains(t, tb.say(t, other, "/report portfolio main"), `You have no portfolio "main"`)
	require.Contains(t, tb.say(t, other, "/report performance portfolio main"), `You have no portfolio "main"`)
	tb.say(t, u, "/portfolio add empty AAPL 1 1")
	tb.say(t, u, "/portfolio remove empty AAPL")
	require.Contains(t, tb.say(t, u, "/report portfolio empty"), "has no holdings")

	for text, problem := range map[string]string{
		"/report":                            "Give the report type",
		"/report weekly AAPL":                `Unknown report type "weekly"`,
		"/report daily":                      "needs at least one ticker",
		"/report daily charts":               "needs at least one ticker",
		"/report daily AA$PL":                `"AA$PL" is not a ticker`,
		"/report daily AAPL 1h 1d":           "at most one timeframe",
		"/report portfolio":                  "Give the name of one of your portfolios",
		"/report portfolio main other":       "Give one portfolio name",
		"/report portfolio Main!":            "not a usable name",
		"/report performance":                "needs tickers or a portfolio",
		"/report performance AAPL portfolio": `Give the portfolio's name after "portfolio"`,
	} {
		reply := tb.say(t, u, text)
		require.Contains(t, reply, problem, text)
		require.Contains(t, reply, "/report daily AAPL MSFT charts", "shows the right form: %s", text)
	}
	require.Equal(t, 3, tb.runCount(t, u), "nothing stored from a bad command")
	require.Zero(t, tb.runCount(t, other))
	require.Equal(t, map[string]int{"report.run": 3}, tb.botAudits(t, u, "run"), "each started run is audited once")
	require.Empty(t, tb.botAudits(t, other, "run"))
}

func TestScreenerCommand(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	other := tb.user(t, StatusVerified, false)

	r := tb.started(t, tb.say(t, u, "/screener sp500 top 5"))
	require.Equal(t, config.JobScreener, r.JobType)
	require.Empty(t, r.Args.Target)
	require.JSONEq(t, `{"screener_set":"sp500","filter_criteria":{},"top_n":5}`, string(r.Args.Params))
	r = tb.started(t, tb.say(t, u, "/screener SP500 pe<25 cap>10B vol>=1.5M"))
	require.JSONEq(t, `{"screener_set":"sp500","filter_criteria":{"max_pe_ratio":25,"min_market_cap":10000000000,"min_volume":1500000}}`,
		string(r.Args.Params))
	r = tb.started(t, tb.say(t, u, "/screener aapl,msft,NVDA,aapl top 2"))
	require.Equal(t, "AAPL,MSFT,NVDA", r.Args.Target)
	require.JSONEq(t, `{"screener_set":"custom","filter_criteria":{},"top_n":2}`, string(r.Args.Params))

	// A saved set: the owner's only.
	tb.say(t, u, "/set tech AAPL,MSFT")
	r = tb.started(t, tb.say(t, u, "/screener Tech top 1"))
	require.JSONEq(t, `{"screener_set":"custom:tech","filter_criteria":{},"top_n":1}`, string(r.Args.Params))
	tb.started(t, tb.say(t, u, "/screener custom:tech"))
	reply := tb.say(t, other, "/screener tech")
	require.Contains(t, reply, `You have no screener set "tech"`)
	require.Contains(t, reply, "/screener sp500 top 5")

	for text, problem := range map[string]string{
		"/screener":                   "Give the set to screen",
		"/screener sp500 top":         "Give a number after top",
		"/screener sp500 top 0":       "from 1 to 500",
		"/screener sp500 top x":       "from 1 to 500",
		"/screener sp500 top 2 top 3": "at most once",
		"/screener sp500 pe>25":       "compares the wrong way",
		"/screener sp500 cap<1B":      "compares the wrong way",
		"/screener sp500 pe<0":        "above 0",
		"/screener sp500 size>3":      `Unknown criterion "size"`,
		"/screener sp500 foo":         `I do not understand "foo"`,
		"/screener sp500 pe<1 pe<2":   "repeats a criterion",
		"/screener Tech!":             `"Tech!" is not a set`,
		"/screener a$,b":              `"a$" is not a ticker`,
	} {
		reply := tb.say(t, u, text)
		require.Contains(t, reply, problem, text)
		require.Contains(t, reply, "/screener sp500 top 5", "shows the right form: %s", text)
	}
	require.Equal(t, 5, tb.runCount(t, u), "nothing stored from a bad command")
	require.Zero(t, tb.runCount(t, other))
	require.Equal(t, map[string]int{"screener.run": 5}, tb.botAudits(t, u, "run"), "each started run is audited once")
}

// A bot without a jobs client answers /report and /screener politely and
// stores nothing; unverified users get no further than for other commands.
func TestRunCommandsUnavailable(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.runs = nil
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	pending := tb.user(t, StatusPending, false)

	require.Contains(t, tb.say(t, u, "/report daily AAPL"), "not enabled on this server")
	require.Contains(t, tb.say(t, u, "/screener sp500"), "not enabled on this server")
	require.Zero(t, tb.runCount(t, u))
	for _, text := range []string{"/report daily AAPL", "/screener sp500", "/portfolios", "/portfolio add main AAPL 1 1", "/sets", "/set tech AAPL"} {
		require.Contains(t, tb.say(t, pending, text), "not verified", text)
	}
	require.Zero(t, tb.runCount(t, pending))
}
