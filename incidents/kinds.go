package incidents

// Kinds of incident (incidents.kind).
const (
	KindJobFailed      = "job_failed"
	KindQueueBacklog   = "queue_backlog"
	KindHeartbeatStale = "heartbeat_stale"
	KindSlowJob        = "slow_job"
	KindFireLag        = "fire_lag"
	KindChannelFailing = "channel_failing"
)

// Kinds returns every kind, in the order the monitor checks them.
func Kinds() []string {
	return []string{KindJobFailed, KindQueueBacklog, KindHeartbeatStale, KindSlowJob, KindFireLag, KindChannelFailing}
}

// States filter GET /api/incidents and /incidents.
const (
	StateOpen     = "open"
	StateResolved = "resolved"
	StateAll      = "all"
)
