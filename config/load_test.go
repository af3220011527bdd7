package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type testBundle struct {
	dir string
	env map[string]string
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	return &testBundle{dir: t.TempDir(), env: map[string]string{}}
}

// write puts content in a file of the bundle's directory and returns its path.
func (b *testBundle) write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(b.dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// getenv reads the bundle's environment, like os.LookupEnv.
func (b *testBundle) getenv(name string) (string, bool) {
	v, ok := b.env[name]
	return v, ok
}

func (b *testBundle) load(t *testing.T, path string) Config {
	t.Helper()
	c, err := Load(path, b.getenv)
	require.NoError(t, err)
	return c
}

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()

	t.Run("DefaultOnly", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		// DefaultPath does not exist relative to the package directory.
		require.Equal(t, Default(), b.load(t, ""))

		c, err := Load("", nil)
		require.NoError(t, err)
		require.Equal(t, Default(), c)
	})

	t.Run("FileOverridesDefault", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		path := b.write(t, "c.json", `{"max_workers": 4, "log_level": "debug", "jobs": {"report": {"workers": 2}}}`)

		c := b.load(t, path)
		require.Equal(t, 4, c.MaxWorkers)
		require.Equal(t, "debug", c.LogLevel)
		require.Equal(t, JobType{MaxRuntime: sec(300), RetryAttempts: 3, RetryDelay: sec(60), Workers: 2}, c.Jobs[JobReport],
			"fields the file omits keep their defaults")
		require.Equal(t, Default().Jobs[JobAlert], c.Jobs[JobAlert])
		require.Equal(t, "text", c.LogFormat)
	})

	t.Run("EnvOverridesFile", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		path := b.write(t, "c.json", `{"max_workers": 4, "log_level": "debug", "jobs": {"data_processing": {"retry_delay": 5}}}`)
		b.env["SCHEDULER_MAX_WORKERS"] = "12"
		b.env["VIGIL_JOB_DATA_PROCESSING_RETRY_DELAY"] = "2m"
		b.env["VIGIL_JOB_BACKUP_WORKERS"] = "1"

		c := b.load(t, path)
		require.Equal(t, 12, c.MaxWorkers)
		require.Equal(t, "debug", c.LogLevel)
		require.Equal(t, Duration(2*time.Minute), c.Jobs[JobDataProcessing].RetryDelay)
		require.Equal(t, 1, c.Job(JobBackup).Workers)
	})

	t.Run("DatabaseURLVariables", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		path := b.write(t, "c.json", `{"database_url": "postgres://file/db"}`)

		require.Equal(t, "postgres://file/db", b.load(t, path).DatabaseURL)

		b.env["DATABASE_URL"] = "postgres://plain/db"
		require.Equal(t, "postgres://plain/db", b.load(t, path).DatabaseURL)

		b.env["SCHEDULER_DATABASE_URL"] = "postgres://scheduler/db"
		require.Equal(t, "postgres://scheduler/db", b.load(t, path).DatabaseURL, "SCHEDULER_ wins")

		b.env["SCHEDULER_DATABASE_URL"] = ""
		require.Equal(t, "postgres://plain/db", b.load(t, path).DatabaseURL, "an empty variable falls through")
	})

	t.Run("FundamentalsVariables", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		path := b.write(t, "c.json", `{"fundamentals_provider": "yahoo", "fundamentals_cache_ttl": "12h"}`)

		c := b.load(t, path)
		require.Equal(t, "yahoo", c.FundamentalsProvider)
		require.Equal(t, Duration(12*time.Hour), c.FundamentalsCacheTTL)

		b.env["FUNDAMENTALS_PROVIDER"] = "snapshot"
		b.env["FUNDAMENTALS_FILE"] = "/data/fundamentals.csv"
		b.env["VIGIL_FUNDAMENTALS_CACHE_TTL"] = "30m"
		c = b.load(t, path)
		require.Equal(t, "snapshot", c.FundamentalsProvider)
		require.Equal(t, "/data/fundamentals.csv", c.FundamentalsFile)
		require.Equal(t, Duration(30*time.Minute), c.FundamentalsCacheTTL)
		require.NoError(t, c.Validate())

		b.env["VIGIL_FUNDAMENTALS_PROVIDER"] = "synthetic"
		require.Equal(t, "synthetic", b.load(t, path).FundamentalsProvider, "VIGIL_ wins")
	})

	t.Run("EmptyVariables", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["SCHEDULER_MAX_WORKERS"] = ""
		b.env["VIGIL_STATUS_ADDR"] = ""

		c := b.load(t, "")
		require.Equal(t, 10, c.MaxWorkers, "empty number means unset")
		require.Empty(t, c.StatusAddr, "empty string turns the server off")
	})
}

func TestLoadAliases(t *testing.T) {
	t.Parallel()

	for name, content := range map[string]string{
		"UnderJobs":       `{"jobs": {"report_generation": {"max_runtime": 100}, "notifications": {"retry_attempts": 7}}}`,
		"UnderJobConfigs": `{"job_configs": {"report_generation": {"max_runtime": 100}, "notifications": {"retry_attempts": 7}}}`,
		"Mixed":           `{"jobs": {"report": {"max_runtime": 100}}, "job_configs": {"notifications": {"retry_attempts": 7}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)

			c := b.load(t, b.write(t, "c.json", content))
			require.Equal(t, sec(100), c.Jobs[JobReport].MaxRuntime)
			require.Equal(t, 7, c.Jobs[JobNotification].RetryAttempts)
			require.Equal(t, 7, c.NotificationRetries)
			require.Len(t, c.Jobs, len(AllJobTypes()), "aliases are stored under the job type")
			require.NoError(t, c.Validate())
		})
	}

	t.Run("SameSettingTwice", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		path := b.write(t, "c.json", `{"jobs": {"report": {"workers": 1}, "report_generation": {"workers": 2}}}`)

		_, err := Load(path, b.getenv)
		require.ErrorContains(t, err, "jobs.report.workers: given twice")
	})
}

func TestLoadDurations(t *testing.T) {
	t.Parallel()

	t.Run("File", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		path := b.write(t, "c.json", `{
			"data_cache_ttl": 90,
			"shutdown_timeout": "1m",
			"startup_delay": 0.5,
			"health_check_interval": "45",
			"jobs": {"backup": {"max_runtime": "2h", "retry_delay": 30}}
		}`)

		c := b.load(t, path)
		require.Equal(t, sec(90), c.DataCacheTTL)
		require.Equal(t, Duration(time.Minute), c.ShutdownTimeout)
		require.Equal(t, Duration(500*time.Millisecond), c.StartupDelay)
		require.Equal(t, sec(45), c.HealthCheckInterval)
		require.Equal(t, Duration(2*time.Hour), c.Jobs[JobBackup].MaxRuntime)
		require.Equal(t, sec(30), c.Jobs[JobBackup].RetryDelay)
	})

	t.Run("Env", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["SCHEDULER_DATA_CACHE_TTL"] = "90"
		b.env["SCHEDULER_SHUTDOWN_TIMEOUT"] = "1m"
		b.env["SCHEDULER_STARTUP_DELAY"] = "0"
		b.env["VIGIL_FETCH_COOLDOWN"] = "0.05"

		c := b.load(t, "")
		require.Equal(t, sec(90), c.DataCacheTTL)
		require.Equal(t, Duration(time.Minute), c.ShutdownTimeout)
		require.Equal(t, Duration(0), c.StartupDelay)
		require.Equal(t, Duration(50*time.Millisecond), c.FetchCooldown)
	})
}

func TestLoadLinkedSettings(t *testing.T) {
	t.Parallel()

	t.Run("NotificationRetriesEnvOverridesJob", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		path := b.write(t, "c.json", `{"jobs": {"notification": {"retry_attempts": 9}}}`)
		b.env["SCHEDULER_NOTIFICATION_RETRIES"] = "2"

		c := b.load(t, path)
		require.Equal(t, 2, c.Jobs[JobNotification].RetryAttempts)
		require.Equal(t, 2, c.Job(JobNotification).RetryAttempts)
		require.Equal(t, 2, c.NotificationRetries)
	})

	t.Run("SpecificWinsWithinALayer", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		path := b.write(t, "c.json", `{"notification_retries": 1, "jobs": {"notification": {"retry_attempts": 4}}}`)

		c := b.load(t, path)
		require.Equal(t, 4, c.Jobs[JobNotification].RetryAttempts)
		require.Equal(t, 4, c.NotificationRetries)

		b.env["SCHEDULER_NOTIFICATION_RETRIES"] = "2"
		b.env["VIGIL_JOB_NOTIFICATION_RETRY_ATTEMPTS"] = "3"
		c = b.load(t, path)
		require.Equal(t, 3, c.Jobs[JobNotification].RetryAttempts)
		require.Equal(t, 3, c.NotificationRetries)
	})

	t.Run("DesignVariables", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["SCHEDULER_ALERT_TIMEOUT"] = "120"
		b.env["SCHEDULER_NOTIFICATION_TIMEOUT"] = "15s"
		b.env["SCHEDULER_MISFIRE_GRACE_TIME"] = "5"

		c := b.load(t, "")
		require.Equal(t, sec(120), c.Job(JobAlert).MaxRuntime)
		require.Equal(t, sec(120), c.AlertTimeout)
		require.Equal(t, sec(15), c.Job(JobNotification).MaxRuntime)
		require.Equal(t, sec(5), c.JobDefaults.MisfireGraceTime)
		require.Equal(t, sec(5), c.MisfireGraceTime)
		require.NoError(t, c.Validate())
	})

	t.Run("FileAlertTimeout", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		c := b.load(t, b.write(t, "c.json", `{"alert_timeout": 60, "job_defaults": {"misfire_grace_time": 7}}`))
		require.Equal(t, sec(60), c.Jobs[JobAlert].MaxRuntime)
		require.Equal(t, sec(7), c.MisfireGraceTime)
	})

	t.Run("Coalesce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		c := b.load(t, b.write(t, "a.json", `{"job_defaults": {"coalesce": true}}`))
		require.Equal(t, "coalesce", c.JobDefaults.Catchup)
		require.NoError(t, c.Validate())

		c = b.load(t, b.write(t, "b.json", `{"job_defaults": {"catchup": "coalesce"}}`))
		require.True(t, c.JobDefaults.Coalesce)

		c = b.load(t, b.write(t, "c.json", `{"job_defaults": {"coalesce": true, "catchup": "latest"}}`))
		require.Equal(t, "latest", c.JobDefaults.Catchup)
		require.ErrorContains(t, c.Validate(), "job_defaults.coalesce: is true")

		b.env["VIGIL_JOB_DEFAULTS_CATCHUP"] = "skip"
		c = b.load(t, b.write(t, "d.json", `{"job_defaults": {"coalesce": true}}`))
		require.Equal(t, "skip", c.JobDefaults.Catchup)
		require.False(t, c.JobDefaults.Coalesce)
	})
}

func TestLoadSecretFiles(t *testing.T) {
	t.Parallel()

	t.Run("Read", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["SCHEDULER_DATABASE_URL_FILE"] = b.write(t, "db", "postgres://u:p@db/vigil\n")
		b.env["DATABASE_URL"] = "postgres://ignored/db"
		b.env["TELEGRAM_BOT_TOKEN_FILE"] = b.write(t, "tg", "  123:abc \n")
		b.env["VIGIL_WEBHOOK_SECRET_FILE"] = b.write(t, "wh", "s3cret\n")
		b.env["VIGIL_ALPACA_KEY_ID_FILE"] = b.write(t, "ak", "PKOPERATOR\n")
		b.env["VIGIL_ALPACA_SECRET_KEY_FILE"] = b.write(t, "as", "alpaca-s3cret\n")

		c := b.load(t, "")
		require.Equal(t, "postgres://u:p@db/vigil", c.DatabaseURL)
		require.Equal(t, "123:abc", c.TelegramBotToken)
		require.Equal(t, "s3cret", c.WebhookSecret)
		require.Equal(t, "PKOPERATOR", c.AlpacaKeyID)
		require.Equal(t, "alpaca-s3cret", c.AlpacaSecretKey)
	})

	t.Run("FallbackFile", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["DATABASE_URL_FILE"] = b.write(t, "db", "host=db")

		require.Equal(t, "host=db", b.load(t, "").DatabaseURL)
	})

	t.Run("BothSet", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["VIGIL_WEBHOOK_SECRET"] = "a"
		b.env["VIGIL_WEBHOOK_SECRET_FILE"] = b.write(t, "wh", "b")

		_, err := Load("", b.getenv)
		require.ErrorContains(t, err, "VIGIL_WEBHOOK_SECRET and VIGIL_WEBHOOK_SECRET_FILE are both set")
	})

	t.Run("Missing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["TELEGRAM_BOT_TOKEN_FILE"] = filepath.Join(b.dir, "absent")

		_, err := Load("", b.getenv)
		require.ErrorContains(t, err, "TELEGRAM_BOT_TOKEN_FILE: open ")
		require.ErrorIs(t, err, os.ErrNotExist)
	})

	t.Run("NotForOtherSettings", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["VIGIL_LOG_LEVEL_FILE"] = b.write(t, "lvl", "debug")

		require.Equal(t, "info", b.load(t, "").LogLevel)
	})
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()

	t.Run("ExplicitFileMissing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		path := filepath.Join(b.dir, "absent.json")

		_, err := Load(path, b.getenv)
		require.ErrorIs(t, err, os.ErrNotExist)
		require.ErrorContains(t, err, path)
	})

	for _, tt := range []struct {
		name    string
		content string
		want    string // in the error, which starts "config file <path>:"
	}{
		{"Malformed", "{\n  \"max_workers\": 3,\n  \"log_level\": \"info\"\n  \"api_addr\": \"\"\n}", ":4:3: invalid character '\"' after object key:value pair"},
		{"Truncated", `{"max_workers": 3,`, ":1:19: unexpected end of JSON"},
		{"Empty", "", ":1:1: empty file"},
		{"NotAnObject", `[1]`, ":1:2: want a JSON object at the top level"},
		{"TrailingData", `{} {}`, "unexpected data after the top-level object"},
		{"UnknownKey", `{"max_wrkers": 3}`, `:1:14: unknown key "max_wrkers"`},
		{"UnknownNestedKey", "{\"jobs\": {\"report\": {\n\"max_runtme\": 3}}}", `:2:13: unknown key "jobs.report.max_runtme"`},
		{"UnknownJobDefaultsKey", `{"job_defaults": {"coalese": true}}`, `unknown key "job_defaults.coalese"`},
		{"WrongType", `{"max_workers": "ten"}`, `:1:15: max_workers: want an integer, got string`},
		{"WrongTypeNested", `{"notifications": 1, "jobs": {"notification": {"workers": 1.5}}}`, `unknown key "notifications"`},
		{"Fraction", `{"jobs": {"notification": {"workers": 1.5}}}`, `jobs.notification.workers: want an integer, got number 1.5`},
		{"BadDuration", `{"job_configs": {"report_generation": {"retry_delay": "soon"}}}`, `jobs.report.retry_delay: "soon" is not a duration`},
		{"DurationType", `{"min_interval": true}`, `min_interval: want seconds or a duration string like "30s", got true`},
		{"JobNotAnObject", `{"jobs": {"report": 5}}`, `jobs.report: want a JSON object`},
		{"Bool", `{"job_defaults": {"coalesce": "yes"}}`, `job_defaults.coalesce: want true or false, got string`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			path := b.write(t, "scheduler.json", tt.content)

			_, err := Load(path, b.getenv)
			require.ErrorContains(t, err, "config file "+path+":")
			require.ErrorContains(t, err, tt.want)
		})
	}

	t.Run("NullKeepsDefault", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		c := b.load(t, b.write(t, "c.json", `{"max_workers": null, "jobs": null, "job_defaults": {"catchup": null}}`))
		require.Equal(t, Default(), c)
	})

	t.Run("Env", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.env["SCHEDULER_MAX_WORKERS"] = "ten"
		b.env["SCHEDULER_ALERT_TIMEOUT"] = "soon"
		b.env["VIGIL_JOB_DEFAULTS_MAX_INSTANCES"] = "99999999999999999999"

		_, err := Load("", b.getenv)
		require.ErrorContains(t, err, `SCHEDULER_MAX_WORKERS: "ten" is not an integer`)
		require.ErrorContains(t, err, `SCHEDULER_ALERT_TIMEOUT: "soon" is not a duration`)
		require.ErrorContains(t, err, `VIGIL_JOB_DEFAULTS_MAX_INSTANCES: "99999999999999999999" is out of range`)
	})
}

func TestLoadRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)

	want := Default()
	want.DatabaseURL = "postgres://vigil@db/vigil"
	want.MaxWorkers = 3
	want.Jobs[JobBackup] = JobType{MaxRuntime: sec(10), RetryAttempts: 1, RetryDelay: Duration(1500 * time.Millisecond), Workers: 1}
	data, err := json.Marshal(want)
	require.NoError(t, err)

	require.Equal(t, want, b.load(t, b.write(t, "c.json", string(data))))
}
