package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

func TestAuditCLI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	var uid int64
	require.NoError(t, d.Pool.QueryRow(ctx, "INSERT INTO users (name, status) VALUES ('ann', 'verified') RETURNING id").Scan(&uid))
	user := fmt.Sprint(uid)
	out, errOut, code := vigil(ctx, t, nil, "schedules", "create", "--database-url", d.URL, "--user", user,
		"--name", "daily", "--type", "report", "--cron", "0 9 * * *", "--params", `{"report_type":"daily_summary"}`)
	require.Zero(t, code, errOut)
	var sid int64
	_, err := fmt.Sscanf(out, "schedule %d created", &sid)
	require.NoError(t, err, out)
	_, errOut, code = vigil(ctx, t, nil, "schedules", "pause", fmt.Sprint(sid), "--database-url", d.URL, "--note", "holiday")
	require.Zero(t, code, errOut)
	_, errOut, code = vigil(ctx, t, nil, "schedules", "delete", fmt.Sprint(sid), "--database-url", d.URL, "--user", user)
	require.Zero(t, code, errOut)

	out, errOut, code = vigil(ctx, t, nil, "audit", "--database-url", d.URL, "--source", "cli", "--entity", "schedule")
	require.Zero(t, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4, out) // header + delete, pause, create
	require.Contains(t, lines[1], "schedule.delete")
	require.Contains(t, lines[1], user) // acting as ann
	require.Contains(t, lines[2], "schedule.pause")
	require.Contains(t, lines[2], "holiday")
	require.Contains(t, lines[3], "schedule.create")

	out, _, code = vigil(ctx, t, nil, "audit", "--database-url", d.URL, "--action", "schedule.pause", "--limit", "1")
	require.Zero(t, code)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 2, out)

	_, errOut, code = vigil(ctx, t, nil, "audit", "--database-url", d.URL, "--since", "yesterday")
	require.NotZero(t, code)
	require.Contains(t, errOut, "--since")
	_, errOut, code = vigil(ctx, t, nil, "audit", "--database-url", d.URL, "--source", "fax")
	require.NotZero(t, code)
	require.Contains(t, errOut, "--source")

	// Acting as a user who does not own it, delete finds nothing.
	_, errOut, code = vigil(ctx, t, nil, "schedules", "delete", "999999", "--database-url", d.URL, "--user", user)
	require.NotZero(t, code)
	require.Contains(t, errOut, "not found")
	_, errOut, code = vigil(ctx, t, nil, "schedules", "create", "--database-url", d.URL, "--name", "x", "--type", "report", "--cron", "0 9 * * *")
	require.NotZero(t, code)
	require.Contains(t, errOut, "--user is required")
}
