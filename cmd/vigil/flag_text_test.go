package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

func TestFlagText(t *testing.T) {
	t.Parallel()
	parseArgs := func(args ...string) error {
		fs := newFlags(&env{stdout: io.Discard, stderr: io.Discard}, "x", "", "")
		var c common
		c.register(fs)
		fs.String("name", "", "")
		fs.String("params", "{}", "")
		fs.Int("n", 0, "")
		return parse(fs, args)
	}
	require.NoError(t, parseArgs("--name", "<script>alert(1)</script> 📈 \u202E", "--params", `{"message":"caf\u00e9"}`, "--n", "3"))
	require.NoError(t, parseArgs("--config", "/tmp/caf\xe9.json"), "a path need not be UTF-8")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--name", "a\x00b"}, "--name: must not contain NUL (U+0000), found at byte 1"},
		{[]string{"--name=ok\xff"}, "--name: must be valid UTF-8, found byte 0xFF at byte 2"},
		{[]string{"--params", `{"task":{"message":"x\u0000"}}`}, "--params: the JSON string at .task.message must not contain NUL (U+0000), found at byte 1"},
		{[]string{"--params", "{\"m\":\"\xc3\"}"}, "--params: the JSON string at .m must be valid UTF-8"},
		{[]string{"--params", `"\u0000"`}, "--params: the JSON string at (the document) must not contain NUL"},
		{[]string{"--database-url", "postgres://x/\x00"}, "--database-url: must not contain NUL"},
		{[]string{"--config", "/tmp/a\x00"}, "--config: must not contain NUL"},
	} {
		err := parseArgs(c.args...)
		require.Error(t, err, "%q", c.args)
		require.Contains(t, err.Error(), c.want)
	}
}

// hostileCLIValues are what TestHostileCLI puts in text flags.
var hostileCLIValues = []struct {
	name    string
	value   string
	refused bool
}{
	{"nul", "a\x00b", true},
	{"invalid-utf8", "a\xff\xfeb\xc3", true},
	{"1mb-emoji", strings.Repeat("😀", 1<<18), false},
	{"rtl", "\u202Egnp.exe\u200F", false},
	{"sql", "'; DROP TABLE job_schedules; --", false},
	{"html", "<script>alert(1)</script>", false},
}

func TestHostileCLI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	vigilRun := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		if args[0] != "schedules" || args[1] != "preview" { // preview needs no database
			args = append(args, "--database-url", d.URL)
		}
		code := run(ctx, args, &out, &errOut)
		return out.String(), errOut.String(), code
	}
	counts := func() map[string]int {
		m := map[string]int{}
		for _, table := range []string{"users", "api_tokens", "job_schedules", "job_schedule_runs", "audit_log", "river_job"} {
			var n int
			require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n))
			m[table] = n
		}
		return m
	}
	var uid int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, status) VALUES ('owner', 'verified') RETURNING id").Scan(&uid))
	user := strconv.FormatInt(uid, 10)
	params := fmt.Sprintf(`{"user_id":%d,"message":"hi"}`, uid)
	newSchedule := func() string {
		out, errOut, code := vigilRun("schedules", "create", "--user", user, "--name", "base", "--type", "notification",
			"--cron", "0 9 * * *", "--params", params)
		require.Equal(t, 0, code, errOut)
		var id int64
		_, err := fmt.Sscanf(out, "schedule %d created", &id)
		require.NoError(t, err, out)
		return strconv.FormatInt(id, 10)
	}

	// Each command with a text flag, and where the flag's value is stored
	// (a query returning it for the last row written).
	type textFlag struct {
		flag   string
		args   func(v string) []string
		stored string
	}
	flags := []textFlag{
		{"--name", func(v string) []string {
			return []string{"schedules", "create", "--user", user, "--name", v, "--type", "notification", "--cron", "0 9 * * *", "--params", params}
		}, "SELECT name FROM job_schedules ORDER BY id DESC LIMIT 1"},
		{"--target", func(v string) []string {
			return []string{"schedules", "create", "--user", user, "--name", "t", "--target", v, "--type", "notification", "--cron", "0 9 * * *", "--params", params}
		}, "SELECT target FROM job_schedules ORDER BY id DESC LIMIT 1"},
		{"--params", func(v string) []string {
			return []string{"schedules", "create", "--user", user, "--name", "p", "--type", "notification", "--cron", "0 9 * * *",
				"--params", fmt.Sprintf(`{"user_id":%d,"message":%s}`, uid, rawJSONQuote(v))}
		}, "SELECT task_params->>'message' FROM job_schedules ORDER BY id DESC LIMIT 1"},
		{"--note", func(v string) []string { return []string{"schedules", "pause", newSchedule(), "--note", v} },
			"SELECT paused_note FROM job_schedules WHERE paused_note IS NOT NULL ORDER BY id DESC LIMIT 1"},
		{"--name", func(v string) []string { return []string{"users", "create", "--name", v} },
			"SELECT name FROM users ORDER BY id DESC LIMIT 1"},
		{"--email", func(v string) []string { return []string{"users", "create", "--name", "e", "--email", v} }, ""},
		{"--email", func(v string) []string { return []string{"users", "update", user, "--email", v} }, ""},
		{"--name", func(v string) []string { return []string{"tokens", "create", "--user", user, "--name", v} },
			"SELECT name FROM api_tokens ORDER BY id DESC LIMIT 1"},
		{"--action", func(v string) []string { return []string{"audit", "--action", v} }, ""},
		{"--tz", func(v string) []string { return []string{"schedules", "preview", "--cron", "0 9 * * *", "--tz", v} }, ""},
	}
	for _, f := range flags {
		for _, hv := range hostileCLIValues {
			args := f.args(hv.value)
			t.Run(args[0]+"-"+args[1]+f.flag+"/"+hv.name, func(t *testing.T) {
				before := counts()
				var out, errOut string
				var code int
				require.NotPanics(t, func() { out, errOut, code = vigilRun(args...) })
				if hv.refused {
					require.Equal(t, 1, code, "%.200q: %s", args, out)
					require.Contains(t, errOut, f.flag+": ", "names the flag")
					require.Regexp(t, `must (not contain NUL|be valid UTF-8)`, errOut)
					require.Equal(t, before, counts(), "a refused value stores nothing")
					return
				}
				if code != 0 {
					require.NotEmpty(t, errOut, "a refusal says why")
					require.NotContains(t, errOut, "SQLSTATE", "not a database error: %s", errOut)
					return
				}
				if f.stored != "" && hv.name != "1mb-emoji" {
					var got string
					require.NoError(t, d.Pool.QueryRow(ctx, f.stored).Scan(&got))
					require.Equal(t, hv.value, got, "stored byte-exact")
				}
			})
		}
	}
}

// rawJSONQuote quotes s as a JSON string, leaving bytes that are not UTF-8
// raw (json.Marshal would replace them) and escaping NUL as \u0000.
func rawJSONQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
