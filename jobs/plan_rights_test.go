package jobs

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Rows written with psql get the rules the API and the bot apply: the
// scheduler disables a row its owner may not have, with the reason, audits
// it, and never fires it.
func TestPlanAppliesOwnerRights(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noStart: true})
	user := func(admin bool, maxSchedules *int32) int64 {
		var id int64
		require.NoError(t, b.pool.QueryRow(b.ctx, "INSERT INTO users (name, is_admin, max_schedules) VALUES ('u', $1, $2) RETURNING id",
			admin, maxSchedules).Scan(&id))
		return id
	}
	insert := func(owner int64, jobType, params, cron string) int32 {
		var id int32
		require.NoError(t, b.pool.QueryRow(b.ctx, `INSERT INTO job_schedules (user_id, name, job_type, target, task_params, cron)
			VALUES ($1, 'psql', $2, '', $3, $4) RETURNING id`, owner, jobType, params, cron).Scan(&id))
		return id
	}
	plain, other, admin := user(false, nil), user(false, nil), user(true, nil)
	one := int32(1)
	limited := user(true, &one) // a personal limit binds an admin too

	backup := insert(plain, config.JobBackup, `{}`, "0 3 * * *")
	adminBackup := insert(admin, config.JobBackup, `{}`, "0 3 * * *")
	notifyOther := insert(plain, config.JobNotification, `{"user_id": `+itoa(other)+`, "message": "hi"}`, "0 9 * * *")
	first := insert(limited, config.JobReport, `{"report_type":"daily_summary"}`, "0 9 * * *")
	second := insert(limited, config.JobReport, `{"report_type":"daily_summary"}`, "0 9 * * *")

	t0 := time.Date(2027, 5, 3, 12, 0, 0, 0, time.UTC)
	b.tickAt(t, t0)
	get := func(id int32) dbsqlc.JobSchedule {
		s, err := dbsqlc.New().ScheduleGetByID(b.ctx, b.pool, id)
		require.NoError(t, err)
		return s
	}
	for id, want := range map[int32]string{
		backup:      "backup schedules are for admins",
		notifyOther: "may only notify its owner",
		second:      "beyond the owner's schedule quota of 1",
	} {
		s := get(id)
		require.False(t, s.Enabled, "schedule %d disabled", id)
		require.NotNil(t, s.DisabledReason)
		require.Contains(t, *s.DisabledReason, want)
		var n int
		require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT count(*) FROM audit_log WHERE source = 'scheduler'
			AND action = 'schedule.disable' AND entity_type = 'schedule' AND entity_id = $1 AND owner_user_id = $2`,
			itoa(int64(id)), s.UserID).Scan(&n))
		require.Equal(t, 1, n, "the disable of %d is audited", id)
	}
	for _, id := range []int32{adminBackup, first} {
		s := get(id)
		require.True(t, s.Enabled, "schedule %d allowed", id)
		require.NotNil(t, s.NextRunAt)
	}

	// Days later, the disabled rows have never fired.
	b.tickAt(t, t0.Add(72*time.Hour))
	for _, id := range []int32{backup, notifyOther, second} {
		require.Empty(t, b.runs(t, id), "schedule %d never fires", id)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
