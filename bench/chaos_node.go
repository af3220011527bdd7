package bench

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/vigilhq/vigil/config"
)

// Environment variables through which the chaos suite tunes the nodes it
// spawns (they inherit the bench process's environment). Unset, a node runs
// nodeConfig unchanged.
const (
	// EnvRescueAfter shortens River's rescue of jobs a SIGKILLed worker held
	// (rescue_stuck_jobs_after); River's JobTimeout, and the alert type's
	// max_runtime, become three quarters of it, as River wants a rescue
	// later than any job may run.
	EnvRescueAfter = "VIGIL_BENCH_RESCUE_AFTER"
	// EnvNotifyMaxBackoff sets notification_max_backoff, the longest wait
	// between delivery attempts while a channel is down.
	EnvNotifyMaxBackoff = "VIGIL_BENCH_NOTIFY_MAX_BACKOFF"
	// EnvRetention sets how long River keeps completed jobs (the suite
	// counts notification jobs after runs longer than nodeConfig's 15
	// minutes).
	EnvRetention = "VIGIL_BENCH_RETENTION"
	// EnvFetchCooldown sets River's FetchCooldown (fetch_cooldown; the
	// bench's default 10ms), to measure River's own settings.
	EnvFetchCooldown = "VIGIL_BENCH_FETCH_COOLDOWN"
	// EnvAlertWorkers sets the alert queue's workers per node (default 24).
	EnvAlertWorkers = "VIGIL_BENCH_ALERT_WORKERS"
)

// nodeTuning applies the chaos variables to cfg and returns River's
// JobTimeout for the node (0: the default).
func nodeTuning(cfg *config.Config) (time.Duration, error) {
	var jobTimeout time.Duration
	if d, ok, err := envDuration(EnvRescueAfter); err != nil {
		return 0, err
	} else if ok {
		cfg.RescueStuckJobsAfter = config.Duration(d)
		jobTimeout = d * 3 / 4
		for _, t := range []string{config.JobAlert, config.JobNotification} {
			j := cfg.Jobs[t]
			j.MaxRuntime = config.Duration(min(j.MaxRuntime.D(), jobTimeout))
			cfg.Jobs[t] = j
		}
	}
	if d, ok, err := envDuration(EnvNotifyMaxBackoff); err != nil {
		return 0, err
	} else if ok {
		cfg.NotificationMaxBackoff = config.Duration(d)
	}
	if d, ok, err := envDuration(EnvRetention); err != nil {
		return 0, err
	} else if ok {
		cfg.RiverCompletedRetention = config.Duration(d)
	}
	if d, ok, err := envDuration(EnvFetchCooldown); err != nil {
		return 0, err
	} else if ok {
		cfg.FetchCooldown = config.Duration(d)
	}
	if v := os.Getenv(EnvAlertWorkers); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, fmt.Errorf("bench node: %s=%q: want a number of workers from 1 to 1000", EnvAlertWorkers, v)
		}
		a := cfg.Jobs[config.JobAlert]
		a.Workers = n
		cfg.Jobs[config.JobAlert] = a
	}
	return jobTimeout, nil
}

func envDuration(name string) (time.Duration, bool, error) {
	v := os.Getenv(name)
	if v == "" {
		return 0, false, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, false, fmt.Errorf("bench node: %s=%q: want a positive duration such as 1m", name, v)
	}
	return d, true, nil
}
