package jobs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/backup"
	"github.com/vigilhq/vigil/config"
)

// A backup schedule dumps the database into its directory and records the
// file's size and checksum in the run.
func TestBackupJob(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dir := t.TempDir()
	s := b.newSchedule(t, scheduleOpts{jobType: config.JobBackup, cron: "0 3 * * *",
		params: map[string]any{"directory": dir, "retention": 2}})
	runID, err := b.enq.Trigger(b.ctx, s.ID, false)
	require.NoError(t, err)
	eventually(t, "backup completed", func() bool {
		r := b.run(t, runID)
		require.NotEqual(t, StatusFailed, r.Status, "backup failed: %v", r.Error)
		return r.Status == StatusCompleted
	})
	var res backup.Result
	require.NoError(t, json.Unmarshal(b.run(t, runID).Result, &res))
	require.Equal(t, dir, filepath.Dir(res.File))
	st, err := os.Stat(res.File)
	require.NoError(t, err)
	require.Equal(t, st.Size(), res.SizeBytes)
	require.NoError(t, backup.Verify(res.File, res.SHA256))
}
