package schedules

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/schedule"
)

func i32(v int32) *int32 { return &v }

func TestQuota(t *testing.T) {
	t.Parallel()
	l := Limits{MinInterval: time.Minute, MaxSchedulesPerUser: 100}
	tests := []struct {
		name  string
		o     Owner
		limit int
		ok    bool
	}{
		{"user: the default", Owner{}, 100, true},
		{"user: a personal limit", Owner{MaxSchedules: i32(5)}, 5, true},
		{"admin: unlimited", Owner{Admin: true}, 0, false},
		{"admin: a personal limit binds", Owner{Admin: true, MaxSchedules: i32(2)}, 2, true},
		{"personal zero: nothing", Owner{MaxSchedules: i32(0)}, 0, true},
	}
	for _, tt := range tests {
		limit, ok := l.Quota(tt.o)
		require.Equal(t, tt.limit, limit, tt.name)
		require.Equal(t, tt.ok, ok, tt.name)
	}
	unlimited := Limits{MaxSchedulesPerUser: 0}
	_, ok := unlimited.Quota(Owner{})
	require.False(t, ok, "max_schedules_per_user 0 means no default limit")

	require.NoError(t, l.CheckQuota(Owner{}, 99))
	err := l.CheckQuota(Owner{}, 100)
	e, isErr := AsError(err)
	require.True(t, isErr)
	require.Equal(t, KindQuota, e.Kind)
	require.Contains(t, e.Msg, "at most 100")

	require.Empty(t, l.QuotaExceeded(Owner{MaxSchedules: i32(1)}, 0), "the first schedule stays")
	require.Contains(t, l.QuotaExceeded(Owner{MaxSchedules: i32(1)}, 1), "quota of 1")
}

func TestCheckRights(t *testing.T) {
	t.Parallel()
	l := Limits{MinInterval: time.Minute}
	params := json.RawMessage(`{}`)
	notify := func(uid string) json.RawMessage { return json.RawMessage(`{"user_id": ` + uid + `, "message": "x"}`) }
	tests := []struct {
		name    string
		o       Owner
		jobType string
		params  json.RawMessage
		cron    string
		field   string // "" = allowed; "cron" = a schedule.ErrNotAllowed
	}{
		{"user: daily report", Owner{ID: 1}, "report", params, "0 9 * * *", ""},
		{"user: backup", Owner{ID: 1}, "backup", params, "0 3 * * *", "job_type"},
		{"admin: backup", Owner{ID: 1, Admin: true}, "backup", params, "0 3 * * *", ""},
		{"user: per-second", Owner{ID: 1}, "report", params, "* * * * * *", "cron"},
		{"admin: per-second", Owner{ID: 1, Admin: true}, "report", params, "* * * * * *", ""},
		{"user: under the default interval", Owner{ID: 1}, "report", params, "* * * * *", ""},
		{"user: under a personal interval", Owner{ID: 1, MinIntervalSeconds: i32(3600)}, "report", params, "*/5 * * * *", "cron"},
		{"user: notify self", Owner{ID: 7}, "notification", notify("7"), "0 9 * * *", ""},
		{"user: notify another", Owner{ID: 7}, "notification", notify("8"), "0 9 * * *", "task_params/user_id"},
		{"admin: notify another", Owner{ID: 7, Admin: true}, "notification", notify("8"), "0 9 * * *", ""},
	}
	for _, tt := range tests {
		err := l.CheckRights(tt.o, tt.jobType, tt.params, tt.cron, "UTC")
		switch tt.field {
		case "":
			require.NoError(t, err, tt.name)
		case "cron":
			require.True(t, errors.Is(err, schedule.ErrNotAllowed), "%s: %v", tt.name, err)
		default:
			e, ok := AsError(err)
			require.True(t, ok, "%s: %v", tt.name, err)
			require.Equal(t, KindForbidden, e.Kind, tt.name)
			require.Equal(t, tt.field, e.Field, tt.name)
		}
	}
}
