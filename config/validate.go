package config

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxRetryAttempts bounds retry_attempts: River's default MaxAttempts is 25.
const maxRetryAttempts = 25

// maxQueueWorkers is River's QueueNumWorkersMax.
const maxQueueWorkers = 10_000

// River's bounds on FetchCooldown: its minimum, and its default
// FetchPollInterval, which FetchCooldown may not exceed.
const (
	minFetchCooldown = time.Millisecond
	maxFetchCooldown = time.Second
)

// Problem is one invalid setting.
type Problem struct {
	// Key is the JSON key path, followed by the environment variables that
	// set it in parentheses, such as "max_workers (SCHEDULER_MAX_WORKERS)".
	Key string
	// Message says what is wrong. It never repeats a secret.
	Message string
}

// ValidationError lists every invalid setting Validate found.
type ValidationError struct {
	Problems []Problem
}

// Error returns the problems one per line as "key: message".
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Key + ": " + p.Message
	}
	return strings.Join(lines, "\n")
}

// Validate checks every setting and the rules across them. It returns nil or
// a *ValidationError listing all problems, not just the first.
func (c Config) Validate() error {
	v := &validator{env: make(map[string]string)}
	for _, s := range Table() {
		v.env[s.Key] = s.Env
	}

	if c.DatabaseURL != "" {
		if err := checkDatabaseURL(c.DatabaseURL); err != nil {
			v.add("database_url", "%v", err)
		}
	}
	if c.PooledDatabaseURL != "" {
		if err := checkDatabaseURL(c.PooledDatabaseURL); err != nil {
			v.add("pooled_database_url", "%v", err)
		}
	}
	between(v, "max_workers", c.MaxWorkers, 1, maxQueueWorkers)
	atLeast(v, "data_cache_ttl", c.DataCacheTTL, 0)
	if _, err := c.Keyring(); err != nil {
		v.add("secret_key", "%v", err)
	}
	v.alpaca(c)
	v.positive("notification_max_outage", c.NotificationMaxOutage)
	v.positive("notification_max_backoff", c.NotificationMaxBackoff)
	atLeast(v, "startup_delay", c.StartupDelay, 0)
	v.positive("shutdown_timeout", c.ShutdownTimeout)
	v.positive("health_check_interval", c.HealthCheckInterval)
	v.incidents(c)
	v.flood(c)
	agree(v, "misfire_grace_time", c.MisfireGraceTime, "job_defaults.misfire_grace_time", c.JobDefaults.MisfireGraceTime)
	agree(v, "alert_timeout", c.AlertTimeout, "jobs.alert.max_runtime", c.Jobs[JobAlert].MaxRuntime)
	agree(v, "notification_timeout", c.NotificationTimeout,
		"jobs.notification.max_runtime", c.Jobs[JobNotification].MaxRuntime)
	agree(v, "notification_retries", c.NotificationRetries,
		"jobs.notification.retry_attempts", c.Jobs[JobNotification].RetryAttempts)

	jd := c.JobDefaults
	between(v, "job_defaults.max_instances", jd.MaxInstances, 1, maxQueueWorkers)
	atLeast(v, "job_defaults.misfire_grace_time", jd.MisfireGraceTime, 0)
	v.oneOf("job_defaults.catchup", jd.Catchup, "skip", "coalesce", "latest", "all")
	v.oneOf("job_defaults.overlap", jd.Overlap, "skip", "buffer_one", "buffer_all", "cancel_other", "allow_all")
	atLeast(v, "job_defaults.max_catchup", jd.MaxCatchup, 1)
	if jd.Coalesce && jd.Catchup != "coalesce" {
		v.add("job_defaults.coalesce", "is true but job_defaults.catchup is %q; set only catchup", jd.Catchup)
	}

	v.jobs(c)

	v.oneOf("log_format", c.LogFormat, "text", "json")
	v.oneOf("market_data_provider", c.MarketDataProvider, "synthetic", "csv", "yahoo", "binance", "ibkr")
	if c.MarketDataProvider == "csv" && c.MarketDataCSVDir == "" {
		v.add("market_data_csv_dir", "is required when market_data_provider is csv")
	}
	if p := c.FundamentalsProvider; !slices.Contains([]string{"", "synthetic", "snapshot", "yahoo"}, p) {
		v.add("fundamentals_provider", "is %q; want synthetic, snapshot or yahoo, or empty to follow market_data_provider", p)
	}
	if c.FundamentalsProvider == "snapshot" && c.FundamentalsFile == "" {
		v.add("fundamentals_file", "is required when fundamentals_provider is snapshot")
	}
	atLeast(v, "fundamentals_cache_ttl", c.FundamentalsCacheTTL, 0)
	v.oneOf("log_level", c.LogLevel, "debug", "info", "warn", "error")
	v.addr("status_addr", c.StatusAddr)
	v.addr("api_addr", c.APIAddr)
	if c.APIAddr != "" && c.APIAddr == c.StatusAddr {
		v.add("api_addr", "is the same as status_addr")
	}
	v.positive("run_retention", c.RunRetention)
	v.positive("river_completed_retention", c.RiverCompletedRetention)
	v.positive("rescue_stuck_jobs_after", c.RescueStuckJobsAfter)
	v.positive("min_interval", c.MinInterval)
	atLeast(v, "max_schedules_per_user", c.MaxSchedulesPerUser, 0)
	atLeast(v, "enqueue_batch_size", c.EnqueueBatchSize, 1)
	between(v, "fetch_cooldown", c.FetchCooldown, Duration(minFetchCooldown), Duration(maxFetchCooldown))
	if t := c.TelegramBotToken; t != "" {
		id, rest, ok := strings.Cut(t, ":")
		if _, err := strconv.ParseUint(id, 10, 64); err != nil || !ok || rest == "" || strings.ContainsAny(rest, " \t\r\n") {
			v.add("telegram_bot_token", "is not of the form <bot id>:<secret> that @BotFather gives")
		}
	}
	if e := c.TelegramAPIEndpoint; e != "" && !strings.HasPrefix(e, "https://") && !strings.HasPrefix(e, "http://") {
		v.add("telegram_api_endpoint", "%q is not an http:// or https:// URL", e)
	}

	v.email(c)
	v.telegram(c)

	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

// jobs checks every job type's settings, unknown job types, and that River
// does not rescue a job before its max_runtime is up.
func (v *validator) jobs(c Config) {
	longest, longestType := Duration(0), ""
	for _, t := range AllJobTypes() {
		key := "jobs." + t
		j, ok := c.Jobs[t]
		if !ok {
			v.add(key, "is missing")
			continue
		}
		v.positive(key+".max_runtime", j.MaxRuntime)
		between(v, key+".retry_attempts", j.RetryAttempts, 0, maxRetryAttempts)
		v.positive(key+".retry_delay", j.RetryDelay)
		between(v, key+".workers", j.Workers, 0, maxQueueWorkers)
		if j.MaxRuntime > longest {
			longest, longestType = j.MaxRuntime, t
		}
	}
	var unknown []string
	for t := range c.Jobs {
		if !slices.Contains(AllJobTypes(), t) {
			unknown = append(unknown, t)
		}
	}
	slices.Sort(unknown)
	for _, t := range unknown {
		if canon := canonicalJobType(t); canon != t {
			v.add("jobs."+t, "is an alias; use the key %q", canon)
			continue
		}
		v.add("jobs."+t, "unknown job type; want one of %s", strings.Join(AllJobTypes(), ", "))
	}
	if c.RescueStuckJobsAfter > 0 && c.RescueStuckJobsAfter <= longest {
		v.add("rescue_stuck_jobs_after", "is %s, not longer than jobs.%s.max_runtime (%s): River would rerun a job still running",
			c.RescueStuckJobsAfter, longestType, longest)
	}
}

// validator collects problems, labelling each key with its variables.
type validator struct {
	env      map[string]string // key path -> Setting.Env
	problems []Problem
}

func (v *validator) add(key, format string, args ...any) {
	if env := v.env[key]; env != "" {
		key += " (" + env + ")"
	}
	v.problems = append(v.problems, Problem{Key: key, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) positive(key string, d Duration) {
	if d <= 0 {
		v.add(key, "must be longer than 0, got %s", d)
	}
}

func (v *validator) oneOf(key, s string, allowed ...string) {
	if !slices.Contains(allowed, s) {
		v.add(key, "is %q; want one of %s", s, strings.Join(allowed, ", "))
	}
}

// addr checks a listen address: empty, or host:port with a numeric port.
func (v *validator) addr(key, s string) {
	if s == "" {
		return
	}
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		v.add(key, "%q is not host:port (like \":8001\"); leave it empty to turn it off", s)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.add(key, "%q: port %q is not a number from 0 to 65535", s, port)
	}
}

// number is the two kinds of numeric setting: int and Duration.
type number interface{ ~int | ~int64 }

func atLeast[T number](v *validator, key string, n, lo T) {
	if n < lo {
		v.add(key, "must be at least %v, got %v", lo, n)
	}
}

func between[T number](v *validator, key string, n, lo, hi T) {
	if n < lo || n > hi {
		v.add(key, "must be from %v to %v, got %v", lo, hi, n)
	}
}

// agree checks that a design-era setting equals the specific one it mirrors.
func agree[T comparable](v *validator, key string, a T, specific string, b T) {
	if a != b {
		v.add(key, "is %v but %s is %v; they are the same setting (Load keeps them equal)", a, specific, b)
	}
}
