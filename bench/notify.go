package bench

import (
	"context"
	"fmt"
	"github.com/jackc/pgx/v5/pgxpool"
	"os"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/telegram/telegramtest"
)

// N1: notification fan-out to Telegram.
const N1 = "N1"

// Environment variables that give worker nodes a telegram notification
// channel (N1): the Bot API endpoint format (".../bot%s/%s") and the token.
// Spawned nodes inherit them from the bench process.
const (
	EnvTelegramEndpoint = "VIGIL_BENCH_TELEGRAM_ENDPOINT"
	EnvTelegramToken    = "VIGIL_BENCH_TELEGRAM_TOKEN"
)

// n1Workers is the number of worker processes of N1.
const n1Workers = 2

// n1Text is the text of N1's notification i; the stand-in's deliveries are
// matched to notifications by it.
const n1Text = "N1 notification %d"

// nodeChannels returns the notification channels of a bench node: a
// telegram channel when EnvTelegramEndpoint is set, else none (nil). Its
// sends are reserved through PostgreSQL, so the nodes share the bot's limits.
func nodeChannels(pool *pgxpool.Pool) (map[string]notify.Channel, error) {
	endpoint := os.Getenv(EnvTelegramEndpoint)
	if endpoint == "" {
		return nil, nil
	}
	token := os.Getenv(EnvTelegramToken)
	tg, err := notify.NewTelegram(token, endpoint, notify.WithTelegramGate(store.NewTelegramGate(pool, token)))
	if err != nil {
		return nil, fmt.Errorf("bench node: telegram channel: %w", err)
	}
	return map[string]notify.Channel{notify.ChannelTelegram: tg}, nil
}

// NotifyResult is N1's result line: Result plus the delivery figures.
type NotifyResult struct {
	Result
	// Chats is the number of chats the notifications go to (N/10).
	Chats int `json:"chats"`
	// DeliveredPerS is the notifications sent per second over DrainS, the
	// time from the workers being ready to the last one sent.
	DeliveredPerS float64 `json:"delivered_per_s"`
	DrainS        float64 `json:"drain_s"`
	// RateLimited counts delivery attempts beyond one per notification
	// (each a 429 with retry_after, snoozed by the worker).
	RateLimited int64 `json:"rate_limited"`
	// LimitViolations are messages the stand-in refused because they broke
	// Telegram's flood limits (its Violations).
	LimitViolations int `json:"limit_violations"`
	// Deliveries are the messages the stand-in accepted.
	Deliveries int `json:"deliveries"`
	// Sent are notifications rows with status sent.
	Sent int64 `json:"sent"`
}

// notifyFanout runs N1: N notifications to N/10 chats through the local Bot
// API stand-in, which enforces Telegram's limits (30 msg/s overall, 1 msg/s
// per chat) and answers 429 with retry_after when they are broken; two
// worker processes deliver them, each with its own limiter. It writes the
// result line itself.
func (h *harness) notifyFanout(ctx context.Context) error {
	res, err := h.n1(ctx)
	if err != nil {
		return fmt.Errorf("bench %s: %w", N1, err)
	}
	h.log.Info("bench done", "scenario", N1, "saturated", res.Saturated)
	return writeLine(h.o.Out, res)
}

func (h *harness) n1(ctx context.Context) (NotifyResult, error) {
	o := h.o
	chats := max(o.N/10, 1)
	res := NotifyResult{Result: Result{Scenario: N1, N: o.N, WorkerNodes: n1Workers}, Chats: chats}

	standIn := telegramtest.New(telegramtest.Options{})
	defer standIn.Close()
	restore := setEnv(map[string]string{EnvTelegramEndpoint: standIn.Endpoint(), EnvTelegramToken: standIn.Token()})
	defer restore()

	if _, err := h.db.pool.Exec(ctx, `INSERT INTO users (name, telegram_chat_id)
		SELECT 'n1-' || g, g FROM generate_series(1, $1::int) AS g`, chats); err != nil {
		return res, fmt.Errorf("create %d users: %w", chats, err)
	}
	ids := map[int64]int64{} // chat → user
	rows, err := h.db.pool.Query(ctx, `SELECT id, telegram_chat_id FROM users WHERE name LIKE 'n1-%'`)
	if err != nil {
		return res, fmt.Errorf("list users: %w", err)
	}
	for rows.Next() {
		var id, chat int64
		if err := rows.Scan(&id, &chat); err != nil {
			rows.Close()
			return res, fmt.Errorf("list users: %w", err)
		}
		ids[chat] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("list users: %w", err)
	}

	cfg := nodeConfig()
	ins, err := jobs.NewClient(jobs.Deps{Pool: h.db.pool, Config: cfg, Logger: h.log})
	if err != nil {
		return res, err
	}
	opts := jobs.InsertOpts(cfg, config.JobNotification)
	params := make([]river.InsertManyParams, o.N)
	for i := range params {
		a := jobs.NewNotifyArgs(ids[int64(i%chats)+1], fmt.Sprintf(n1Text, i), "", "")
		a.Channels = []string{notify.ChannelTelegram}
		params[i] = river.InsertManyParams{Args: a, InsertOpts: opts}
	}
	if _, err := ins.Client.InsertMany(ctx, params); err != nil {
		return res, fmt.Errorf("insert %d notifications: %w", o.N, err)
	}
	if err := analyze(ctx, h.db.pool); err != nil {
		return res, err
	}

	roles := make([]string, n1Workers)
	for i := range roles {
		roles[i] = RoleWorker
	}
	ready, err := h.startNodes(ctx, roles...)
	if err != nil {
		return res, err
	}
	res.WindowStart = ready
	mon := h.watch(ctx, "drain")
	deadline := ready.Add(o.Duration)
	for {
		if err := h.db.pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE status = 'sent'`).Scan(&res.Sent); err != nil {
			return res, fmt.Errorf("count sent: %w", err)
		}
		if res.Sent >= int64(o.N) {
			break
		}
		if time.Now().After(deadline) {
			res.Saturated = true
			res.SaturatedBecause = append(res.SaturatedBecause, fmt.Sprintf("%d of %d sent within %s", res.Sent, o.N, o.Duration))
			break
		}
		if err := sleepUntil(ctx, time.Now().Add(200*time.Millisecond)); err != nil {
			return res, err
		}
	}
	mon.stop()
	res.WindowEnd = time.Now()
	res.RSSMiB = mon.rssMiB(RoleWorker)
	res.WorkerRSSMiB = res.RSSMiB

	var lastSent *time.Time
	var extra int64
	if err := h.db.pool.QueryRow(ctx, `SELECT max(sent_at), COALESCE(sum(attempts - 1), 0)::bigint FROM notifications`).
		Scan(&lastSent, &extra); err != nil {
		return res, fmt.Errorf("measure notifications: %w", err)
	}
	drain := res.WindowEnd.Sub(ready)
	if lastSent != nil && !res.Saturated {
		drain = lastSent.Sub(ready)
	}
	distinct := map[string]bool{}
	msgs := standIn.AllMessages()
	for _, m := range msgs {
		if strings.HasPrefix(m.Plain, "N1 notification ") {
			distinct[m.Plain] = true
			res.Deliveries++
		}
	}
	res.RateLimited = extra
	res.LimitViolations = standIn.Violations()
	res.DrainS = round(drain.Seconds(), 3)
	res.DurationS = res.DrainS
	res.DeliveredPerS = round(float64(res.Sent)/max(drain.Seconds(), 1e-3), 1)
	res.FiresPerS = res.DeliveredPerS
	res.Expected, res.Recorded = int64(o.N), res.Sent
	res.Missed = max(int64(o.N)-res.Sent, 0)
	res.Lost = int64(o.N - len(distinct))
	res.Duplicates = int64(res.Deliveries - len(distinct))
	res.Notifications = int64(o.N)
	if res.LimitViolations > 0 {
		res.Saturated = true
		res.SaturatedBecause = append(res.SaturatedBecause, "limits are per bot: some sender did not reserve its sends in the shared gate")
	}
	if res.Lost > 0 || res.Duplicates > 0 {
		res.Saturated = true
		res.SaturatedBecause = append(res.SaturatedBecause, fmt.Sprintf("%d lost, %d duplicated", res.Lost, res.Duplicates))
	}
	return res, ctx.Err()
}

// setEnv sets environment variables (nodes started from now on inherit
// them) and returns a function that restores the previous values.
func setEnv(vars map[string]string) func() {
	old := map[string]*string{}
	for k, v := range vars {
		if prev, ok := os.LookupEnv(k); ok {
			old[k] = &prev
		} else {
			old[k] = nil
		}
		_ = os.Setenv(k, v)
	}
	return func() {
		for k, v := range old {
			if v == nil {
				_ = os.Unsetenv(k)
			} else {
				_ = os.Setenv(k, *v)
			}
		}
	}
}
