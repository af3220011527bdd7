package metrics_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/metrics"
)

const rulesFile = "../deploy/prometheus/vigil-alerts.yml"

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// exported returns the names of every metric family a Vigil process serves,
// with data in the database so that the scrape-time gauges appear.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	for _, sql := range []string{
		`INSERT INTO river_job (args, kind, max_attempts, queue, state) VALUES ('{}', 'report', 1, 'report', 'available')`,
		`INSERT INTO msg_system_health (system, component, status) VALUES ('worker', 'host-a', 'DOWN')`,
		`INSERT INTO job_schedule_runs (job_type, status, started_at) VALUES ('report', 'RUNNING', now())`,
	} {
		_, err := d.Pool.Exec(ctx, sql)
		require.NoError(t, err, sql)
	}
	m := metrics.New(d.Pool)
	m.ObserveJob("report", "failed", time.Second)
	m.ObserveFireLag(time.Second)
	m.Notification("telegram", "failed")
	m.SetJobMaxRuntime("report", 5*time.Minute)
	families, err := m.Registry.Gather()
	require.NoError(t, err)
	out := map[string]bool{}
	for _, f := range families {
		out[f.GetName()] = true
	}
	return out
}

// TestAlertingRules checks deploy/prometheus/vigil-alerts.yml: every rule is
// complete, and every Vigil metric it reads is one Vigil exports. With
// promtool on PATH it also runs promtool check rules and the rule unit tests.
func TestAlertingRules(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(rulesFile)
	require.NoError(t, err)
	var f ruleFile
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&f))
	require.NotEmpty(t, f.Groups)

	have := exported(t)
	metric := regexp.MustCompile(`\bvigil_[a-z0-9_]+`)
	names := map[string]bool{}
	alerts := map[string]bool{}
	for _, g := range f.Groups {
		require.NotEmpty(t, g.Name)
		for _, r := range g.Rules {
			require.NotEmpty(t, r.Alert)
			require.False(t, alerts[r.Alert], "alert %s defined twice", r.Alert)
			alerts[r.Alert] = true
			require.NotEmpty(t, r.Expr, r.Alert)
			require.NotEmpty(t, r.For, r.Alert)
			_, err := time.ParseDuration(r.For)
			require.NoError(t, err, r.Alert)
			require.Contains(t, []string{"critical", "warning"}, r.Labels["severity"], r.Alert)
			require.Equal(t, "vigil", r.Labels["service"], r.Alert)
			require.NotEmpty(t, r.Annotations["summary"], r.Alert)
			require.NotEmpty(t, r.Annotations["description"], r.Alert)
			require.Equal(t, strings.Count(r.Expr, "("), strings.Count(r.Expr, ")"), "%s: unbalanced parentheses", r.Alert)
			for _, name := range metric.FindAllString(r.Expr, -1) {
				family := name
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if base, ok := strings.CutSuffix(name, suffix); ok && have[base] {
						family = base
					}
				}
				require.True(t, have[family], "%s reads %s, which Vigil does not export", r.Alert, name)
				names[family] = true
			}
		}
	}
	// The six incident kinds each have a rule.
	for _, a := range []string{"VigilJobFailed", "VigilQueueBacklog", "VigilHeartbeatStale", "VigilSlowJob", "VigilFireLag", "VigilChannelFailing"} {
		require.True(t, alerts[a], "no rule %s", a)
	}
	t.Logf("%d rules over %d Vigil metrics", len(alerts), len(names))

	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Log("promtool is not on PATH: checked without it (scripts/check-deploy.sh runs it)")
		return
	}
	out, err := exec.Command(promtool, "check", "rules", rulesFile).CombinedOutput()
	require.NoError(t, err, string(out))
	out, err = exec.Command(promtool, "test", "rules", "../deploy/prometheus/vigil-alerts.test.yml").CombinedOutput()
	require.NoError(t, err, string(out))
}
