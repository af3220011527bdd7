package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/telegram/bot"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// The same schedule rules hold whether a request comes through the API, the
// Telegram bot or the CLI: one table of rules, each run through all three,
// with the same outcome.

// ruleUser is the owner a rule case creates: its rights and how many
// schedules it already has.
type ruleUser struct {
	admin        bool
	maxSchedules *int
	minInterval  *int
	existing     int
}

// ruleCase is one rule. The request is a report schedule with cron (the bot
// can only express what /schedule can: a report, so admin-only types are
// checked through the API and the CLI).
type ruleCase struct {
	name    string
	user    ruleUser
	jobType string // report (default) or backup
	cron    string
	// otherUsers: act on another user's schedule (delete it) instead of creating.
	otherUsers bool
	want       string // created, refused or not_found
}

func intp(v int) *int { return &v }

var ruleCases = []ruleCase{
	{name: "normal user below the quota", user: ruleUser{existing: 3}, cron: "0 9 * * *", want: "created"},
	{name: "normal user at the default quota", user: ruleUser{existing: 100}, cron: "0 9 * * *", want: "refused"},
	{name: "admin with a personal limit at it", user: ruleUser{admin: true, maxSchedules: intp(2), existing: 2}, cron: "0 9 * * *", want: "refused"},
	{name: "admin without a personal limit", user: ruleUser{admin: true, existing: 101}, cron: "0 9 * * *", want: "created"},
	{name: "admin-only job type", user: ruleUser{}, jobType: "backup", cron: "0 3 * * *", want: "refused"},
	{name: "per-second cron, non-admin", user: ruleUser{}, cron: "* * * * * *", want: "refused"},
	{name: "per-second cron, admin", user: ruleUser{admin: true}, cron: "*/30 * * * * *", want: "created"},
	{name: "below the personal minimum interval", user: ruleUser{minInterval: intp(3600)}, cron: "*/5 * * * *", want: "refused"},
	{name: "another user's schedule", user: ruleUser{}, otherUsers: true, want: "not_found"},
}

// rulesEnv is one database with the API, the bot and the CLI on it.
type rulesEnv struct {
	ctx    context.Context
	db     *dbtest.DB
	api    string
	tg     *telegramtest.Server
	nextTG atomic.Int64
}

func newRulesEnv(t *testing.T) *rulesEnv {
	t.Helper()
	ctx := context.Background()
	d := dbtest.New(t)
	cfg := config.Default()
	v, err := schemas.New()
	require.NoError(t, err)
	client, err := jobs.NewClient(jobs.Deps{Pool: d.Pool, Config: cfg})
	require.NoError(t, err)
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerOpts{Pool: d.Pool, Client: client.Client, Config: cfg, Validator: v, Kinds: client.Kinds})
	require.NoError(t, err)
	srv, err := api.New(api.Options{Pool: d.Pool, Client: client, Enqueuer: enq, Config: cfg, Validator: v})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)

	tg := telegramtest.New(telegramtest.Options{NoLimits: true})
	t.Cleanup(tg.Close)
	svc, err := newScheduleService(cfg, v, enq, nil, true)
	require.NoError(t, err)
	tgClient, err := notify.NewTelegram(tg.Token(), tg.Endpoint(), notify.WithTelegramUnpaced()) // the stand-in keeps no limits
	require.NoError(t, err)
	b, err := bot.New(bot.Options{Pool: d.Pool, Telegram: tgClient, Config: cfg, Validator: v, Schedules: svc, PollTimeout: time.Second})
	require.NoError(t, err)
	botCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = b.Run(botCtx) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("the bot did not stop")
		}
	})

	e := &rulesEnv{ctx: ctx, db: d, api: hs.URL, tg: tg}
	e.nextTG.Store(7_000_000)
	return e
}

// user creates the case's owner (a verified Telegram user) with its
// existing schedules, and returns its id and Telegram id.
func (e *rulesEnv) user(t *testing.T, u ruleUser) (id, tgID int64) {
	t.Helper()
	tgID = e.nextTG.Add(1)
	require.NoError(t, e.db.Pool.QueryRow(e.ctx, `INSERT INTO users (name, status, telegram_user_id, telegram_chat_id, is_admin, max_schedules, min_interval_seconds)
		VALUES ('rules', 'verified', $1, $1, $2, $3, $4) RETURNING id`, tgID, u.admin, u.maxSchedules, u.minInterval).Scan(&id))
	if u.existing > 0 {
		_, err := e.db.Pool.Exec(e.ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron, enabled)
			SELECT $1, 'existing ' || g, 'report', '', '{"report_type":"daily_summary"}', '0 9 * * *', false FROM generate_series(1, $2) g`, id, u.existing)
		require.NoError(t, err)
	}
	return id, tgID
}

func (e *rulesEnv) count(t *testing.T, userID int64) int {
	t.Helper()
	var n int
	require.NoError(t, e.db.Pool.QueryRow(e.ctx, "SELECT count(*) FROM job_schedules WHERE user_id = $1", userID).Scan(&n))
	return n
}

// victim is a schedule of a third user.
func (e *rulesEnv) victim(t *testing.T) int64 {
	t.Helper()
	other, _ := e.user(t, ruleUser{existing: 1})
	var id int64
	require.NoError(t, e.db.Pool.QueryRow(e.ctx, "SELECT id FROM job_schedules WHERE user_id = $1", other).Scan(&id))
	return id
}

func (c ruleCase) params() string {
	if c.jobType == "backup" {
		return `{}`
	}
	return `{"report_type":"daily_summary"}`
}

func (c ruleCase) kind() string {
	if c.jobType == "" {
		return "report"
	}
	return c.jobType
}

func (e *rulesEnv) viaAPI(t *testing.T, c ruleCase, userID int64) string {
	t.Helper()
	token, _, err := api.CreateToken(e.ctx, e.db.Pool, nil, userID, "rules")
	require.NoError(t, err)
	method, path, body := http.MethodPost, "/api/schedules", fmt.Sprintf(`{"name":"r","job_type":%q,"task_params":%s,"cron":%q}`, c.kind(), c.params(), c.cron)
	if c.otherUsers {
		method, path, body = http.MethodDelete, fmt.Sprintf("/api/schedules/%d", e.victim(t)), ""
	}
	req, err := http.NewRequest(method, e.api+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var problem struct {
		Detail string `json:"detail"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&problem)
	switch {
	case resp.StatusCode == http.StatusCreated:
		return "created"
	case resp.StatusCode == http.StatusNotFound:
		return "not_found"
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnprocessableEntity:
		require.NotEmpty(t, problem.Detail, "a refusal says why")
		return "refused"
	}
	t.Fatalf("API answered %d: %s", resp.StatusCode, problem.Detail)
	return ""
}

func (e *rulesEnv) viaBot(t *testing.T, c ruleCase, tgID int64) string {
	t.Helper()
	text := fmt.Sprintf(`/schedule report daily_summary %q`, c.cron)
	if c.otherUsers {
		text = "/delete " + strconv.FormatInt(e.victim(t), 10)
	}
	before := len(e.tg.Messages(tgID))
	e.tg.SendUpdate(tgID, tgID, text)
	var reply string
	require.Eventually(t, func() bool {
		msgs := e.tg.Messages(tgID)
		if len(msgs) > before {
			reply = msgs[len(msgs)-1].Plain
			return true
		}
		return false
	}, 20*time.Second, 20*time.Millisecond, "the bot answers %s", text)
	switch {
	case strings.Contains(reply, "created"):
		return "created"
	case strings.Contains(reply, "not found"):
		return "not_found"
	case strings.Contains(reply, "not valid"), strings.Contains(reply, "not allowed"), strings.Contains(reply, "as many schedules as you may"):
		return "refused"
	}
	t.Fatalf("unexpected bot reply: %s", reply)
	return ""
}

func (e *rulesEnv) viaCLI(t *testing.T, c ruleCase, userID int64) string {
	t.Helper()
	args := []string{"schedules", "create", "--database-url", e.db.URL, "--user", strconv.FormatInt(userID, 10),
		"--name", "r", "--type", c.kind(), "--cron", c.cron, "--params", c.params()}
	if c.otherUsers {
		args = []string{"schedules", "delete", strconv.FormatInt(e.victim(t), 10), "--database-url", e.db.URL, "--user", strconv.FormatInt(userID, 10)}
	}
	var out, errOut bytes.Buffer
	code := run(e.ctx, args, &out, &errOut)
	switch {
	case code == 0 && strings.Contains(out.String(), "created"):
		return "created"
	case code != 0 && strings.Contains(errOut.String(), "not found"):
		return "not_found"
	case code != 0:
		require.NotEmpty(t, errOut.String(), "a refusal says why")
		return "refused"
	}
	t.Fatalf("unexpected CLI outcome %d: %s %s", code, out.String(), errOut.String())
	return ""
}

func TestScheduleRulesSameEverywhere(t *testing.T) {
	t.Parallel()
	e := newRulesEnv(t)
	for _, c := range ruleCases {
		for _, surface := range []string{"api", "bot", "cli"} {
			if surface == "bot" && c.jobType == "backup" {
				continue // the bot has no command that creates backups
			}
			t.Run(surface+"/"+c.name, func(t *testing.T) {
				id, tgID := e.user(t, c.user)
				before := e.count(t, id)
				var got string
				switch surface {
				case "api":
					got = e.viaAPI(t, c, id)
				case "bot":
					got = e.viaBot(t, c, tgID)
				case "cli":
					got = e.viaCLI(t, c, id)
				}
				require.Equal(t, c.want, got)
				stored := e.count(t, id) - before
				if got == "created" {
					require.Equal(t, 1, stored, "one schedule stored")
				} else {
					require.Zero(t, stored, "a refused request stores nothing")
				}
			})
		}
	}
}
