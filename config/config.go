// Package config holds vigil's settings: their defaults, the JSON file
// (DefaultPath, the design's config/scheduler/scheduler.json), the environment
// variables that override it, and validation across fields.
//
// Precedence is defaults < JSON file < environment. Table lists every setting
// once, with its JSON key, environment variable, default and description;
// Default, the environment layer, problem keys and the README all come from it.
//
// Config is read once in cmd/, validated, and passed down; there is no global
// config. The package imports only the standard library (and secrets, which
// does too, to check keys, and the channel names of notify/channels): no pgx, River or
// Telegram client, and it reads nothing but the file and variables Load is given.
package config

// Job types, as used everywhere for that type: job_type column, River kind
// and queue, config key. See ARCHITECTURE.md "Names".
const (
	JobAlert          = "alert"
	JobScreener       = "screener"
	JobReport         = "report"
	JobNotification   = "notification"
	JobDataProcessing = "data_processing"
	JobBackup         = "backup"
)

// AllJobTypes returns a new slice of every job type, in a fixed order (the
// one place job types are listed; callers may change their copy).
func AllJobTypes() []string {
	return []string{JobAlert, JobScreener, JobReport, JobNotification, JobDataProcessing, JobBackup}
}

// canonicalJobType maps the design's JOB_CONFIGS names to job types and
// returns any other name unchanged.
func canonicalJobType(name string) string {
	switch name {
	case "report_generation":
		return JobReport
	case "notifications":
		return JobNotification
	}
	return name
}

// JobType is the per-type execution policy: timeouts, retries and concurrency.
type JobType struct {
	// MaxRuntime is how long one attempt may run before it is cancelled.
	MaxRuntime Duration `json:"max_runtime"`
	// RetryAttempts counts retries after the first attempt: River's
	// MaxAttempts is RetryAttempts+1.
	RetryAttempts int `json:"retry_attempts"`
	// RetryDelay is the base of the exponential backoff between attempts.
	RetryDelay Duration `json:"retry_delay"`
	// Workers is River's MaxWorkers for this type's queue; 0 means
	// Config.MaxWorkers (Config.Job applies that).
	Workers int `json:"workers"`
}

// JobDefaults are the schedule policies applied to a schedule that does not
// set its own (the design's APScheduler job_defaults, plus catch-up and
// overlap policies).
type JobDefaults struct {
	// Coalesce is the design's APScheduler switch. In a file or the
	// environment, coalesce=true without catchup means Catchup "coalesce";
	// Catchup is what the scheduler reads.
	Coalesce bool `json:"coalesce"`
	// MaxInstances is how many runs of one schedule may be active at once.
	MaxInstances int `json:"max_instances"`
	// MisfireGraceTime is how late a fire may start and still run; later
	// fires are recorded as SKIPPED. Mirrors Config.MisfireGraceTime.
	MisfireGraceTime Duration `json:"misfire_grace_time"`
	// Catchup decides what to do with fires missed while no scheduler ran:
	// skip, coalesce, latest or all.
	Catchup string `json:"catchup"`
	// Overlap decides what to do when a fire comes while a run of the same
	// schedule is active: skip, buffer_one, buffer_all, cancel_other or
	// allow_all (bounded by MaxInstances).
	Overlap string `json:"overlap"`
	// MaxCatchup caps how many missed fires one catch-up enqueues.
	MaxCatchup int `json:"max_catchup"`
}

// Config is every setting of the vigil process. Build it with Default or Load,
// then call Validate.
//
// Four top-level fields from the design's SchedulerConfig mirror a more
// specific setting, and Load keeps each pair equal (within one layer the
// specific key wins): AlertTimeout = Jobs["alert"].MaxRuntime,
// NotificationTimeout = Jobs["notification"].MaxRuntime, NotificationRetries =
// Jobs["notification"].RetryAttempts and MisfireGraceTime =
// JobDefaults.MisfireGraceTime. Code reads the specific one (Job, JobDefaults);
// Validate reports a pair that disagrees.
type Config struct {
	// DatabaseURL is a postgres:// URL or key=value DSN; "" lets the caller
	// fall back to its development default.
	DatabaseURL string `json:"database_url"`
	// PooledDatabaseURL, when set, is a connection through PgBouncer in
	// transaction pooling mode for the short transactions (API, schedule
	// enqueuing, bot, job inserts); River's workers and LISTEN/NOTIFY, and
	// migrations keep DatabaseURL (a direct or session-pooled connection).
	PooledDatabaseURL string `json:"pooled_database_url"`
	// MaxWorkers is the worker count of each job type's queue whose
	// JobType.Workers is 0.
	MaxWorkers int `json:"max_workers"`
	// MisfireGraceTime mirrors JobDefaults.MisfireGraceTime.
	MisfireGraceTime Duration `json:"misfire_grace_time"`
	// AlertTimeout mirrors Jobs["alert"].MaxRuntime.
	AlertTimeout Duration `json:"alert_timeout"`
	// DataCacheTTL is how long fetched market data is reused.
	DataCacheTTL Duration `json:"data_cache_ttl"`
	// NotificationTimeout mirrors Jobs["notification"].MaxRuntime.
	NotificationTimeout Duration `json:"notification_timeout"`
	// NotificationRetries mirrors Jobs["notification"].RetryAttempts.
	NotificationRetries int `json:"notification_retries"`
	// NotificationMaxOutage is how long a notification keeps being retried
	// while its channel fails with network errors, 5xx or 429 (an outage)
	// before it is marked failed.
	NotificationMaxOutage Duration `json:"notification_max_outage"`
	// NotificationMaxBackoff caps the wait between delivery attempts during
	// an outage.
	NotificationMaxBackoff Duration `json:"notification_max_backoff"`
	// StartupDelay is how long the process waits before it starts scheduling.
	StartupDelay Duration `json:"startup_delay"`
	// ShutdownTimeout bounds a graceful shutdown.
	ShutdownTimeout Duration `json:"shutdown_timeout"`
	// HealthCheckInterval is the period of the health heartbeat.
	HealthCheckInterval Duration `json:"health_check_interval"`
	// IncidentCheckInterval is how often the scheduler's incident monitor
	// runs its checks.
	IncidentCheckInterval Duration `json:"incident_check_interval"`
	// IncidentResolveAfter is how long a job type's error class must go
	// without a new failure before its job_failed incident resolves.
	IncidentResolveAfter Duration `json:"incident_resolve_after"`
	// IncidentCooldown is how long after resolving an incident a recurrence
	// reopens the same row silently instead of opening a new one.
	IncidentCooldown Duration `json:"incident_cooldown"`
	// IncidentQueueBacklogAge is how long a River job may wait available
	// before its queue counts as backed up.
	IncidentQueueBacklogAge Duration `json:"incident_queue_backlog_age"`
	// IncidentSlowJobPercent is the share of a job type's max_runtime after
	// which a running job counts as slow.
	IncidentSlowJobPercent int `json:"incident_slow_job_percent"`
	// IncidentSlowJobAfter, when above 0, also counts a job running longer
	// than it as slow, whatever its max_runtime.
	IncidentSlowJobAfter Duration `json:"incident_slow_job_after"`
	// IncidentFireLag is how far in the past an enabled schedule's
	// next_run_at may be before the scheduler counts as behind.
	IncidentFireLag Duration `json:"incident_fire_lag"`
	// IncidentChannelFailures is how many failed or retrying deliveries on
	// one channel within IncidentChannelWindow make it failing.
	IncidentChannelFailures int `json:"incident_channel_failures"`
	// IncidentChannelWindow is the window IncidentChannelFailures counts in.
	IncidentChannelWindow Duration `json:"incident_channel_window"`
	// IncidentHeartbeatForget is how long a silent system/component stays
	// watched; after it its heartbeat_stale incident resolves.
	IncidentHeartbeatForget Duration `json:"incident_heartbeat_forget"`
	// AlertFloodLimit is how many fires of one alert within AlertFloodWindow
	// are sent; the next is recorded, not sent, and pauses the alert. 0
	// turns flood control off.
	AlertFloodLimit int `json:"alert_flood_limit"`
	// AlertFloodWindow is the window AlertFloodLimit counts in.
	AlertFloodWindow Duration `json:"alert_flood_window"`
	// DigestFirst is how many alert fires of one user within DigestWindow
	// are sent at once; later fires in the window are held and sent as one
	// digest message when it ends.
	DigestFirst int `json:"digest_first"`
	// DigestWindow is the window DigestFirst counts in; it opens at a fire
	// when none is open. 0 turns the digest off.
	DigestWindow Duration `json:"digest_window"`
	// TradingViewRateLimit is how many requests one TradingView webhook
	// token may make per minute; more are answered 429.
	TradingViewRateLimit int `json:"tradingview_rate_limit"`
	// TradingViewReplayWindow is how long the same webhook body is refused
	// as a replay after it was received.
	TradingViewReplayWindow Duration `json:"tradingview_replay_window"`
	// TradingViewMaxBodyBytes is the largest webhook body accepted; larger
	// ones are answered 413.
	TradingViewMaxBodyBytes int `json:"tradingview_max_body_bytes"`
	// JobDefaults are the schedule policies used when a schedule sets none.
	JobDefaults JobDefaults `json:"job_defaults"`
	// Jobs holds the policy of each job type, keyed by job type. A file may
	// also use the design's "report_generation" and "notifications" keys,
	// under "jobs" or a top-level "job_configs"; Load stores them canonically.
	Jobs map[string]JobType `json:"jobs"`

	// LogFormat is text or json.
	LogFormat string `json:"log_format"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `json:"log_level"`
	// StatusAddr is the listen address of the health and metrics server; ""
	// turns it off.
	StatusAddr string `json:"status_addr"`
	// APIAddr is the listen address of the HTTP API; "" turns it off.
	APIAddr string `json:"api_addr"`
	// RunRetention is how long job_schedule_runs rows are kept.
	RunRetention Duration `json:"run_retention"`
	// RiverCompletedRetention is River's CompletedJobRetentionPeriod.
	RiverCompletedRetention Duration `json:"river_completed_retention"`
	// RescueStuckJobsAfter is River's RescueStuckJobsAfter; it must exceed
	// every MaxRuntime.
	RescueStuckJobsAfter Duration `json:"rescue_stuck_jobs_after"`
	// MinInterval is the smallest interval between fires of a non-admin
	// user's schedule.
	MinInterval Duration `json:"min_interval"`
	// MaxSchedulesPerUser is how many schedules a non-admin user may own.
	MaxSchedulesPerUser int `json:"max_schedules_per_user"`
	// EnqueueBatchSize is how many due fires one enqueuer transaction takes.
	EnqueueBatchSize int `json:"enqueue_batch_size"`
	// FetchCooldown is River's FetchCooldown.
	FetchCooldown Duration `json:"fetch_cooldown"`
	// TelegramBotToken is the bot's token; "" disables Telegram.
	TelegramBotToken string `json:"telegram_bot_token"`
	// TelegramAPIEndpoint overrides the Telegram client library's API
	// endpoint; "" keeps the library default.
	TelegramAPIEndpoint string `json:"telegram_api_endpoint"`
	// TelegramWebhook makes the bot receive updates by webhook at
	// PublicURL+"/telegram/webhook" on the API listener instead of polling.
	TelegramWebhook bool `json:"telegram_webhook"`
	// TelegramWebhookSecret is setWebhook's secret_token, checked on every
	// delivery; "" derives one from SecretKey (TelegramWebhookSecrets).
	TelegramWebhookSecret string `json:"telegram_webhook_secret"`
	// WebhookSecret is the HMAC key that signs webhook notifications.
	WebhookSecret string `json:"webhook_secret"`
	// SecretKey encrypts the secrets stored in the database (per-user
	// webhook signing secrets) with AES-256-GCM: 32 bytes as 64 hex digits or
	// base64. Empty: per-user secrets cannot be created.
	SecretKey string `json:"secret_key"`
	// SecretKeyPrevious lists earlier keys (comma-separated) that still open
	// values sealed before a key rotation; `vigil secrets rotate` re-seals them.
	SecretKeyPrevious string `json:"secret_key_previous"`
	// AlpacaKeyID and AlpacaSecretKey are the operator's own Alpaca paper
	// trading account: alpaca bots of admin users without credentials of
	// their own (PUT /api/me/brokers/alpaca) trade on it. Both or neither.
	AlpacaKeyID     string `json:"alpaca_key_id"`
	AlpacaSecretKey string `json:"alpaca_secret_key"`
	// AlpacaBaseURL is the Alpaca trading API the alpaca bots use (Alpaca's
	// paper endpoint by default; a stand-in in tests). Live trading
	// (api.alpaca.markets) is refused.
	AlpacaBaseURL string `json:"alpaca_base_url"`
	// StatusToken, when set, is required (Authorization: Bearer) by /health,
	// /stats and /metrics on the status listener and by /metrics on the API.
	StatusToken string `json:"status_token"`
	// MarketDataProvider is where bars come from: synthetic (deterministic,
	// offline), csv, yahoo, binance or ibkr.
	MarketDataProvider string `json:"market_data_provider"`
	// MarketDataCSVDir is the directory of OHLCV files of the csv provider.
	MarketDataCSVDir string `json:"market_data_csv_dir"`
	// IBKRGatewayURL is the API address of the Interactive Brokers Client
	// Portal Gateway the ibkr market-data provider reads from.
	IBKRGatewayURL string `json:"ibkr_gateway_url"`
	// IBKRInsecureSkipVerify accepts the gateway's self-signed TLS
	// certificate.
	IBKRInsecureSkipVerify bool `json:"ibkr_insecure_skip_verify"`
	// FundamentalsProvider is where market cap, P/E, average volume and
	// sector come from: synthetic, snapshot or yahoo; "" follows
	// MarketDataProvider (see FundamentalsProviderName).
	FundamentalsProvider string `json:"fundamentals_provider"`
	// FundamentalsFile is the CSV or JSON file of the snapshot provider.
	FundamentalsFile string `json:"fundamentals_file"`
	// FundamentalsCacheTTL is how long fetched fundamentals are reused from
	// memory; 0 turns that cache off.
	FundamentalsCacheTTL Duration `json:"fundamentals_cache_ttl"`
	// BackupDirectory is where backup jobs write their dumps unless a
	// schedule names another directory.
	BackupDirectory string `json:"backup_directory"`
	// SMTPHost is the mail server the email channel sends through; "" in
	// `vigil serve` starts a local mail catcher (shown at /dev/mail), and
	// elsewhere leaves email unconfigured.
	SMTPHost string `json:"smtp_host"`
	// SMTPPort is the mail server's port (587: submission with STARTTLS).
	SMTPPort int `json:"smtp_port"`
	// SMTPUsername and SMTPPassword log in to the mail server (SMTP AUTH);
	// both empty: no login.
	SMTPUsername string `json:"smtp_username"`
	SMTPPassword string `json:"smtp_password"`
	// SMTPFrom is the From address of every mail, e.g. "Vigil
	// <alerts@example.com>".
	SMTPFrom string `json:"smtp_from"`
	// SMTPTLS is how the connection is encrypted: starttls (required),
	// tls (implicit TLS, usually port 465) or none.
	SMTPTLS string `json:"smtp_tls"`
	// PublicURL is where people reach this deployment's API (links in
	// mails, the console, inbound webhook URLs), without a trailing slash.
	PublicURL string `json:"public_url"`
}

// FundamentalsProviderName is the fundamentals provider to build:
// FundamentalsProvider, or when that is "" the one that goes with
// MarketDataProvider: yahoo for yahoo, else synthetic (synthetic and csv bars
// are offline; Binance's crypto pairs have no company figures).
func (c Config) FundamentalsProviderName() string {
	if c.FundamentalsProvider != "" {
		return c.FundamentalsProvider
	}
	if c.MarketDataProvider == "yahoo" {
		return "yahoo"
	}
	return "synthetic"
}

// Job returns the effective policy of jobType (a job type or one of the
// design's aliases), with Workers 0 replaced by MaxWorkers. An unknown type
// gets zero values apart from Workers.
func (c Config) Job(jobType string) JobType {
	j := c.Jobs[canonicalJobType(jobType)]
	if j.Workers == 0 {
		j.Workers = c.MaxWorkers
	}
	return j
}
