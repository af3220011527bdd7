package jobs

import (
	"testing"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
)

// Register adds one worker per kind: a second registration of a kind is an
// error (never skipped by matching its text); a kind in Replaced is left to
// the caller; a working client without the managers its workers read is
// refused, naming each missing one.
func TestRegister(t *testing.T) {
	t.Parallel()
	cfg := testConfig()

	t.Run("InsertOnly", func(t *testing.T) {
		t.Parallel()
		w := river.NewWorkers()
		require.NoError(t, Register(w, Deps{Config: cfg}), "an insert-only client needs no managers")
		// Every kind has its worker now: adding any again fails.
		for kind, err := range map[string]error{
			config.JobNotification:    river.AddWorkerSafely(w, &NotifyWorker{}),
			config.JobAlert:           river.AddWorkerSafely(w, &AlertWorker{}),
			config.JobScreener:        river.AddWorkerSafely(w, &ScreenerWorker{}),
			config.JobReport:          river.AddWorkerSafely(w, &ReportWorker{}),
			config.JobDataProcessing:  river.AddWorkerSafely(w, &DataProcessingWorker{}),
			config.JobBackup:          river.AddWorkerSafely(w, &BackupWorker{}),
			KindTradingView:           river.AddWorkerSafely(w, &TradingViewWorker{}),
			KindAlertDigest:           river.AddWorkerSafely(w, &AlertDigestWorker{}),
			RunRetentionArgs{}.Kind(): river.AddWorkerSafely(w, &RunRetentionWorker{}),
			RunReconcileArgs{}.Kind(): river.AddWorkerSafely(w, &RunReconcileWorker{}),
		} {
			require.Error(t, err, "%s is registered", kind)
		}
		err := Register(w, Deps{Config: cfg})
		require.ErrorContains(t, err, `register the notification worker: worker for kind "notification"`)
		require.ErrorContains(t, err, `register the backup worker`)
	})

	t.Run("Replaced", func(t *testing.T) {
		t.Parallel()
		w := river.NewWorkers()
		river.AddWorker(w, &testReportWorker{})
		require.NoError(t, Register(w, Deps{Config: cfg, Replaced: []string{config.JobReport}}))
		require.Error(t, river.AddWorkerSafely(w, &ReportWorker{}), "the caller's worker stays")
		w2 := river.NewWorkers()
		river.AddWorker(w2, &testReportWorker{})
		require.ErrorContains(t, Register(w2, Deps{Config: cfg}), `register the report worker: worker for kind "report"`,
			"a kind the caller registered but did not list in Replaced is a conflict")
	})

	t.Run("WorkNeedsManagers", func(t *testing.T) {
		t.Parallel()
		err := Register(river.NewWorkers(), Deps{Config: cfg, Work: true})
		require.ErrorContains(t, err, "Deps.Market")
		require.ErrorContains(t, err, "Deps.Sources")
		require.ErrorContains(t, err, "Deps.Fundamentals")
		_, err = NewClient(Deps{Config: cfg, Work: true})
		require.ErrorContains(t, err, "the market-data manager (Deps.Market) is required by the alert, screener and report workers")
	})
}
