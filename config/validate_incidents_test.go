package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestValidateIncidentThresholds(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name   string
		modify func(c *Config)
		key    string
		msg    string
	}{
		{"CheckInterval", func(c *Config) { c.IncidentCheckInterval = 0 }, "incident_check_interval (VIGIL_INCIDENT_CHECK_INTERVAL)", "longer than 0"},
		{"ResolveAfter", func(c *Config) { c.IncidentResolveAfter = 0 }, "incident_resolve_after (VIGIL_INCIDENT_RESOLVE_AFTER)", "longer than 0"},
		{"Cooldown", func(c *Config) { c.IncidentCooldown = -1 }, "incident_cooldown (VIGIL_INCIDENT_COOLDOWN)", "at least 0s"},
		{"BacklogAge", func(c *Config) { c.IncidentQueueBacklogAge = 0 }, "incident_queue_backlog_age (VIGIL_INCIDENT_QUEUE_BACKLOG_AGE)", "longer than 0"},
		{"SlowPercent", func(c *Config) { c.IncidentSlowJobPercent = 101 }, "incident_slow_job_percent (VIGIL_INCIDENT_SLOW_JOB_PERCENT)", "from 1 to 100"},
		{"SlowAfter", func(c *Config) { c.IncidentSlowJobAfter = -1 }, "incident_slow_job_after (VIGIL_INCIDENT_SLOW_JOB_AFTER)", "at least 0s"},
		{"FireLag", func(c *Config) { c.IncidentFireLag = 0 }, "incident_fire_lag (VIGIL_INCIDENT_FIRE_LAG)", "longer than 0"},
		{"ChannelFailures", func(c *Config) { c.IncidentChannelFailures = 0 }, "incident_channel_failures (VIGIL_INCIDENT_CHANNEL_FAILURES)", "at least 1"},
		{"ChannelWindow", func(c *Config) { c.IncidentChannelWindow = 0 }, "incident_channel_window (VIGIL_INCIDENT_CHANNEL_WINDOW)", "longer than 0"},
		{"ForgetTooSoon", func(c *Config) { c.IncidentHeartbeatForget = Duration(90 * time.Second) },
			"incident_heartbeat_forget (VIGIL_INCIDENT_HEARTBEAT_FORGET)", "not longer than three health_check_interval (1m30s)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			c := Default()
			tt.modify(&c)
			ps := problems(t, c)
			require.Len(t, ps, 1, "%v", ps)
			require.Equal(t, tt.key, ps[0].Key)
			require.Contains(t, ps[0].Message, tt.msg)
		})
	}
}
