package bot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/stretchr/testify/require"
)

// apology is the reply to a command that failed unexpectedly: the bot's 500.
const apology = "Sorry, something went wrong on our side"

// hostileExamples are valid uses of every command; the test puts a hostile
// value in place of each argument in turn, and after the last.
var hostileExamples = map[string][]string{
	"start":      {"/start"},
	"help":       {"/help"},
	"verify":     {"/verify 7K3M-Q9XP-2HRT"},
	"alert":      {"/alert AAPL > 150", "/alert BTCUSDT rsi(14) < 30 1h", "/alert AAPL > 150 test", "/alert AAPL close > sma(200,1d) 1h", "/alert AAPL > 150 1d via telegram"},
	"alerts":     {"/alerts"},
	"alerttest":  {"/alerttest %[1]d"},
	"pause":      {"/pause %[1]d"},
	"resume":     {"/resume %[1]d"},
	"delete":     {"/delete %[1]d"},
	"schedule":   {`/schedule report daily_summary "0 9 * * 1-5" America/New_York`, `/schedule screener sp500 "30 16 * * 1-5"`},
	"schedules":  {"/schedules"},
	"next":       {"/next %[1]d"},
	"runs":       {"/runs"},
	"why":        {"/why %[1]d", "/why #1"},
	"report":     {"/report daily AAPL MSFT charts", "/report portfolio main"},
	"screener":   {"/screener sp500 top 5", "/screener AAPL,MSFT top 2"},
	"portfolios": {"/portfolios"},
	"portfolio":  {"/portfolio main", "/portfolio add main AAPL 10 150.25", "/portfolio remove main AAPL", "/portfolio delete other"},
	"sets":       {"/sets"},
	"set":        {"/set tech AAPL,MSFT", "/set tech", "/set delete old"},
	"backtest":   {"/backtest sma_cross AAPL 2026-01-01 2026-02-01"},
	"bots":       {"/bots"},
	"bot":        {"/bot demo"},
	"profit":     {"/profit demo"},
	"balance":    {"/balance demo"},
	"trades":     {"/trades demo"},
	"forceexit":  {"/forceexit demo AAPL", "/forceexit demo all"},
	"stopentry":  {"/stopentry demo"},
	"startbot":   {"/startbot demo"},
	"stopbot":    {"/stopbot demo"},
	"timezone":   {"/timezone Europe/Berlin"},
	"email":      {"/email", "/email ann@example.com", "/email confirm 492817", "/email remove"},
	"notify":     {"/notify", "/notify report silent telegram", "/notify screener off", "/notify alert default"},
	"quiet":      {"/quiet", "/quiet 22:00-07:00", "/quiet off"},
	"status":     {"/status"},
	"approve":    {"/approve %[2]d"},
	"block":      {"/block %[2]d"},
	"incidents":  {"/incidents"},
}

type botHostile struct {
	name    string
	value   string
	refused bool
}

var botHostileValues = []botHostile{
	{"nul", "a\x00b", true},
	{"invalid-utf8", "a\xff\xfeb\xc3", true},
	{"1mb-emoji", strings.Repeat("😀", 1<<18), false},
	{"rtl", "\u202Egnp.exe\u200F", false},
	{"sql", "'; DROP TABLE job_schedules; --", false},
	{"html", "<script>alert(1)</script>", false},
}

// variants puts v in place of each argument of example, and after it.
func variants(example, v string) []string {
	words := strings.Fields(example)
	out := []string{example + " " + v}
	for i := 1; i < len(words); i++ {
		w := append([]string(nil), words...)
		w[i] = v
		out = append(out, strings.Join(w, " "))
	}
	return out
}

func TestHostileCommands(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	b := tb.newBot(t)
	admin := tb.user(t, StatusVerified, true)
	victim := tb.user(t, StatusPending, false)
	adminID := tb.dbUser(t, admin).ID
	victimID := tb.dbUser(t, victim).ID

	// Every command of the bot's table has examples, and they work.
	var names []string
	for _, c := range BotCommands() {
		names = append(names, c.Command)
	}
	require.ElementsMatch(t, names, keys(hostileExamples), "every command in BotCommands has examples here")

	update := 0
	say := func(t *testing.T, text string) string {
		t.Helper()
		update++
		before := len(tb.srv.Messages(admin))
		require.NotPanics(t, func() {
			require.NoError(t, b.Handle(tb.ctx, tgbotapi.Update{UpdateID: update, Message: &tgbotapi.Message{
				From: &tgbotapi.User{ID: admin}, Chat: &tgbotapi.Chat{ID: admin, Type: "private"}, Text: text}}))
		})
		msgs := tb.srv.Messages(admin)
		require.Greater(t, len(msgs), before, "a reply to %.80q", text)
		return msgs[before].Plain
	}
	// A schedule to pause, resume, delete and preview: recreated before
	// each message, so that the valid examples have something to act on.
	schedule := func(t *testing.T) int64 {
		reply := say(t, `/schedule report daily_summary "0 9 * * 1-5"`)
		var id int64
		_, err := fmt.Sscanf(reply[strings.Index(reply, "#")+1:], "%d", &id)
		require.NoError(t, err, reply)
		return id
	}
	fill := func(t *testing.T, example string) string {
		if !strings.Contains(example, "%") {
			return example
		}
		return fmt.Sprintf(example, schedule(t), victimID)
	}

	for _, name := range names {
		for _, example := range hostileExamples[name] {
			reply := say(t, fill(t, example))
			require.NotContains(t, reply, apology, "%s", example)
			for _, hv := range botHostileValues {
				for i, text := range variants(example, hv.value) {
					t.Run(fmt.Sprintf("%s/%s/%d", name, hv.name, i), func(t *testing.T) {
						text := fill(t, text)
						before := tableCounts(t, tb)
						reply := say(t, text)
						require.NotContains(t, reply, apology, "%.200q", text)
						if hv.refused {
							require.Contains(t, reply, "which I cannot store. Nothing was changed", "%.200q", text)
							require.Contains(t, reply, "/"+name, "names the command")
							require.Equal(t, before, tableCounts(t, tb), "%.200q stored something", text)
						}
					})
				}
			}
		}
	}
	require.Equal(t, adminID, tb.dbUser(t, admin).ID)
	require.Equal(t, StatusVerified, tb.dbUser(t, admin).Status, "the admin is still verified")

	// Text that is not a command is refused the same way.
	reply := say(t, "hello\x00")
	require.True(t, strings.HasPrefix(reply, "Your message must not contain NUL (U+0000), found at byte 5"), reply)
}

// A Telegram name with NUL or bytes that are not UTF-8 registers, cleaned.
func TestHostileDisplayName(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	b := tb.newBot(t)
	require.NoError(t, b.Handle(tb.ctx, tgbotapi.Update{UpdateID: 1, Message: &tgbotapi.Message{
		From: &tgbotapi.User{ID: 7001, UserName: "ev\x00il\xff"}, Chat: &tgbotapi.Chat{ID: 7001}, Text: "/start"}}))
	require.Equal(t, "evil\uFFFD", tb.dbUser(t, 7001).Name)
	require.Contains(t, tb.srv.Messages(7001)[0].Plain, "registered as user")
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// tableCounts counts the rows of every table but River's bookkeeping.
func tableCounts(t *testing.T, tb *testBundle) map[string]int {
	t.Helper()
	rows, err := tb.db.Pool.Query(tb.ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
		AND tablename NOT IN ('river_leader', 'river_client', 'river_client_queue', 'river_migration') ORDER BY 1`)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	counts := make(map[string]int, len(tables))
	for _, name := range tables {
		var n int
		require.NoError(t, tb.db.Pool.QueryRow(tb.ctx, `SELECT count(*) FROM "`+name+`"`).Scan(&n))
		counts[name] = n
	}
	return counts
}

// TestWebhookHostile: bodies Telegram never sends are refused with a
// problem document naming what was wrong, and nothing is recorded.
func TestWebhookHostile(t *testing.T) {
	t.Parallel()
	wb := setupWebhook(t, nil)
	for _, tc := range []struct {
		name, body string
		status     int
		detail     string
	}{
		{"oversized", `{"update_id": 1, "message": {"text": "` + strings.Repeat("a", MaxWebhookBody) + `"}}`, http.StatusRequestEntityTooLarge, "body: larger than 1048576 bytes"},
		{"oversized-after-object", `{"update_id": 1}` + strings.Repeat(" ", MaxWebhookBody), http.StatusRequestEntityTooLarge, "body: larger than"},
		{"bad-json", `{"update_id": 1, "message": `, http.StatusBadRequest, "body: is not a Telegram Update object"},
		{"not-json", "update_id=1", http.StatusBadRequest, "body: is not a Telegram Update object"},
		{"array", `[{"update_id": 1}]`, http.StatusBadRequest, "body: is not a Telegram Update object"},
		{"wrong-type", `{"update_id": "1"}`, http.StatusBadRequest, "body: is not a Telegram Update object"},
		{"empty", "", http.StatusBadRequest, "body: is empty"},
		{"null", "null", http.StatusBadRequest, "update_id: is missing"},
		{"no-update-id", `{"message": {"text": "/start"}}`, http.StatusBadRequest, "update_id: is missing"},
		{"negative-update-id", `{"update_id": -5}`, http.StatusBadRequest, "update_id: is missing or not a positive integer"},
		{"two-objects", `{"update_id": 1}{"update_id": 2}`, http.StatusBadRequest, "body: has more after the Update object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := wb.post(t, testWebhookSecret, tc.body)
			require.Equal(t, tc.status, resp.StatusCode)
			require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
			var p struct {
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
			require.Equal(t, tc.status, p.Status)
			require.Contains(t, p.Detail, tc.detail)
		})
	}
	resp, err := http.Get(wb.url)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	maxID, err := wb.q.TelegramUpdateMaxID(wb.ctx, wb.db.Pool, wb.bot.botID)
	require.NoError(t, err)
	require.Zero(t, maxID, "no hostile body was recorded as an update")
}
