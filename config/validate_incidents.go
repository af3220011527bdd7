package config

// incidents checks the thresholds of the incident monitor.
func (v *validator) incidents(c Config) {
	v.positive("incident_check_interval", c.IncidentCheckInterval)
	v.positive("incident_resolve_after", c.IncidentResolveAfter)
	atLeast(v, "incident_cooldown", c.IncidentCooldown, 0)
	v.positive("incident_queue_backlog_age", c.IncidentQueueBacklogAge)
	between(v, "incident_slow_job_percent", c.IncidentSlowJobPercent, 1, 100)
	atLeast(v, "incident_slow_job_after", c.IncidentSlowJobAfter, 0)
	v.positive("incident_fire_lag", c.IncidentFireLag)
	atLeast(v, "incident_channel_failures", c.IncidentChannelFailures, 1)
	v.positive("incident_channel_window", c.IncidentChannelWindow)
	if c.HealthCheckInterval > 0 && c.IncidentHeartbeatForget <= 3*c.HealthCheckInterval {
		v.add("incident_heartbeat_forget", "is %s, not longer than three health_check_interval (%s): a stopped service would be forgotten before it reads as stale",
			c.IncidentHeartbeatForget, 3*c.HealthCheckInterval)
	}
}
