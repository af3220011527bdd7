package config

// The shipped configuration files list every setting at its default:
// config/scheduler/scheduler.json (the design's main config path) and
// deploy/systemd/vigil.env.example (the EnvironmentFile of the systemd units).
// These tests fail when a setting is added to Table without them, or a
// default changes in one place only. Rewrite both files from Table with
//
//	go test ./config -run TestShipped -update

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the shipped config files from Table")

// Paths relative to this package's directory, where go test runs.
const (
	shippedJSON = "scheduler/scheduler.json"
	shippedEnv  = "../deploy/systemd/vigil.env.example"
	unitsDir    = "../deploy/systemd"
)

// envOverrides are the variables vigil.env.example sets to a value other than
// the default: what a systemd deployment needs. Every other variable is a
// comment holding its default.
var envOverrides = map[string]string{
	// The local server over its Unix socket, with peer authentication as the
	// vigil OS user (docs/operations.md creates the role and database).
	"SCHEDULER_DATABASE_URL": "postgres:///vigil?host=/var/run/postgresql",
}

func TestShippedConfigFile(t *testing.T) {
	parallelUnlessUpdating(t)

	if *update {
		require.NoError(t, os.WriteFile(shippedJSON, renderJSON(t), 0o644))
	}
	data, err := os.ReadFile(shippedJSON)
	require.NoError(t, err)

	// Every key of Table is in the file, and nothing else.
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	got := map[string]any{}
	flatten("", doc, got)
	var missing, extra []string
	for _, s := range Table() {
		if _, ok := got[s.Key]; !ok {
			missing = append(missing, s.Key)
		}
	}
	for k := range got {
		if !slices.ContainsFunc(Table(), func(s Setting) bool { return s.Key == k }) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	require.Empty(t, missing, "settings missing from %s (go test ./config -run TestShipped -update)", shippedJSON)
	require.Empty(t, extra, "keys in %s that are not settings", shippedJSON)

	// Each value is the default.
	c, err := Load(shippedJSON, nil)
	require.NoError(t, err)
	def := Default()
	for _, s := range Table() {
		require.Equal(t, valueAt(t, &def, s.Key), valueAt(t, &c, s.Key),
			"%s in %s differs from its default %q", s.Key, shippedJSON, s.Default)
	}
	require.Equal(t, def, c)
	require.NoError(t, c.Validate())
}

func TestShippedEnvExample(t *testing.T) {
	parallelUnlessUpdating(t)

	unitVars := unitEnvironment(t)
	if *update {
		require.NoError(t, os.WriteFile(shippedEnv, renderEnv(unitVars), 0o644))
	}
	lines := envLines(t)

	// Every variable of Table has a line; a commented one holds the default.
	want := map[string]string{} // variable -> default
	for _, s := range settings() {
		for _, v := range s.envs {
			want[v] = s.Default
		}
	}
	for v, def := range want {
		l, ok := lines[v]
		require.True(t, ok, "%s has no line in %s (go test ./config -run TestShipped -update)", v, shippedEnv)
		if l.commented {
			require.Equal(t, def, l.value, "%s in %s differs from its default", v, shippedEnv)
		} else {
			require.Contains(t, envOverrides, v, "%s is set in %s; only %v may be", v, shippedEnv, envOverrides)
		}
	}

	// The other lines are the units' own variables, at the units' defaults.
	for v, l := range lines {
		if _, ok := want[v]; ok {
			continue
		}
		def, ok := unitVars[v]
		require.True(t, ok, "%s in %s is neither a setting nor a variable of deploy/systemd/*.service", v, shippedEnv)
		require.True(t, l.commented, "%s: leave the unit's default commented", v)
		require.Equal(t, def, l.value, "%s in %s differs from the unit's Environment=", v, shippedEnv)
	}
	for v := range unitVars {
		require.Contains(t, lines, v, "unit variable %s has no line in %s", v, shippedEnv)
	}

	// The active lines and the shipped JSON file load and validate.
	env := map[string]string{}
	for v, l := range lines {
		if !l.commented {
			env[v] = l.value
		}
	}
	c, err := Load(shippedJSON, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	require.NoError(t, c.Validate())
}

// parallelUnlessUpdating runs the test in parallel except under -update,
// where one test writes the file the other reads.
func parallelUnlessUpdating(t *testing.T) {
	if !*update {
		t.Parallel()
	}
}

// envLine is one VAR=value line of the env file, possibly commented out.
type envLine struct {
	value     string
	commented bool
}

var envLineRE = regexp.MustCompile(`^(#)?([A-Z][A-Z0-9_]*)=(.*)$`)

func envLines(t *testing.T) map[string]envLine {
	t.Helper()
	f, err := os.Open(shippedEnv)
	require.NoError(t, err)
	defer f.Close()
	out := map[string]envLine{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := envLineRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		_, dup := out[m[2]]
		require.False(t, dup, "%s appears twice in %s", m[2], shippedEnv)
		out[m[2]] = envLine{value: m[3], commented: m[1] == "#"}
	}
	require.NoError(t, sc.Err())
	return out
}

var (
	unitEnvRE = regexp.MustCompile(`(?m)^Environment=([A-Z][A-Z0-9_]*)=(.*)$`)
	unitRefRE = regexp.MustCompile(`\$\{([A-Z][A-Z0-9_]*)\}`)
)

// unitEnvironment returns the variables the systemd units set with
// Environment= (their defaults), checking that each ${VAR} a unit uses is one.
func unitEnvironment(t *testing.T) map[string]string {
	t.Helper()
	units, err := filepath.Glob(filepath.Join(unitsDir, "*.service"))
	require.NoError(t, err)
	require.NotEmpty(t, units)
	vars := map[string]string{}
	for _, u := range units {
		data, err := os.ReadFile(u)
		require.NoError(t, err)
		own := map[string]bool{}
		for _, m := range unitEnvRE.FindAllSubmatch(data, -1) {
			vars[string(m[1])] = string(m[2])
			own[string(m[1])] = true
		}
		for _, m := range unitRefRE.FindAllSubmatch(data, -1) {
			require.True(t, own[string(m[1])], "%s uses ${%s} without an Environment= default", u, m[1])
		}
		require.Contains(t, string(data), "EnvironmentFile=/etc/vigil/vigil.env", u)
	}
	return vars
}

func flatten(prefix string, v any, out map[string]any) {
	m, ok := v.(map[string]any)
	if !ok {
		out[prefix] = v
		return
	}
	for k, sub := range m {
		flatten(join(prefix, k), sub, out)
	}
}

func valueAt(t *testing.T, c *Config, key string) any {
	t.Helper()
	var out any
	require.NoError(t, visit(c, key, func(v reflect.Value) error { out = v.Interface(); return nil }))
	return out
}

// renderJSON writes Default as a JSON object with the keys in Table's order.
func renderJSON(t *testing.T) []byte {
	t.Helper()
	type node struct {
		key   string
		value any
		kids  []*node
	}
	root := &node{}
	def := Default()
	for _, s := range Table() {
		n := root
		for part := range strings.SplitSeq(s.Key, ".") {
			i := slices.IndexFunc(n.kids, func(k *node) bool { return k.key == part })
			if i < 0 {
				n.kids = append(n.kids, &node{key: part})
				i = len(n.kids) - 1
			}
			n = n.kids[i]
		}
		n.value = valueAt(t, &def, s.Key)
		if _, ok := n.value.(Duration); ok {
			n.value = s.Default // as written in Table, such as "300s"
		}
	}
	var b bytes.Buffer
	var write func(n *node, indent string)
	write = func(n *node, indent string) {
		b.WriteString("{\n")
		for i, k := range n.kids {
			key, _ := json.Marshal(k.key)
			fmt.Fprintf(&b, "%s  %s: ", indent, key)
			if k.kids != nil {
				write(k, indent+"  ")
			} else {
				v, err := json.Marshal(k.value)
				require.NoError(t, err)
				b.Write(v)
			}
			if i < len(n.kids)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	}
	write(root, "")
	b.WriteByte('\n')
	return b.Bytes()
}

// renderEnv writes vigil.env.example: every variable of Table at its default
// (commented out, except envOverrides), then the units' own variables.
func renderEnv(unitVars map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString(`# Vigil's environment for the systemd units (EnvironmentFile=/etc/vigil/vigil.env);
# the same variables go under x-vigil.environment in deploy/docker-compose.yml.
# Generated from config.Table by
#   go test ./config -run TestShipped -update
# Install:  install -m 0640 -o root -g vigil deploy/systemd/vigil.env.example /etc/vigil/vigil.env
#
# Precedence: defaults < /etc/vigil/scheduler.json < these variables < command-line flags.
# Every variable is listed once with its default, commented out: uncomment a line to
# change it. Secrets also accept <VAR>_FILE naming a file that holds the value.
# Durations take seconds (30) or Go durations (30s, 1h30m).
`)
	for _, s := range settings() {
		if len(s.envs) == 0 {
			continue // only the JSON file sets it
		}
		fmt.Fprintf(&b, "\n")
		for _, l := range wrap(s.Key+": "+s.Description, 86) {
			fmt.Fprintf(&b, "# %s\n", l)
		}
		if len(s.envs) > 1 {
			fmt.Fprintf(&b, "# (%s wins over %s.)\n", s.envs[0], strings.Join(s.envs[1:], ", "))
		}
		for _, v := range s.envs {
			if o, ok := envOverrides[v]; ok {
				d := s.Default
				if d == "" {
					d = "(empty)"
				}
				fmt.Fprintf(&b, "# Default: %s; set here for a systemd deployment.\n%s=%s\n", d, v, o)
				continue
			}
			fmt.Fprintf(&b, "#%s=%s\n", v, s.Default)
		}
	}
	b.WriteString(`
# --- The systemd units' own variables (not config keys) ---
# Listen address of each role's /health, /stats and /metrics, passed as --status-addr
# (each role needs its own port on one host; "off" turns the listener off).
`)
	names := make([]string, 0, len(unitVars))
	for v := range unitVars {
		names = append(names, v)
	}
	sort.Strings(names)
	for _, v := range names {
		fmt.Fprintf(&b, "#%s=%s\n", v, unitVars[v])
	}
	return b.Bytes()
}

// wrap splits s into lines of at most width bytes at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
