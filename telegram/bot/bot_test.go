package bot

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/backtests"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

type testBundle struct {
	ctx   context.Context
	srv   *telegramtest.Server
	db    *dbtest.DB
	q     *dbsqlc.Queries
	runs  RunNower // passed to the bot as Options.Runs
	svc   *schedules.Service
	enq   *jobs.Enqueuer
	gate  notify.SendGate       // the Telegram channel's shared gate
	sleep *telegramtest.Sleeper // the Telegram channel's waits for retry_after
	// backtests runs /backtest on synthetic bars as of botNow.
	backtests *backtests.Runner
}

// jobsRuns starts runs with the jobs client, as cmd/vigil does.
type jobsRuns struct {
	client *jobs.Client
	v      *schemas.Validator
}

func (r jobsRuns) CanRunNow(jobType string) bool { return slices.Contains(r.client.Kinds, jobType) }

func (r jobsRuns) RunNow(ctx context.Context, tx pgx.Tx, req RunRequest) (int64, error) {
	id, err := jobs.RunNow(ctx, tx, r.client.Client, config.Default(), r.v,
		jobs.RunNowRequest{JobType: req.JobType, UserID: req.UserID, Params: req.Params, Target: req.Target})
	if errors.Is(err, jobs.ErrTooManyAdhocRuns) {
		return 0, &TooManyRunsError{Max: jobs.MaxOpenAdhocRuns}
	}
	return id, err
}

var nextTelegramID atomic.Int64

func init() { nextTelegramID.Store(1000) }

func setup(t *testing.T) *testBundle {
	t.Helper()
	srv := telegramtest.New(telegramtest.Options{NoLimits: true})
	t.Cleanup(srv.Close)
	d := dbtest.New(t)
	// Insert-only, with reports and screeners runnable before their workers exist.
	client, err := jobs.NewClient(jobs.Deps{Pool: d.Pool, Config: config.Default(),
		ExtraKinds: []string{config.JobReport, config.JobScreener}})
	require.NoError(t, err)
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerOpts{Pool: d.Pool, Client: client.Client, Config: config.Default(),
		Validator: testValidator(t), Kinds: client.Kinds})
	require.NoError(t, err)
	svc, err := schedules.New(schedules.Options{Config: config.Default(), Validator: testValidator(t), Runs: enq, Fireable: enq.Fireable()})
	require.NoError(t, err)
	now := func() time.Time { return botNow }
	bt := &backtests.Runner{Validator: testValidator(t), Now: now,
		Market: marketdata.NewManager(&marketdata.Synthetic{Now: now}, nil, time.Minute, nil)}
	return &testBundle{ctx: context.Background(), srv: srv, db: d, q: dbsqlc.New(), runs: jobsRuns{client: client, v: testValidator(t)}, sleep: &telegramtest.Sleeper{},
		svc: svc, enq: enq, backtests: bt}
}

// telegram returns a Telegram channel on the stand-in with the bundle's
// gate and sleep, unpaced like the bot before it shared the channel.
func (tb *testBundle) telegram(t *testing.T, token string) *notify.Telegram {
	t.Helper()
	tg, err := notify.NewTelegram(token, tb.srv.Endpoint(), notify.WithTelegramGate(tb.gate),
		notify.WithTelegramSleepFunc(tb.sleep.Sleep), notify.WithTelegramUnpaced()) // the stand-in keeps no limits
	require.NoError(t, err)
	return tg
}

// botNow is the bots' clock.
var botNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// newBot builds a bot on the bundle's database and stand-in; with, when
// given, changes its options.
func (tb *testBundle) newBot(t *testing.T, with ...func(*Options)) *Bot {
	t.Helper()
	opts := Options{
		Pool: tb.db.Pool, Telegram: tb.telegram(t, tb.srv.Token()),
		Config: config.Default(), Validator: testValidator(t), Schedules: tb.svc, Runs: tb.runs, PollTimeout: time.Second,
		NowFunc: func() time.Time { return botNow }, Backtests: tb.backtests,
	}
	for _, f := range with {
		f(&opts)
	}
	b, err := New(opts)
	require.NoError(t, err)
	return b
}

// start runs a new bot until the returned stop is called (or the test ends).
func (tb *testBundle) start(t *testing.T, with ...func(*Options)) (stop func()) {
	t.Helper()
	b := tb.newBot(t, with...)
	ctx, cancel := context.WithCancel(tb.ctx)
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	var stopped atomic.Bool
	stop = func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("bot did not stop")
		}
	}
	t.Cleanup(stop)
	return stop
}

// say sends text as user id (in the private chat of the same id) and
// returns the bot's reply.
func (tb *testBundle) say(t *testing.T, id int64, text string) string {
	t.Helper()
	before := len(tb.srv.Messages(id))
	tb.srv.SendUpdate(id, id, text)
	var msgs []telegramtest.Message
	require.Eventually(t, func() bool {
		msgs = tb.srv.Messages(id)
		return len(msgs) > before
	}, 10*time.Second, 10*time.Millisecond, "no reply to %q", text)
	return msgs[before].Plain
}

// user creates a Telegram user with status.
func (tb *testBundle) user(t *testing.T, status string, admin bool) int64 {
	t.Helper()
	id := nextTelegramID.Add(1)
	_, err := tb.q.UserCreate(tb.ctx, tb.db.Pool, dbsqlc.UserCreateParams{
		Name: "u", IsAdmin: admin, TelegramUserID: &id, TelegramChatID: &id, Status: status,
	})
	require.NoError(t, err)
	return id
}

func (tb *testBundle) dbUser(t *testing.T, tgID int64) dbsqlc.User {
	t.Helper()
	u, err := tb.q.UserGetByTelegramID(tb.ctx, tb.db.Pool, &tgID)
	require.NoError(t, err)
	return u
}

func (tb *testBundle) schedules(t *testing.T, tgID int64) []dbsqlc.JobSchedule {
	t.Helper()
	u := tb.dbUser(t, tgID)
	rows, err := tb.q.ScheduleListScoped(tb.ctx, tb.db.Pool, dbsqlc.ScheduleListScopedParams{UserID: int32(u.ID), MaxRows: 100})
	require.NoError(t, err)
	slices.Reverse(rows)
	return rows
}

func TestRegisterAndVerify(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	const alice, bob = 501, 502

	require.Contains(t, tb.say(t, alice, "/verify ABCD"), "/start first")
	require.Contains(t, tb.say(t, alice, "/alerts"), "not registered")
	require.Contains(t, tb.say(t, alice, "/start"), "registered as user")
	require.Equal(t, StatusPending, tb.dbUser(t, alice).Status)

	// Unverified: only /help (and the registration commands).
	help := tb.say(t, alice, "/help")
	require.Contains(t, help, "/verify CODE")
	require.NotContains(t, help, "/alert TICKER")
	for _, cmd := range []string{"/alerts", "/alert AAPL > 150", "/alert AAPL >> 1", "/status", "/pause 1"} {
		require.Contains(t, tb.say(t, alice, cmd), "not verified", cmd)
	}
	require.Empty(t, tb.schedules(t, alice))

	reply := tb.say(t, alice, "/verify WRONG-CODE")
	require.Contains(t, reply, "not valid")
	require.Contains(t, reply, "/verify CODE")
	require.Equal(t, StatusPending, tb.dbUser(t, alice).Status)

	code, err := CreateInvite(tb.ctx, tb.db.Pool, 0)
	require.NoError(t, err)
	require.Contains(t, tb.say(t, alice, "/verify "+strings.ToLower(code)), "You are verified")
	require.Equal(t, StatusVerified, tb.dbUser(t, alice).Status)
	help = tb.say(t, alice, "/help")
	require.Contains(t, help, "/alert — Create an alert")
	require.Contains(t, help, "/help COMMAND")
	require.Less(t, len(help), 4096, "the list is one Telegram message")
	require.Contains(t, tb.say(t, alice, "/help alert"), "/alert TICKER", "/help COMMAND gives the full form")
	require.Contains(t, tb.say(t, alice, "/help /why"), "/why RUN_ID")
	require.Contains(t, tb.say(t, alice, "/help nope"), "I have no command /nope")
	require.Contains(t, tb.say(t, alice, "/help approve"), "I have no command /approve", "admin commands stay hidden")
	require.Contains(t, tb.say(t, alice, "/verify "+code), "already verified")

	// A used code does not verify anyone else.
	tb.say(t, bob, "/start")
	require.Contains(t, tb.say(t, bob, "/verify "+code), "already used")
	require.Equal(t, StatusPending, tb.dbUser(t, bob).Status)

	// Only admins create invites.
	_, err = CreateInvite(tb.ctx, tb.db.Pool, tb.dbUser(t, alice).ID)
	require.ErrorIs(t, err, ErrNotAdmin)

	// setMyCommands registered every command.
	require.Len(t, tb.srv.Commands(), len(commandOrder))
}

func TestAdminApproveBlock(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	admin := tb.user(t, StatusVerified, true)
	plain := tb.user(t, StatusVerified, false)
	const carol = 601
	tb.say(t, carol, "/start")
	carolID := tb.dbUser(t, carol).ID

	require.Contains(t, tb.say(t, plain, "/approve 1"), "Only admins")
	require.Contains(t, tb.say(t, admin, "/approve 999999"), "not found")
	require.Contains(t, tb.say(t, admin, "/approve x"), "/approve USER_ID")
	require.Contains(t, tb.say(t, admin, "/approve "+itoa(carolID)), "is now verified")
	require.Eventually(t, func() bool { return len(tb.srv.Messages(carol)) == 2 }, 5*time.Second, 10*time.Millisecond)
	require.Contains(t, tb.srv.Messages(carol)[1].Plain, "verified your account")
	require.Contains(t, tb.say(t, carol, "/alerts"), "no alerts")

	require.Contains(t, tb.say(t, admin, "/block "+itoa(carolID)), "is now blocked")
	require.Contains(t, tb.say(t, carol, "/alerts"), "blocked")
	require.Contains(t, tb.say(t, admin, "/block "+itoa(tb.dbUser(t, admin).ID)), "cannot block yourself")

	code, err := CreateInvite(tb.ctx, tb.db.Pool, tb.dbUser(t, admin).ID)
	require.NoError(t, err)
	require.Len(t, code, 14)
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestAlertCommands(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)

	require.Contains(t, tb.say(t, u, "/alert AAPL > 150"), "created: AAPL close > 150 1d")
	require.Contains(t, tb.say(t, u, "/alert BTCUSDT rsi(14) < 30 1h"), "created: BTCUSDT rsi(14) < 30 1h")
	require.Contains(t, tb.say(t, u, "/alert MSFT close crosses_above sma(50) 1d"), "crosses_above sma(50) 1d")

	rows := tb.schedules(t, u)
	require.Len(t, rows, 3)
	want := []struct{ target, cron, params string }{
		{"AAPL", "0 21 * * 1-5", `{"notify":{"channels":["telegram"]},"rule":{"indicator":"close","operator":">","value":150},"ticker":"AAPL","timeframe":"1d"}`},
		{"BTCUSDT", "0 * * * *", `{"notify":{"channels":["telegram"]},"rule":{"indicator":"rsi","operator":"<","period":14,"value":30},"ticker":"BTCUSDT","timeframe":"1h"}`},
		{"MSFT", "0 21 * * 1-5", `{"notify":{"channels":["telegram"]},"rule":{"indicator":"close","operator":"crosses_above","right":{"indicator":"sma","period":50}},"ticker":"MSFT","timeframe":"1d"}`},
	}
	for i, w := range want {
		require.Equal(t, "alert", rows[i].JobType)
		require.Equal(t, w.target, rows[i].Target)
		require.Equal(t, w.cron, rows[i].Cron)
		require.Equal(t, "UTC", rows[i].Timezone)
		require.True(t, rows[i].Enabled)
		require.NotNil(t, rows[i].NextRunAt, "planned when created, as through the API")
		require.JSONEq(t, w.params, string(rows[i].TaskParams))
	}

	for text, problem := range map[string]string{
		"/alert AAPL >> 150":     `Unknown operator ">>"`,
		"/alert AAPL > 15x0":     `"15x0" is not a number`,
		"/alert AAPL > 150 2h":   `Unknown timeframe "2h"`,
		"/alert":                 "needs a ticker",
		"/alert AAPL rsi(0) < 3": "whole number",
	} {
		reply := tb.say(t, u, text)
		require.Contains(t, reply, problem, text)
		require.Contains(t, reply, "/alert AAPL > 150", "shows the right form")
	}
	require.Len(t, tb.schedules(t, u), 3, "nothing stored from a bad command")

	list := tb.say(t, u, "/alerts")
	require.Contains(t, list, "#"+itoa(int64(rows[0].ID))+" AAPL close > 150 1d — active, armed")
	require.Contains(t, list, "BTCUSDT rsi(14) < 30 1h")
}

func TestPauseResumeDelete(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	owner := tb.user(t, StatusVerified, false)
	other := tb.user(t, StatusVerified, false)
	tb.say(t, owner, "/alert AAPL > 150")
	id := itoa(int64(tb.schedules(t, owner)[0].ID))

	for _, cmd := range []string{"/pause ", "/resume ", "/delete ", "/next "} {
		require.Contains(t, tb.say(t, other, cmd+id), "not found", cmd)
	}
	require.Contains(t, tb.say(t, other, "/alerts"), "no alerts")
	require.True(t, tb.schedules(t, owner)[0].Enabled)

	require.Contains(t, tb.say(t, owner, "/pause "+id), "paused")
	require.False(t, tb.schedules(t, owner)[0].Enabled)
	require.Contains(t, tb.say(t, owner, "/alerts"), "paused (paused from Telegram)")
	require.Contains(t, tb.say(t, owner, "/resume "+id), "resumed")
	require.True(t, tb.schedules(t, owner)[0].Enabled)
	require.Contains(t, tb.say(t, owner, "/pause abc"), "/pause ID")
	require.Contains(t, tb.say(t, owner, "/delete "+id), "deleted")
	require.Empty(t, tb.schedules(t, owner))
	require.Contains(t, tb.say(t, owner, "/delete "+id), "not found")
}

// /delete does what DELETE /api/schedules/{id} does: it cancels the
// schedule's open runs and writes an audit row naming the bot.
func TestDeleteCancelsRunsAndAudits(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	owner := tb.user(t, StatusVerified, false)
	tb.say(t, owner, "/alert AAPL > 150")
	s := tb.schedules(t, owner)[0]
	runID, err := tb.enq.Trigger(tb.ctx, s.ID, false)
	require.NoError(t, err)

	require.Contains(t, tb.say(t, owner, "/delete "+itoa(int64(s.ID))), "1 pending or running run(s) cancelled")
	var status string
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, "SELECT status FROM job_schedule_runs WHERE id = $1", runID).Scan(&status))
	require.Equal(t, "CANCELLED", status)
	var actor, ownerID int64
	var details string
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT actor_user_id, owner_user_id, details::text FROM audit_log
		WHERE source = 'bot' AND action = 'schedule.delete' AND entity_id = $1`, itoa(int64(s.ID))).Scan(&actor, &ownerID, &details))
	u := tb.dbUser(t, owner)
	require.Equal(t, u.ID, actor)
	require.Equal(t, u.ID, ownerID)
	require.Contains(t, details, `"cancelled_runs": 1`)
	var creates int
	require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT count(*) FROM audit_log WHERE source = 'bot' AND action = 'schedule.create'
		AND entity_id = $1`, itoa(int64(s.ID))).Scan(&creates))
	require.Equal(t, 1, creates, "/alert is audited too")
}

func TestScheduleCommands(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)

	reply := tb.say(t, u, `/schedule report daily_summary "0 9 * * 1-5" America/New_York`)
	require.Contains(t, reply, "created: report daily_summary")
	require.Contains(t, reply, "Next: Fri 2026-11-27 09:00 EST")
	rows := tb.schedules(t, u)
	require.Len(t, rows, 1)
	require.Equal(t, "report", rows[0].JobType)
	require.Equal(t, "0 9 * * 1-5", rows[0].Cron)
	require.Equal(t, "America/New_York", rows[0].Timezone)
	require.JSONEq(t, `{"report_type":"daily_summary"}`, string(rows[0].TaskParams))
	id := itoa(int64(rows[0].ID))

	require.Contains(t, tb.say(t, u, "/schedules"), "#"+id+` report daily_summary — "0 9 * * 1-5" America/New_York — active`)
	next := tb.say(t, u, "/next "+id)
	require.Contains(t, next, "Fri 2026-11-27 09:00 EST\nMon 2026-11-30 09:00 EST\nTue 2026-12-01 09:00 EST")
	require.Len(t, strings.Split(next, "\n"), 1+nextFires)

	// Without a zone the user's time zone applies.
	tb.say(t, u, "/timezone Europe/Berlin")
	require.Contains(t, tb.say(t, u, `/schedule report performance_report "30 18 * * *"`), "(Europe/Berlin)")

	for text, problem := range map[string]string{
		`/schedule report daily_summary 0 9 * * *`:          "double quotes",
		`/schedule report daily_summary "0 25 * * *"`:       "hour field",
		`/schedule report daily_summary "0 9 * * *" Mars/X`: "unknown time zone",
		`/schedule report daily_summary "* * * * * *"`:      "not valid",
		`/schedule report nightly "0 9 * * *"`:              "Unknown report type",
		`/schedule screener sp50 "0 9 * * *"`:               "not valid",
		`/schedule backup nightly "0 3 * * *"`:              "Unknown job type",
	} {
		reply := tb.say(t, u, text)
		require.Contains(t, reply, problem, text)
		require.Contains(t, reply, `/schedule report daily_summary "0 9 * * 1-5" America/New_York`, text)
	}
	require.Len(t, tb.schedules(t, u), 2, "nothing stored from a bad command")

	// A screener on a universe.
	require.Contains(t, tb.say(t, u, `/schedule screener sp500 "30 16 * * 1-5" America/New_York`), "created: screener sp500")
	rows = tb.schedules(t, u)
	require.Len(t, rows, 3)
	require.Equal(t, "screener", rows[2].JobType)
	require.JSONEq(t, `{"screener_set":"sp500","filter_criteria":{}}`, string(rows[2].TaskParams))
}

func TestRunsTimezoneStatus(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	other := tb.user(t, StatusVerified, false)

	require.Contains(t, tb.say(t, u, "/runs"), "No runs yet")
	tb.say(t, u, "/alert AAPL > 150")
	s := tb.schedules(t, u)[0]
	userID := int64(s.UserID)
	at := time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC)
	// Rows written by hand for past days need those days' partitions.
	_, err := db.EnsureRunPartitions(tb.ctx, tb.db.Pool, at, at.Add(24*time.Hour))
	require.NoError(t, err)
	_, err = tb.db.Pool.Exec(tb.ctx, `INSERT INTO job_schedule_runs (job_type, job_id, user_id, status, scheduled_for, error)
		VALUES ('alert', $1, $2, 'FAILED', $3, 'no data for AAPL'), ('alert', $1, $2, 'COMPLETED', $4, NULL)`,
		s.ID, userID, at, at.Add(24*time.Hour))
	require.NoError(t, err)

	runs := tb.say(t, u, "/runs")
	require.Contains(t, runs, "of #"+itoa(int64(s.ID))+" alert — COMPLETED — 2026-11-28 21:00 UTC")
	require.Contains(t, runs, "FAILED — 2026-11-27 21:00 UTC — no data for AAPL")
	require.Less(t, strings.Index(runs, "COMPLETED"), strings.Index(runs, "FAILED"), "newest first")
	require.Contains(t, tb.say(t, other, "/runs"), "No runs yet")

	reply := tb.say(t, u, "/timezone Mars/Base")
	require.Contains(t, reply, `Unknown time zone "Mars/Base"`)
	require.Contains(t, reply, "/timezone Europe/Berlin")
	require.Equal(t, "UTC", tb.dbUser(t, u).Timezone)
	require.Contains(t, tb.say(t, u, "/timezone"), "/timezone ZONE")
	require.Contains(t, tb.say(t, u, "/timezone Asia/Tokyo"), "now Asia/Tokyo")
	require.Equal(t, "Asia/Tokyo", tb.dbUser(t, u).Timezone)
	require.Contains(t, tb.say(t, u, "/runs"), "2026-11-29 06:00 JST", "runs shown in the user's zone")

	status := tb.say(t, u, "/status")
	require.Contains(t, status, "verified")
	require.Contains(t, status, "Time zone: Asia/Tokyo")
	require.Contains(t, status, "Schedules: 1 active of 1 (at most 100)")
	require.Contains(t, tb.say(t, u, "hello"), "/help")
	require.Contains(t, tb.say(t, u, "/nope"), "Unknown command /nope")
}

func TestRestartNeitherLosesNorReplays(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	u := tb.user(t, StatusVerified, false)

	stop := tb.start(t)
	first := tb.srv.SendUpdate(u, u, "/alert AAPL > 150")
	require.Eventually(t, func() bool { return len(tb.srv.Messages(u)) == 1 }, 10*time.Second, 10*time.Millisecond)
	stop()

	// Sent while no bot runs.
	tb.srv.SendUpdate(u, u, "/alert MSFT > 300")
	tb.srv.SendUpdate(u, u, "/alert TSLA < 100")

	tb.start(t)
	require.Eventually(t, func() bool { return len(tb.srv.Messages(u)) >= 3 }, 10*time.Second, 10*time.Millisecond)
	require.Contains(t, tb.say(t, u, "/alerts"), "TSLA")
	require.Len(t, tb.schedules(t, u), 3)
	require.Len(t, tb.srv.Messages(u), 4, "every command answered exactly once")

	// An update handled before is not handled again, by any bot.
	replayed := tgbotapi.Update{UpdateID: first, Message: &tgbotapi.Message{
		From: &tgbotapi.User{ID: u}, Chat: &tgbotapi.Chat{ID: u}, Text: "/alert AAPL > 150",
	}}
	require.NoError(t, tb.newBot(t).Handle(tb.ctx, replayed))
	require.Len(t, tb.schedules(t, u), 3)
	require.Len(t, tb.srv.Messages(u), 4)
	// The running bot confirms the last update with its next getUpdates,
	// which may come a moment after its reply.
	require.Eventually(t, func() bool { return tb.srv.PendingUpdates() == 0 }, 10*time.Second, 10*time.Millisecond)
}

func TestGroupChatAndRetryAfter(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)

	tb.srv.SendUpdate(-77, u, "/alerts")
	require.Eventually(t, func() bool { return len(tb.srv.Messages(-77)) == 1 }, 10*time.Second, 10*time.Millisecond)
	require.Contains(t, tb.srv.Messages(-77)[0].Plain, "private chat")

	// A 429 on the reply is waited out and the reply still arrives.
	tb.srv.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests, ChatID: u, RetryAfter: 1})
	require.Contains(t, tb.say(t, u, "/alerts"), "no alerts")
}

func TestRunRefusedToken(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	b, err := New(Options{Pool: tb.db.Pool, Telegram: tb.telegram(t, "1:wrong"), Validator: testValidator(t), Schedules: tb.svc})
	require.NoError(t, err)
	err = b.Run(tb.ctx)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "1:wrong")

	_, err = New(Options{Pool: tb.db.Pool, Telegram: tb.telegram(t, "nocolon"), Validator: testValidator(t), Schedules: tb.svc})
	require.Error(t, err)
	_, err = New(Options{Pool: tb.db.Pool, Validator: testValidator(t), Schedules: tb.svc})
	require.Error(t, err)
}

// A reply with a keyboard arrives with its reply_markup, and silently when
// asked; ordinary replies carry neither.
func TestReplyWithKeyboard(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	require.Contains(t, tb.say(t, u, "/help"), "/alert")

	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("Pause", "pause:1"), tgbotapi.NewInlineKeyboardButtonData("Delete", "delete:1")))
	tb.newBot(t).send(tb.ctx, u, "Alert 1 fired.", notify.SendOptions{ReplyMarkup: kb, Silent: true})

	msgs := tb.srv.Messages(u)
	require.Len(t, msgs, 2)
	require.Nil(t, msgs[0].ReplyMarkup, "a command's reply has no keyboard")
	require.False(t, msgs[0].DisableNotification)
	require.Equal(t, "Alert 1 fired.", msgs[1].Plain)
	require.JSONEq(t, `{"inline_keyboard":[[{"text":"Pause","callback_data":"pause:1"},{"text":"Delete","callback_data":"delete:1"}]]}`,
		string(msgs[1].ReplyMarkup))
	require.True(t, msgs[1].DisableNotification)
}

// Replies go through the gate the bot's other senders share across
// processes (the notification workers' PostgreSQL reservations). A 429 on a
// reply is waited out for its retry_after and sent again; both tries are
// reserved in the gate.
func TestRepliesReserveThroughTheGate(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	gate := &telegramtest.Gate{}
	tb.gate = gate
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	require.Contains(t, tb.say(t, u, "/help"), "/alert")
	require.Equal(t, 1, gate.Count(u), "the reply to chat %d was reserved", u)

	tb.srv.Inject(telegramtest.Fault{Kind: telegramtest.TooManyRequests, ChatID: u, RetryAfter: 7})
	require.Contains(t, tb.say(t, u, "/alerts"), "no alerts")
	require.Len(t, tb.srv.Messages(u), 2, "each reply delivered once")
	require.Equal(t, []time.Duration{7 * time.Second}, tb.sleep.Waits(), "the retry waited retry_after")
	require.Equal(t, 3, gate.Count(u), "the refused try and the retry were both reserved")
}

// With Telegram unreachable, the errors the bot logs and returns name the
// request but never the token (the request URL holds it).
func TestTokenNeverLogged(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	gone := telegramtest.New(telegramtest.Options{})
	endpoint, token := gone.Endpoint(), gone.Token()
	gone.Close()
	tg, err := notify.NewTelegram(token, endpoint)
	require.NoError(t, err)
	var logs strings.Builder // Handle and startup log from this goroutine
	b, err := New(Options{Pool: tb.db.Pool, Telegram: tg, Validator: testValidator(t), Config: config.Default(), Schedules: tb.svc,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)

	_, err = b.startup(tb.ctx)
	require.ErrorContains(t, err, "telegram deleteWebhook")
	require.NotContains(t, err.Error(), token)
	_, err = b.getUpdates(tb.ctx, 0)
	require.ErrorContains(t, err, "telegram getUpdates")
	require.NotContains(t, err.Error(), token)

	u := tb.user(t, StatusVerified, false)
	require.NoError(t, b.Handle(tb.ctx, tgbotapi.Update{UpdateID: 1, Message: &tgbotapi.Message{
		From: &tgbotapi.User{ID: u}, Chat: &tgbotapi.Chat{ID: u}, Text: "/help"}}))
	out := logs.String()
	require.Contains(t, out, "telegram reply failed")
	require.Contains(t, out, "telegram sendMessage to chat")
	require.NotContains(t, out, token)
	secret := token[strings.Index(token, ":")+1:]
	require.NotContains(t, out, secret)
}
