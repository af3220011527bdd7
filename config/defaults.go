package config

import (
	"fmt"
	"strings"
)

// Setting describes one setting for documentation: `vigil validate-config
// --list` and the README print Table.
type Setting struct {
	// Key is the JSON key path in the config file, such as
	// "jobs.report.retry_attempts".
	Key string
	// Env names the environment variables that set Key, highest precedence
	// first, separated by ", "; "" when only the file sets it.
	Env string
	// Default is the value used when neither file nor environment sets Key.
	Default string
	// Description says what the setting does.
	Description string
}

// setting is one row of the table that drives Default, the environment layer
// and Table.
type setting struct {
	Setting
	envs   []string // variables that set Key, in precedence order (Env adds linked ones)
	secret bool     // also read from <VAR>_FILE; hidden by Redacted
}

// Table returns every setting, in the order of the Config fields.
func Table() []Setting {
	rows := settings()
	out := make([]Setting, len(rows))
	for i, s := range rows {
		out[i] = s.Setting
	}
	return out
}

// Default returns the configuration used when neither file nor environment
// sets anything: the Default column of Table.
func Default() Config {
	c := Config{Jobs: make(map[string]JobType, len(AllJobTypes()))}
	for _, s := range settings() {
		if err := setString(&c, s.Key, s.Default); err != nil {
			panic(fmt.Sprintf("config: default of %s: %v", s.Key, err))
		}
	}
	return c
}

// link ties a top-level setting of the design's SchedulerConfig to the
// specific setting it stands for. Load keeps the two equal.
type link struct{ general, specific string }

func links() []link {
	return []link{
		{"misfire_grace_time", "job_defaults.misfire_grace_time"},
		{"alert_timeout", "jobs.alert.max_runtime"},
		{"notification_timeout", "jobs.notification.max_runtime"},
		{"notification_retries", "jobs.notification.retry_attempts"},
	}
}

// jobDefault returns the design's JOB_CONFIGS, extended to every job type:
// max_runtime, retry_attempts and retry_delay of jobType.
func jobDefault(jobType string) (maxRuntime, retryAttempts, retryDelay string) {
	switch jobType {
	case JobNotification:
		return "30s", "5", "10s"
	case JobDataProcessing:
		return "600s", "2", "120s"
	case JobBackup:
		return "1800s", "2", "300s"
	case JobAlert:
		return "300s", "3", "10s"
	}
	return "300s", "3", "60s" // report, screener
}

func settings() []setting {
	rows := []setting{
		secret("database_url", "",
			"PostgreSQL connection: a postgres:// or postgresql:// URL or a key=value DSN. Empty: the development default.",
			"SCHEDULER_DATABASE_URL", "DATABASE_URL"),
		secret("pooled_database_url", "",
			"A second connection, through PgBouncer in transaction pooling mode, for the API, schedule enqueuing, the bot and job inserts (no prepared statements: pgx describes and caches). River's workers, LISTEN/NOTIFY and migrations keep database_url. Empty: everything uses database_url.",
			"VIGIL_POOLED_DATABASE_URL"),
		row("max_workers", "10", "Workers per job type's queue when jobs.<type>.workers is 0.", "SCHEDULER_MAX_WORKERS"),
		row("misfire_grace_time", "30s", "Same as job_defaults.misfire_grace_time.", "SCHEDULER_MISFIRE_GRACE_TIME"),
		row("alert_timeout", "300s", "Same as jobs.alert.max_runtime.", "SCHEDULER_ALERT_TIMEOUT"),
		row("data_cache_ttl", "60s", "How long fetched market data is reused.", "SCHEDULER_DATA_CACHE_TTL"),
		row("notification_timeout", "30s", "Same as jobs.notification.max_runtime.", "SCHEDULER_NOTIFICATION_TIMEOUT"),
		row("notification_retries", "5",
			"Same as jobs.notification.retry_attempts (the design's JOB_CONFIGS value 5, not SchedulerConfig's 3).",
			"SCHEDULER_NOTIFICATION_RETRIES"),
		row("notification_max_outage", "24h",
			"How long a notification is retried while its channel is down (network errors, 5xx, 429) before it fails; these retries do not use up notification_retries.",
			"VIGIL_NOTIFICATION_MAX_OUTAGE"),
		row("notification_max_backoff", "5m", "Longest wait between delivery attempts during a channel outage.",
			"VIGIL_NOTIFICATION_MAX_BACKOFF"),
		row("startup_delay", "10s", "Wait before scheduling starts (the dev Makefile sets 0).", "SCHEDULER_STARTUP_DELAY"),
		row("shutdown_timeout", "30s", "Longest a graceful shutdown may take.", "SCHEDULER_SHUTDOWN_TIMEOUT"),
		row("health_check_interval", "30s", "Period of the heartbeat every service writes to msg_system_health (the design: every 30-60 s); three missed beats read as DOWN.", "SCHEDULER_HEALTH_CHECK_INTERVAL"),
		row("incident_check_interval", "30s", "How often the scheduler role's incident monitor runs its checks.", "VIGIL_INCIDENT_CHECK_INTERVAL"),
		row("incident_resolve_after", "15m",
			"A job_failed incident (one per job type and error class) resolves after this long without a new failure of its class.",
			"VIGIL_INCIDENT_RESOLVE_AFTER"),
		row("incident_cooldown", "30m",
			"A problem that comes back within this long after its incident resolved reopens the same incident and sends nothing.",
			"VIGIL_INCIDENT_COOLDOWN"),
		row("incident_queue_backlog_age", "5m", "A queue is backed up (queue_backlog) while a job has waited available longer than this.",
			"VIGIL_INCIDENT_QUEUE_BACKLOG_AGE"),
		row("incident_slow_job_percent", "80", "A run is slow (slow_job) once it has run this percentage of its job type's max_runtime.",
			"VIGIL_INCIDENT_SLOW_JOB_PERCENT"),
		row("incident_slow_job_after", "0s", "Also slow: a run running longer than this, whatever its max_runtime; 0 turns this off.",
			"VIGIL_INCIDENT_SLOW_JOB_AFTER"),
		row("incident_fire_lag", "2m", "The scheduler is behind (fire_lag) while an enabled schedule's next_run_at is further than this in the past.",
			"VIGIL_INCIDENT_FIRE_LAG"),
		row("incident_channel_failures", "5",
			"A notification channel is failing (channel_failing) with this many failed or retrying deliveries within incident_channel_window.",
			"VIGIL_INCIDENT_CHANNEL_FAILURES"),
		row("incident_channel_window", "15m", "The window incident_channel_failures counts in.", "VIGIL_INCIDENT_CHANNEL_WINDOW"),
		row("incident_heartbeat_forget", "24h",
			"A system/component silent for longer than this is no longer watched, and its heartbeat_stale incident resolves.",
			"VIGIL_INCIDENT_HEARTBEAT_FORGET"),
		row("alert_flood_limit", "15",
			"Fires of one alert sent within alert_flood_window (TradingView's limit); the next fire is recorded in its run, not sent, and pauses the alert with a message to its owner. 0 turns flood control off.",
			"VIGIL_ALERT_FLOOD_LIMIT"),
		row("alert_flood_window", "3m", "The window alert_flood_limit counts in.", "VIGIL_ALERT_FLOOD_WINDOW"),
		row("digest_first", "5",
			"Alert fires of one user sent at once within digest_window; later fires in that window arrive as one digest message at its end.",
			"VIGIL_DIGEST_FIRST"),
		row("digest_window", "1m", "The window digest_first counts in; it opens at a user's fire when none is open. 0 turns the digest off.",
			"VIGIL_DIGEST_WINDOW"),
		row("tradingview_rate_limit", "60", "Requests per minute one TradingView webhook token may make; more are answered 429 with Retry-After.",
			"VIGIL_TRADINGVIEW_RATE_LIMIT"),
		row("tradingview_replay_window", "60s", "How long the same TradingView webhook body is refused (409) after it was received.",
			"VIGIL_TRADINGVIEW_REPLAY_WINDOW"),
		row("tradingview_max_body_bytes", "65536", "Largest TradingView webhook body accepted; larger ones are answered 413.",
			"VIGIL_TRADINGVIEW_MAX_BODY_BYTES"),
		row("job_defaults.coalesce", "false",
			"The design's APScheduler coalesce; true without catchup means catchup \"coalesce\"."),
		row("job_defaults.max_instances", "3", "Runs of one schedule that may be active at once.",
			"VIGIL_JOB_DEFAULTS_MAX_INSTANCES"),
		row("job_defaults.misfire_grace_time", "30s",
			"How late a fire may start and still run; later fires are recorded as SKIPPED."),
		row("job_defaults.catchup", "all", "Missed fires: skip, coalesce, latest or all.", "VIGIL_JOB_DEFAULTS_CATCHUP"),
		row("job_defaults.overlap", "allow_all",
			"Fire while a run is active: skip, buffer_one, buffer_all, cancel_other or allow_all.",
			"VIGIL_JOB_DEFAULTS_OVERLAP"),
		row("job_defaults.max_catchup", "100", "Most missed fires one catch-up enqueues.", "VIGIL_JOB_DEFAULTS_MAX_CATCHUP"),
	}
	for _, t := range AllJobTypes() {
		maxRuntime, retryAttempts, retryDelay := jobDefault(t)
		env := "VIGIL_JOB_" + strings.ToUpper(t) + "_"
		key := "jobs." + t + "."
		rows = append(rows,
			row(key+"max_runtime", maxRuntime, "Longest one "+t+" attempt may run before it is cancelled.", env+"MAX_RUNTIME"),
			row(key+"retry_attempts", retryAttempts, "Retries after the first attempt (River MaxAttempts is this + 1).", env+"RETRY_ATTEMPTS"),
			row(key+"retry_delay", retryDelay, "Base of the exponential backoff between attempts.", env+"RETRY_DELAY"),
			row(key+"workers", "0", "Concurrent "+t+" jobs per process (River MaxWorkers); 0 means max_workers.", env+"WORKERS"),
		)
	}
	rows = append(rows,
		row("log_format", "text", "Log format: text or json.", "VIGIL_LOG_FORMAT"),
		row("log_level", "info", "Log level: debug, info, warn or error.", "VIGIL_LOG_LEVEL"),
		row("status_addr", ":8002", "Listen address of the health and stats server (/health, /stats); empty turns it off.", "VIGIL_STATUS_ADDR"),
		row("api_addr", ":8001", "Listen address of the HTTP API; empty turns it off.", "VIGIL_API_ADDR"),
		row("run_retention", "720h", "How long job_schedule_runs rows are kept.", "VIGIL_RUN_RETENTION"),
		row("river_completed_retention", "1h", "How long River keeps completed jobs.", "VIGIL_RIVER_COMPLETED_RETENTION"),
		row("rescue_stuck_jobs_after", "1h",
			"When River rescues a job still running; must exceed every jobs.<type>.max_runtime.",
			"VIGIL_RESCUE_STUCK_JOBS_AFTER"),
		row("min_interval", "1m", "Smallest interval between fires of a non-admin user's schedule.", "VIGIL_MIN_INTERVAL"),
		row("max_schedules_per_user", "100", "Schedules a non-admin user may own.", "VIGIL_MAX_SCHEDULES_PER_USER"),
		row("enqueue_batch_size", "1000", "Due fires one enqueuer transaction takes.", "VIGIL_ENQUEUE_BATCH_SIZE"),
		row("fetch_cooldown", "10ms", "River's FetchCooldown: least time between fetches of new jobs.", "VIGIL_FETCH_COOLDOWN"),
		secret("telegram_bot_token", "", "Telegram bot token; empty disables Telegram.", "TELEGRAM_BOT_TOKEN"),
		row("telegram_api_endpoint", "", "Telegram API endpoint; empty keeps the client library's default.",
			"TELEGRAM_API_ENDPOINT"),
		row("telegram_webhook", "false",
			"Receive Telegram updates by webhook at <public_url>/telegram/webhook on the API listener instead of polling getUpdates.",
			"VIGIL_TELEGRAM_WEBHOOK"),
		secret("telegram_webhook_secret", "",
			"secret_token Telegram sends with every webhook delivery (16-256 characters of A-Z, a-z, 0-9, _ and -); empty derives one from secret_key.",
			"VIGIL_TELEGRAM_WEBHOOK_SECRET"),
		secret("webhook_secret", "", "HMAC key that signs webhook notifications of users without a signing secret of their own.", "VIGIL_WEBHOOK_SECRET"),
		secret("secret_key", "",
			"AES-256-GCM key (64 hex digits or base64 of 32 bytes) that encrypts secrets stored in the database, such as per-user webhook signing secrets.",
			"VIGIL_SECRET_KEY"),
		secret("secret_key_previous", "", "Earlier secret keys, comma-separated, still accepted after a rotation until `vigil secrets rotate` re-seals every value.",
			"VIGIL_SECRET_KEY_PREVIOUS"),
		secret("alpaca_key_id", "", "Key id of the operator's own Alpaca paper trading account, used by alpaca bots of admin users who stored no credentials of their own (PUT /api/me/brokers/alpaca); set with alpaca_secret_key.",
			"VIGIL_ALPACA_KEY_ID"),
		secret("alpaca_secret_key", "", "Secret key of the operator's Alpaca paper trading account (see alpaca_key_id).", "VIGIL_ALPACA_SECRET_KEY"),
		row("alpaca_base_url", "https://paper-api.alpaca.markets",
			"Alpaca trading API of the alpaca bots (per-user credentials and the operator's account); only the paper API, live trading (api.alpaca.markets) is refused.",
			"VIGIL_ALPACA_BASE_URL"),
		secret("status_token", "", "Bearer token that /health, /stats and /metrics require when set; empty leaves them open.", "VIGIL_STATUS_TOKEN"),
		row("market_data_provider", "synthetic",
			"Market data: synthetic (deterministic, offline), csv, yahoo, binance or ibkr.", "VIGIL_MARKET_DATA_PROVIDER"),
		row("market_data_csv_dir", "", "Directory of <SYMBOL>.csv OHLCV files for the csv provider.", "VIGIL_MARKET_DATA_CSV_DIR"),
		row("ibkr_gateway_url", "https://localhost:5000/v1/api",
			"API address of the Interactive Brokers Client Portal Gateway that the ibkr market-data provider reads from.", "VIGIL_IBKR_GATEWAY_URL"),
		row("ibkr_insecure_skip_verify", "false",
			"Accept the Client Portal Gateway's self-signed TLS certificate (only for a gateway on a trusted host).", "VIGIL_IBKR_INSECURE_SKIP_VERIFY"),
		row("fundamentals_provider", "",
			"Fundamentals (market cap, P/E, average volume, sector): synthetic, snapshot or yahoo; empty follows market_data_provider (yahoo for yahoo, else synthetic).",
			"VIGIL_FUNDAMENTALS_PROVIDER", "FUNDAMENTALS_PROVIDER"),
		row("fundamentals_file", "", "CSV or JSON file of the snapshot fundamentals provider (required for it).",
			"VIGIL_FUNDAMENTALS_FILE", "FUNDAMENTALS_FILE"),
		row("fundamentals_cache_ttl", "6h", "How long fetched fundamentals are reused from memory; 0 turns that cache off.",
			"VIGIL_FUNDAMENTALS_CACHE_TTL"),
		row("backup_directory", "backups", "Where backup jobs write pg_dump files (custom format) unless a schedule names a directory.", "VIGIL_BACKUP_DIR"),
		row("smtp_host", "",
			"Mail server of the email channel. Empty: `vigil serve` keeps mail in a local catcher shown at /dev/mail; other processes have no email channel.",
			"VIGIL_SMTP_HOST"),
		row("smtp_port", "587", "Mail server port (587 submission with STARTTLS, 465 implicit TLS, 25 relay).", "VIGIL_SMTP_PORT"),
		row("smtp_username", "", "SMTP AUTH user name; empty sends without logging in.", "VIGIL_SMTP_USERNAME"),
		secret("smtp_password", "", "SMTP AUTH password.", "VIGIL_SMTP_PASSWORD"),
		row("smtp_from", "", "From address of every mail, e.g. \"Vigil <alerts@example.com>\"; required with smtp_host.", "VIGIL_SMTP_FROM"),
		row("smtp_tls", "starttls", "Connection security: starttls (required, refuses a server without it), tls (implicit TLS) or none.",
			"VIGIL_SMTP_TLS"),
		row("public_url", "http://localhost:8001",
			"Base URL people reach the API at: links in mails (preferences, charts), the console, /why hints and inbound webhook URLs.",
			"VIGIL_PUBLIC_URL"),
	)
	// The design's variables on the general side of a link also set the
	// specific setting, so list them there too, after its own variables,
	// which win. Loading reads only each row's own envs.
	for _, l := range links() {
		general, specific := find(rows, l.general), find(rows, l.specific)
		names := append(append([]string(nil), specific.envs...), general.envs...)
		specific.Env = strings.Join(names, ", ")
	}
	return rows
}

// find returns the row of key; the table is small enough to scan.
func find(rows []setting, key string) *setting {
	for i := range rows {
		if rows[i].Key == key {
			return &rows[i]
		}
	}
	panic("config: no setting " + key)
}

func row(key, def, desc string, envs ...string) setting {
	return setting{
		Setting: Setting{Key: key, Env: strings.Join(envs, ", "), Default: def, Description: desc},
		envs:    envs,
	}
}

// secret is a row whose variables are also read from <VAR>_FILE.
func secret(key, def, desc string, envs ...string) setting {
	s := row(key, def, desc+" Each variable also has a _FILE variant naming a file that holds the value.", envs...)
	s.secret = true
	return s
}
