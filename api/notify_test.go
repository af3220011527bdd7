package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestNotify(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})
	admin := b.user("root", userOpts{admin: true})

	r := b.do(http.MethodPost, "/api/notify", u.token, map[string]any{"user_id": u.id, "message": "hello", "priority": "urgent"})
	out := b.must(http.StatusAccepted, r)
	require.Equal(t, "queued", out["status"])
	require.Len(t, out, 2, "the design's shape: status and message_id")
	msgID, err := uuid.Parse(out["message_id"].(string))
	require.NoError(t, err)

	var args []byte
	var queue string
	var priority, maxAttempts int
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT args, queue, priority, max_attempts FROM river_job WHERE kind = 'notification'`).
		Scan(&args, &queue, &priority, &maxAttempts))
	var a map[string]any
	require.NoError(t, json.Unmarshal(args, &a))
	require.Equal(t, msgID.String(), a["message_id"])
	require.Equal(t, float64(u.id), a["user_id"])
	require.Equal(t, "hello", a["message"])
	require.Equal(t, "alert", a["notification_type"], "the design's default")
	require.Equal(t, "notification", queue)
	require.Equal(t, 1, priority, "urgent goes first")
	require.Equal(t, b.cfg.Job("notification").RetryAttempts+1, maxAttempts)
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE action = 'notification.queue' AND entity_id = $1", msgID.String()))

	// The design's other path.
	b.must(http.StatusAccepted, b.do(http.MethodPost, "/api/notifications", u.token,
		map[string]any{"user_id": u.id, "message": "report ready", "notification_type": "report"}))

	// Only yourself, unless admin.
	r = b.do(http.MethodPost, "/api/notify", u.token, map[string]any{"user_id": other.id, "message": "spam"})
	require.Equal(t, http.StatusForbidden, r.status, string(r.raw))
	require.Equal(t, []string{"body.user_id"}, r.errLocations(t))
	b.must(http.StatusAccepted, b.do(http.MethodPost, "/api/notify", admin.token, map[string]any{"user_id": other.id, "message": "maintenance"}))
	r = b.do(http.MethodPost, "/api/notify", admin.token, map[string]any{"user_id": 999999, "message": "nobody"})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.user_id"}, r.errLocations(t))

	for _, body := range []any{
		map[string]any{"user_id": u.id, "message": "x", "priority": "whenever"},
		map[string]any{"user_id": u.id, "message": "x", "notification_type": "gossip"},
		map[string]any{"user_id": u.id, "message": ""},
		map[string]any{"user_id": u.id},
		map[string]any{"user_id": u.id, "message": "x", "extra": true},
	} {
		r := b.do(http.MethodPost, "/api/notify", u.token, body)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	}
	require.Equal(t, http.StatusBadRequest, b.do(http.MethodPost, "/api/notify", u.token, `{"user_id":`).status)
	require.Equal(t, 3, b.count("SELECT count(*) FROM river_job WHERE kind = 'notification'"))
}
