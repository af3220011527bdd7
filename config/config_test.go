package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefault(t *testing.T) {
	t.Parallel()

	c := Default()

	// The design's JOB_CONFIGS, extended to every job type.
	require.Equal(t, map[string]JobType{
		JobAlert:          {MaxRuntime: sec(300), RetryAttempts: 3, RetryDelay: sec(10)},
		JobScreener:       {MaxRuntime: sec(300), RetryAttempts: 3, RetryDelay: sec(60)},
		JobReport:         {MaxRuntime: sec(300), RetryAttempts: 3, RetryDelay: sec(60)},
		JobNotification:   {MaxRuntime: sec(30), RetryAttempts: 5, RetryDelay: sec(10)},
		JobDataProcessing: {MaxRuntime: sec(600), RetryAttempts: 2, RetryDelay: sec(120)},
		JobBackup:         {MaxRuntime: sec(1800), RetryAttempts: 2, RetryDelay: sec(300)},
	}, c.Jobs)
	// The design's APScheduler job_defaults, plus our policies.
	require.Equal(t, JobDefaults{
		Coalesce:         false,
		MaxInstances:     3,
		MisfireGraceTime: sec(30),
		Catchup:          "all",
		Overlap:          "allow_all",
		MaxCatchup:       100,
	}, c.JobDefaults)

	require.Empty(t, c.DatabaseURL)
	require.Equal(t, 10, c.MaxWorkers)
	require.Equal(t, sec(30), c.MisfireGraceTime)
	require.Equal(t, sec(300), c.AlertTimeout)
	require.Equal(t, sec(60), c.DataCacheTTL)
	require.Equal(t, sec(30), c.NotificationTimeout)
	require.Equal(t, 5, c.NotificationRetries)
	require.Equal(t, sec(10), c.StartupDelay)
	require.Equal(t, sec(30), c.ShutdownTimeout)
	require.Equal(t, sec(30), c.HealthCheckInterval)
	require.Equal(t, "text", c.LogFormat)
	require.Equal(t, "info", c.LogLevel)
	require.Equal(t, ":8002", c.StatusAddr)
	require.Equal(t, ":8001", c.APIAddr)
	require.Equal(t, Duration(30*24*time.Hour), c.RunRetention)
	require.Equal(t, Duration(time.Hour), c.RiverCompletedRetention)
	require.Equal(t, Duration(time.Hour), c.RescueStuckJobsAfter)
	require.Equal(t, Duration(time.Minute), c.MinInterval)
	require.Equal(t, 100, c.MaxSchedulesPerUser)
	require.Equal(t, 1000, c.EnqueueBatchSize)
	require.Equal(t, Duration(10*time.Millisecond), c.FetchCooldown)
	require.Empty(t, c.TelegramBotToken)
	require.Empty(t, c.TelegramAPIEndpoint)
	require.Empty(t, c.WebhookSecret)
	require.Empty(t, c.FundamentalsProvider)
	require.Empty(t, c.FundamentalsFile)
	require.Equal(t, Duration(6*time.Hour), c.FundamentalsCacheTTL)
	require.Equal(t, "synthetic", c.FundamentalsProviderName())

	require.NoError(t, c.Validate())

	// Each call builds its own map.
	c.Jobs[JobReport] = JobType{}
	require.Equal(t, sec(300), Default().Jobs[JobReport].MaxRuntime)
}

func TestJob(t *testing.T) {
	t.Parallel()

	c := Default()
	c.MaxWorkers = 7
	r := c.Jobs[JobReport]
	r.Workers = 2
	c.Jobs[JobReport] = r

	require.Equal(t, 7, c.Job(JobAlert).Workers, "0 workers means MaxWorkers")
	require.Equal(t, 2, c.Job(JobReport).Workers)
	require.Equal(t, sec(300), c.Job(JobReport).MaxRuntime)
	require.Equal(t, c.Job(JobReport), c.Job("report_generation"))
	require.Equal(t, 5, c.Job("notifications").RetryAttempts)
	require.Equal(t, JobType{Workers: 7}, c.Job("nope"))
}

func TestFundamentalsProviderName(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct{ fundamentals, marketData, want string }{
		{"", "synthetic", "synthetic"},
		{"", "csv", "synthetic"},
		{"", "yahoo", "yahoo"},
		{"", "binance", "synthetic"},
		{"snapshot", "yahoo", "snapshot"},
		{"synthetic", "yahoo", "synthetic"},
		{"yahoo", "csv", "yahoo"},
	} {
		c := Default()
		c.FundamentalsProvider, c.MarketDataProvider = tt.fundamentals, tt.marketData
		require.Equal(t, tt.want, c.FundamentalsProviderName(), "%+v", tt)
	}
}

func TestJobTypes(t *testing.T) {
	t.Parallel()

	want := []string{"alert", "screener", "report", "notification", "data_processing", "backup"}
	got := AllJobTypes()
	require.Equal(t, want, got)
	got[0] = "changed"
	require.Equal(t, want, AllJobTypes(), "each call returns a fresh copy")
}

func TestTable(t *testing.T) {
	t.Parallel()

	t.Run("CoversEveryField", func(t *testing.T) {
		t.Parallel()

		var keys []string
		for _, s := range Table() {
			keys = append(keys, s.Key)
		}
		require.ElementsMatch(t, leafPaths(reflect.TypeFor[Config](), ""), keys)
	})

	t.Run("NamesAreUnique", func(t *testing.T) {
		t.Parallel()

		keys, envs := map[string]bool{}, map[string]bool{}
		for _, s := range settings() {
			require.False(t, keys[s.Key], "key %s listed twice", s.Key)
			keys[s.Key] = true
			for _, e := range s.envs {
				require.False(t, envs[e], "variable %s listed twice", e)
				envs[e] = true
			}
		}
	})

	t.Run("EveryRowIsDocumented", func(t *testing.T) {
		t.Parallel()

		for _, s := range Table() {
			require.NotEmpty(t, s.Description, s.Key)
			require.True(t, strings.HasSuffix(s.Description, "."), s.Key)
		}
	})

	t.Run("LinkedSettingsShareDefaultsAndVariables", func(t *testing.T) {
		t.Parallel()

		rows := settings()
		for _, l := range links() {
			general, specific := find(rows, l.general), find(rows, l.specific)
			require.Equal(t, general.Default, specific.Default, l.specific)
			require.Contains(t, specific.Env, general.Env, l.specific)
		}
		require.Equal(t, "VIGIL_JOB_NOTIFICATION_RETRY_ATTEMPTS, SCHEDULER_NOTIFICATION_RETRIES",
			find(rows, "jobs.notification.retry_attempts").Env)
		require.Equal(t, "SCHEDULER_DATABASE_URL, DATABASE_URL", find(rows, "database_url").Env)
	})
}

// leafPaths lists the key paths of every setting in t, expanding Jobs to
// every job type.
func leafPaths(t reflect.Type, prefix string) []string {
	switch t.Kind() {
	case reflect.Struct:
		var out []string
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			out = append(out, leafPaths(t.Field(i).Type, join(prefix, name))...)
		}
		return out
	case reflect.Map:
		var out []string
		for _, jt := range AllJobTypes() {
			out = append(out, leafPaths(t.Elem(), join(prefix, jt))...)
		}
		return out
	}
	return []string{prefix}
}

func sec(n int) Duration { return Duration(time.Duration(n) * time.Second) }
