// Package health reports the health of a Vigil process: the scheduler status
// endpoint (GET /health in the design's shape) and the heartbeat that writes
// msg_system_health rows. It imports db and nothing above it.
package health
