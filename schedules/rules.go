package schedules

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/schedule"
)

// Limits are the configured defaults of the rules.
type Limits struct {
	// MinInterval is the smallest gap between fires a non-admin may schedule
	// (config min_interval); a personal min_interval_seconds overrides it.
	MinInterval time.Duration
	// MaxSchedulesPerUser is the default quota of a non-admin (config
	// max_schedules_per_user; 0 = unlimited).
	MaxSchedulesPerUser int
	// RunRetention is how long runs are kept (config run_retention): a
	// backfill may not write runs older than that.
	RunRetention time.Duration
}

// LimitsFrom reads the limits from config.
func LimitsFrom(cfg config.Config) Limits {
	return Limits{MinInterval: cfg.MinInterval.D(), MaxSchedulesPerUser: cfg.MaxSchedulesPerUser,
		RunRetention: cfg.RunRetention.D()}
}

// Owner is the rights of a schedule's owner.
type Owner struct {
	ID                 int64
	Admin              bool
	MinIntervalSeconds *int32
	MaxSchedules       *int32
}

// CheckRights applies what the owner may schedule: per-second crons for
// admins only, at most one fire per minimum interval (the personal one, else
// the configured one), backups for admins only and notifications to the
// owner only. The definition's cron and task_params must already be valid.
func (l Limits) CheckRights(o Owner, jobType string, taskParams json.RawMessage, cron, timezone string) error {
	minInterval := l.MinInterval
	if o.MinIntervalSeconds != nil {
		minInterval = time.Duration(*o.MinIntervalSeconds) * time.Second
	}
	if err := schedule.ValidateFor(cron, timezone, o.Admin, minInterval); err != nil {
		return err
	}
	if o.Admin {
		return nil
	}
	switch jobType {
	case config.JobBackup:
		return forbidden("job_type", "backup schedules are for admins")
	case config.JobNotification:
		var p struct {
			UserID *int64 `json:"user_id"`
		}
		if json.Unmarshal(taskParams, &p) == nil && p.UserID != nil && *p.UserID != o.ID {
			return forbidden("task_params/user_id", fmt.Sprintf("a notification schedule may only notify its owner (user %d)", o.ID))
		}
	}
	return nil
}

// Quota is how many schedules the owner may have; ok is false when
// unlimited. An explicit personal max_schedules binds admins too; otherwise
// admins are unlimited and other users get the configured default (0 there
// means unlimited).
func (l Limits) Quota(o Owner) (limit int, ok bool) {
	switch {
	case o.MaxSchedules != nil:
		return int(*o.MaxSchedules), true
	case o.Admin || l.MaxSchedulesPerUser <= 0:
		return 0, false
	}
	return l.MaxSchedulesPerUser, true
}

// CheckQuota refuses one more schedule for an owner who has have.
func (l Limits) CheckQuota(o Owner, have int) error {
	limit, ok := l.Quota(o)
	if !ok || have < limit {
		return nil
	}
	return &Error{Kind: KindQuota,
		Msg: fmt.Sprintf("schedule quota reached: you have %d schedules and may have at most %d; delete one first", have, limit)}
}

// QuotaExceeded says why a stored schedule is beyond its owner's quota ("" if
// it is not): older is how many of the owner's schedules are older than it,
// so an owner over quota keeps their first schedules.
func (l Limits) QuotaExceeded(o Owner, older int) string {
	limit, ok := l.Quota(o)
	if !ok || older < limit {
		return ""
	}
	return fmt.Sprintf("beyond the owner's schedule quota of %d", limit)
}
