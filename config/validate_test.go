package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// problems returns c's validation problems, failing when the error is not a
// *ValidationError.
func problems(t *testing.T, c Config) []Problem {
	t.Helper()
	err := c.Validate()
	if err == nil {
		return nil
	}
	var verr *ValidationError
	require.True(t, errors.As(err, &verr), "%T is not a *ValidationError", err)
	return verr.Problems
}

func TestValidateListsAllProblems(t *testing.T) {
	t.Parallel()

	c := Default()
	c.MaxWorkers = 0
	c.LogLevel = "loud"
	c.APIAddr = "8001"
	c.JobDefaults.Overlap = "sometimes"
	report := c.Jobs[JobReport]
	report.RetryAttempts = 30
	report.RetryDelay = 0
	c.Jobs[JobReport] = report
	c.Jobs["cleanup"] = JobType{MaxRuntime: sec(1), RetryDelay: sec(1)}

	var keys []string
	for _, p := range problems(t, c) {
		keys = append(keys, p.Key)
	}
	require.Equal(t, []string{
		"max_workers (SCHEDULER_MAX_WORKERS)",
		"job_defaults.overlap (VIGIL_JOB_DEFAULTS_OVERLAP)",
		"jobs.report.retry_attempts (VIGIL_JOB_REPORT_RETRY_ATTEMPTS)",
		"jobs.report.retry_delay (VIGIL_JOB_REPORT_RETRY_DELAY)",
		"jobs.cleanup",
		"log_level (VIGIL_LOG_LEVEL)",
		"api_addr (VIGIL_API_ADDR)",
	}, keys)

	err := c.Validate()
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, len(keys))
	require.Equal(t, "max_workers (SCHEDULER_MAX_WORKERS): must be from 1 to 10000, got 0", lines[0])
	require.Equal(t, `log_level (VIGIL_LOG_LEVEL): is "loud"; want one of debug, info, warn, error`, lines[5])
}

func TestValidateRules(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name   string
		modify func(c *Config)
		key    string // the only problem's key
		msg    string // in its message
	}{
		{"DatabaseScheme", func(c *Config) { c.DatabaseURL = "mysql://u:hunter2@db/x" }, "database_url (SCHEDULER_DATABASE_URL, DATABASE_URL)", "scheme mysql is not postgres"},
		{"DatabaseAsyncpg", func(c *Config) { c.DatabaseURL = "postgresql+asyncpg://user:pass@localhost/db" }, "database_url (SCHEDULER_DATABASE_URL, DATABASE_URL)", "SQLAlchemy"},
		{"DatabaseNotDSN", func(c *Config) { c.DatabaseURL = "localhost" }, "database_url (SCHEDULER_DATABASE_URL, DATABASE_URL)", "neither"},
		{"DatabaseUnclosedQuote", func(c *Config) { c.DatabaseURL = "host=db password='abc" }, "database_url (SCHEDULER_DATABASE_URL, DATABASE_URL)", "not closed"},
		{"MaxWorkersHigh", func(c *Config) { c.MaxWorkers = 10_001 }, "max_workers (SCHEDULER_MAX_WORKERS)", "from 1 to 10000"},
		{"NegativeCacheTTL", func(c *Config) { c.DataCacheTTL = -1 }, "data_cache_ttl (SCHEDULER_DATA_CACHE_TTL)", "at least 0s"},
		{"NegativeStartupDelay", func(c *Config) { c.StartupDelay = sec(-1) }, "startup_delay (SCHEDULER_STARTUP_DELAY)", "at least 0s, got -1s"},
		{"ZeroShutdown", func(c *Config) { c.ShutdownTimeout = 0 }, "shutdown_timeout (SCHEDULER_SHUTDOWN_TIMEOUT)", "longer than 0"},
		{"ZeroHealth", func(c *Config) { c.HealthCheckInterval = 0 }, "health_check_interval (SCHEDULER_HEALTH_CHECK_INTERVAL)", "longer than 0"},
		{"MirrorDisagrees", func(c *Config) { c.NotificationRetries = 3 }, "notification_retries (SCHEDULER_NOTIFICATION_RETRIES)", "is 3 but jobs.notification.retry_attempts is 5"},
		{"MirrorDuration", func(c *Config) { c.AlertTimeout = sec(1) }, "alert_timeout (SCHEDULER_ALERT_TIMEOUT)", "jobs.alert.max_runtime is 5m0s"},
		{"MaxInstances", func(c *Config) { c.JobDefaults.MaxInstances = 0 }, "job_defaults.max_instances (VIGIL_JOB_DEFAULTS_MAX_INSTANCES)", "from 1"},
		{"NegativeMisfire", func(c *Config) {
			c.JobDefaults.MisfireGraceTime, c.MisfireGraceTime = -1, -1
		}, "job_defaults.misfire_grace_time (SCHEDULER_MISFIRE_GRACE_TIME)", "at least 0s"},
		{"Catchup", func(c *Config) { c.JobDefaults.Catchup = "some" }, "job_defaults.catchup (VIGIL_JOB_DEFAULTS_CATCHUP)", "skip, coalesce, latest, all"},
		{"MaxCatchup", func(c *Config) { c.JobDefaults.MaxCatchup = 0 }, "job_defaults.max_catchup (VIGIL_JOB_DEFAULTS_MAX_CATCHUP)", "at least 1"},
		{"CoalesceContradicts", func(c *Config) { c.JobDefaults.Coalesce = true }, "job_defaults.coalesce", `catchup is "all"`},
		{"MaxRuntime", func(c *Config) { setJob(c, JobScreener, func(j *JobType) { j.MaxRuntime = 0 }) }, "jobs.screener.max_runtime (VIGIL_JOB_SCREENER_MAX_RUNTIME)", "longer than 0"},
		{"LinkedMaxRuntime", func(c *Config) {
			c.NotificationTimeout = 0
			setJob(c, JobNotification, func(j *JobType) { j.MaxRuntime = 0 })
		}, "jobs.notification.max_runtime (VIGIL_JOB_NOTIFICATION_MAX_RUNTIME, SCHEDULER_NOTIFICATION_TIMEOUT)", "longer than 0"},
		{"RetryAttemptsNegative", func(c *Config) { setJob(c, JobBackup, func(j *JobType) { j.RetryAttempts = -1 }) }, "jobs.backup.retry_attempts (VIGIL_JOB_BACKUP_RETRY_ATTEMPTS)", "from 0 to 25"},
		{"Workers", func(c *Config) { setJob(c, JobAlert, func(j *JobType) { j.Workers = -1 }) }, "jobs.alert.workers (VIGIL_JOB_ALERT_WORKERS)", "from 0 to 10000"},
		{"MissingJob", func(c *Config) { delete(c.Jobs, JobBackup) }, "jobs.backup", "is missing"},
		{"AliasKey", func(c *Config) { c.Jobs["notifications"] = c.Jobs[JobNotification] }, "jobs.notifications", `use the key "notification"`},
		{"LogFormat", func(c *Config) { c.LogFormat = "JSON" }, "log_format (VIGIL_LOG_FORMAT)", "text, json"},
		{"StatusAddr", func(c *Config) { c.StatusAddr = "localhost" }, "status_addr (VIGIL_STATUS_ADDR)", "not host:port"},
		{"StatusPort", func(c *Config) { c.StatusAddr = ":http" }, "status_addr (VIGIL_STATUS_ADDR)", `port "http"`},
		{"SameAddr", func(c *Config) { c.APIAddr = c.StatusAddr }, "api_addr (VIGIL_API_ADDR)", "same as status_addr"},
		{"RunRetention", func(c *Config) { c.RunRetention = 0 }, "run_retention (VIGIL_RUN_RETENTION)", "longer than 0"},
		{"RiverRetention", func(c *Config) { c.RiverCompletedRetention = -1 }, "river_completed_retention (VIGIL_RIVER_COMPLETED_RETENTION)", "longer than 0"},
		{"RescueBeforeRuntime", func(c *Config) { c.RescueStuckJobsAfter = Duration(20 * time.Minute) }, "rescue_stuck_jobs_after (VIGIL_RESCUE_STUCK_JOBS_AFTER)", "jobs.backup.max_runtime (30m0s)"},
		{"MinInterval", func(c *Config) { c.MinInterval = 0 }, "min_interval (VIGIL_MIN_INTERVAL)", "longer than 0"},
		{"MaxSchedules", func(c *Config) { c.MaxSchedulesPerUser = -1 }, "max_schedules_per_user (VIGIL_MAX_SCHEDULES_PER_USER)", "at least 0"},
		{"BatchSize", func(c *Config) { c.EnqueueBatchSize = 0 }, "enqueue_batch_size (VIGIL_ENQUEUE_BATCH_SIZE)", "at least 1"},
		{"FetchCooldownLow", func(c *Config) { c.FetchCooldown = Duration(time.Microsecond) }, "fetch_cooldown (VIGIL_FETCH_COOLDOWN)", "from 1ms to 1s"},
		{"FetchCooldownHigh", func(c *Config) { c.FetchCooldown = sec(2) }, "fetch_cooldown (VIGIL_FETCH_COOLDOWN)", "from 1ms to 1s"},
		{"BotToken", func(c *Config) { c.TelegramBotToken = "my_bot" }, "telegram_bot_token (TELEGRAM_BOT_TOKEN)", "<bot id>:<secret>"},
		{"Endpoint", func(c *Config) { c.TelegramAPIEndpoint = "api.telegram.org" }, "telegram_api_endpoint (TELEGRAM_API_ENDPOINT)", "not an http"},
		{"FundamentalsProvider", func(c *Config) { c.FundamentalsProvider = "bloomberg" }, "fundamentals_provider (VIGIL_FUNDAMENTALS_PROVIDER, FUNDAMENTALS_PROVIDER)", `is "bloomberg"; want synthetic, snapshot or yahoo, or empty`},
		{"FundamentalsSnapshotFile", func(c *Config) { c.FundamentalsProvider = "snapshot" }, "fundamentals_file (VIGIL_FUNDAMENTALS_FILE, FUNDAMENTALS_FILE)", "required when fundamentals_provider is snapshot"},
		{"FundamentalsTTL", func(c *Config) { c.FundamentalsCacheTTL = -1 }, "fundamentals_cache_ttl (VIGIL_FUNDAMENTALS_CACHE_TTL)", "at least 0s"},
		{"SMTPPort", func(c *Config) { c.SMTPPort = 0 }, "smtp_port (VIGIL_SMTP_PORT)", "from 1 to 65535"},
		{"SMTPTLS", func(c *Config) { c.SMTPTLS = "ssl" }, "smtp_tls (VIGIL_SMTP_TLS)", "starttls, tls, none"},
		{"SMTPHostURL", func(c *Config) {
			c.SMTPHost, c.SMTPFrom, c.SecretKey = "smtp://mail.example.com", "a@example.com", testKey
		}, "smtp_host (VIGIL_SMTP_HOST)", "not a host name"},
		{"SMTPFromMissing", func(c *Config) { c.SMTPHost, c.SecretKey = "mail.example.com", testKey }, "smtp_from (VIGIL_SMTP_FROM)", "required when smtp_host is set"},
		{"SMTPFromBad", func(c *Config) { c.SMTPFrom = "vigil at example" }, "smtp_from (VIGIL_SMTP_FROM)", "not a mail address"},
		{"SMTPNeedsKey", func(c *Config) { c.SMTPHost, c.SMTPFrom = "mail.example.com", "a@example.com" }, "smtp_host (VIGIL_SMTP_HOST)", "needs secret_key"},
		{"SMTPPasswordAlone", func(c *Config) { c.SMTPPassword = "hunter2" }, "smtp_username (VIGIL_SMTP_USERNAME)", "set both or neither"},
		{"PublicURLEmpty", func(c *Config) { c.PublicURL = "" }, "public_url (VIGIL_PUBLIC_URL)", "is required"},
		{"PublicURLScheme", func(c *Config) { c.PublicURL = "vigil.example.com" }, "public_url (VIGIL_PUBLIC_URL)", "not an http:// or https:// URL"},
		{"PublicURLQuery", func(c *Config) { c.PublicURL = "https://vigil.example.com/?a=1" }, "public_url (VIGIL_PUBLIC_URL)", "query"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			c := Default()
			tt.modify(&c)
			ps := problems(t, c)
			require.Len(t, ps, 1, "%v", ps)
			require.Equal(t, tt.key, ps[0].Key)
			require.Contains(t, ps[0].Message, tt.msg)
			require.NotContains(t, ps[0].Message, "hunter2")
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name   string
		modify func(c *Config)
	}{
		{"URL", func(c *Config) { c.DatabaseURL = "postgres://vigil:secret@localhost:5432/vigil?sslmode=disable" }},
		{"PostgresqlURL", func(c *Config) { c.DatabaseURL = "postgresql:///vigil?host=/var/run/postgresql" }},
		{"DSN", func(c *Config) { c.DatabaseURL = "host=db port=5432 user=vigil password='a b\\'c' dbname=vigil" }},
		{"DSNSpaces", func(c *Config) { c.DatabaseURL = " host = db  dbname=vigil " }},
		{"AddrsOff", func(c *Config) { c.StatusAddr, c.APIAddr = "", "" }},
		{"AddrHost", func(c *Config) { c.StatusAddr, c.APIAddr = "127.0.0.1:9000", "[::1]:9001" }},
		{"BotToken", func(c *Config) { c.TelegramBotToken = "123456789:AAE-abc_DEF" }},
		{"Endpoint", func(c *Config) { c.TelegramAPIEndpoint = "https://api.telegram.org/bot%s/%s" }},
		{"ZeroRetries", func(c *Config) {
			c.NotificationRetries = 0
			setJob(c, JobNotification, func(j *JobType) { j.RetryAttempts = 0 })
		}},
		{"CatchupCoalesce", func(c *Config) { c.JobDefaults.Catchup, c.JobDefaults.Coalesce = "coalesce", true }},
		{"ZeroDelays", func(c *Config) { c.StartupDelay, c.DataCacheTTL, c.FundamentalsCacheTTL = 0, 0, 0 }},
		{"FundamentalsSnapshot", func(c *Config) { c.FundamentalsProvider, c.FundamentalsFile = "snapshot", "fundamentals.csv" }},
		{"FundamentalsYahoo", func(c *Config) { c.FundamentalsProvider = "yahoo" }},
		{"SMTP", func(c *Config) {
			c.SMTPHost, c.SMTPPort, c.SMTPFrom, c.SMTPTLS, c.SecretKey = "mail.example.com", 465, "Vigil <alerts@example.com>", "tls", testKey
			c.SMTPUsername, c.SMTPPassword = "alerts", "hunter2"
		}},
		{"PublicURLPath", func(c *Config) { c.PublicURL = "https://example.com/vigil/" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			c := Default()
			tt.modify(&c)
			require.NoError(t, c.Validate())
		})
	}
}

func setJob(c *Config, jobType string, modify func(*JobType)) {
	j := c.Jobs[jobType]
	modify(&j)
	c.Jobs[jobType] = j
}

// testKey is a valid secret_key (32 bytes in hex).
const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestDeliveryChannels(t *testing.T) {
	t.Parallel()
	c := Default()
	require.Equal(t, []string{"webhook", "log"}, c.DeliveryChannels(false), "nothing configured")
	require.Equal(t, []string{"telegram", "email", "webhook", "log"}, c.DeliveryChannels(true), "the local stand-ins of vigil serve")
	c.SMTPHost = "mail.example.com"
	require.Equal(t, []string{"email", "webhook", "log"}, c.DeliveryChannels(false))
	c.TelegramBotToken = "1:x"
	require.Equal(t, []string{"telegram", "email", "webhook", "log"}, c.DeliveryChannels(false))
	require.Equal(t, "smtp_host", ChannelSetting("email"))
	c.PublicURL = "https://example.com/vigil/"
	require.Equal(t, "https://example.com/vigil", c.PublicBase())
}

func TestValidateAlpaca(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mod  func(c *Config)
		want string
	}{
		{func(c *Config) { c.AlpacaKeyID = "PK1" }, "alpaca_key_id and alpaca_secret_key go together"},
		{func(c *Config) { c.AlpacaSecretKey = "s" }, "alpaca_key_id and alpaca_secret_key go together"},
		{func(c *Config) { c.AlpacaBaseURL = "https://api.alpaca.markets" }, "live trading (api.alpaca.markets) is not supported"},
		{func(c *Config) { c.AlpacaBaseURL = "paper-api" }, `"paper-api" is not an absolute http or https URL`},
	} {
		c := Default()
		tc.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
	c := Default()
	c.AlpacaKeyID, c.AlpacaSecretKey = "PK1", "s"
	if err := c.Validate(); err != nil {
		t.Errorf("both set: %v", err)
	}
}
