package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrToolMissing means a PostgreSQL client program (pg_dump, pg_restore) was
// not found or could not be run.
var ErrToolMissing = errors.New("PostgreSQL client tool not found")

// ErrToolTooOld means the client program's major version is older than the
// server's: pg_dump refuses to dump a newer server.
var ErrToolTooOld = errors.New("PostgreSQL client tool older than the server")

// pgLibDir holds Debian/Ubuntu's versioned client binaries: <pgLibDir>/<major>/bin.
const pgLibDir = "/usr/lib/postgresql"

// toolError carries a message written for the operator and a sentinel for
// callers to branch on.
type toolError struct {
	msg      string
	sentinel error
}

func (e *toolError) Error() string { return e.msg }
func (e *toolError) Unwrap() error { return e.sentinel }

// FindTool locates the PostgreSQL client program name (e.g. "pg_dump") whose
// major version is at least serverMajor (0: any version). A name containing a
// path separator is used as is; a bare name is looked up in PATH, then in
// /usr/lib/postgresql/<serverMajor>/bin, then in the newer versioned
// directories there. It returns the path and the tool's major version; the
// error wraps ErrToolMissing or ErrToolTooOld.
func FindTool(ctx context.Context, name string, serverMajor int) (path string, major int, err error) {
	base := filepath.Base(name)
	install := "postgresql-client"
	if serverMajor > 0 {
		install = fmt.Sprintf("postgresql-client-%d", serverMajor)
	}
	var candidates []string
	explicit := strings.ContainsRune(name, os.PathSeparator) || strings.ContainsRune(name, '/')
	if explicit {
		candidates = []string{name}
	} else {
		if p, err := exec.LookPath(name); err == nil {
			candidates = append(candidates, p)
		}
		candidates = append(candidates, libCandidates(name, serverMajor)...)
	}

	var (
		bestPath  string
		bestMajor = -1
		runErr    error
	)
	seen := map[string]bool{}
	for _, c := range candidates {
		if seen[c] {
			continue
		}
		seen[c] = true
		if _, err := os.Stat(c); err != nil {
			continue
		}
		m, err := toolMajor(ctx, c)
		if err != nil {
			if ctx.Err() != nil {
				return "", 0, fmt.Errorf("find %s: %w", base, ctx.Err())
			}
			runErr = err
			continue
		}
		if m >= serverMajor {
			return c, m, nil
		}
		if m > bestMajor {
			bestPath, bestMajor = c, m
		}
	}

	if bestMajor >= 0 {
		msg := fmt.Sprintf("%s %d is older than the server (%d): ", base, bestMajor, serverMajor)
		if base == "pg_dump" {
			msg += "pg_dump refuses to dump a newer server; "
		}
		msg += fmt.Sprintf("install %s (found %s)", install, bestPath)
		return "", bestMajor, &toolError{msg: msg, sentinel: ErrToolTooOld}
	}
	var msg string
	if explicit {
		msg = fmt.Sprintf("%s not found at %s: install the PostgreSQL client (e.g. apt-get install %s) or set the %s path in the configuration to an existing program",
			base, name, install, base)
	} else {
		searched := "PATH"
		if serverMajor > 0 {
			searched += ", " + filepath.Join(pgLibDir, strconv.Itoa(serverMajor), "bin")
		}
		msg = fmt.Sprintf("%s not found: install the PostgreSQL client (e.g. apt-get install %s) or set the %s path in the configuration (searched %s)",
			base, install, base, searched)
	}
	if runErr != nil {
		msg += fmt.Sprintf(" (a candidate failed to run: %v)", runErr)
	}
	return "", 0, &toolError{msg: msg, sentinel: ErrToolMissing}
}

// libCandidates lists /usr/lib/postgresql/<major>/bin/name for the server's
// major version first, then for each newer installed version, oldest first (a
// newer pg_dump can dump an older server).
func libCandidates(name string, serverMajor int) []string {
	var out []string
	if serverMajor > 0 {
		out = append(out, filepath.Join(pgLibDir, strconv.Itoa(serverMajor), "bin", name))
	}
	entries, err := os.ReadDir(pgLibDir)
	if err != nil {
		return out
	}
	var majors []int
	for _, e := range entries {
		if m, err := strconv.Atoi(e.Name()); err == nil && m > serverMajor {
			majors = append(majors, m)
		}
	}
	sort.Ints(majors)
	for _, m := range majors {
		out = append(out, filepath.Join(pgLibDir, strconv.Itoa(m), "bin", name))
	}
	return out
}

// toolMajor runs `path --version` and returns its major version.
func toolMajor(ctx context.Context, path string) (int, error) {
	_, major, err := toolVersion(ctx, path)
	return major, err
}

// toolVersion runs `path --version` and returns the version text after the
// program name (e.g. "15.20 (Debian 15.20-0+deb12u1)") and its major version.
func toolVersion(ctx context.Context, path string) (string, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "--version")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		return "", 0, fmt.Errorf("run %s --version: %w%s", path, err, stderrSuffix(stderr.Bytes()))
	}
	v, major, err := parseVersion(string(out))
	if err != nil {
		return "", 0, fmt.Errorf("%s --version: %w", path, err)
	}
	return v, major, nil
}

// versionRE matches "pg_dump (PostgreSQL) 15.20 (Debian ...)", "16beta1", "9.6.24".
var versionRE = regexp.MustCompile(`^\S+ \([^)]*\) ((\d+)\S*.*)$`)

// parseVersion reads the first line of a client program's --version output
// and returns the version text and its major version. Before PostgreSQL 10 the
// major version was two numbers (9.6); it is reported as 9, which compares
// correctly with any server since 10.
func parseVersion(out string) (string, int, error) {
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	line = strings.TrimSpace(line)
	m := versionRE.FindStringSubmatch(line)
	if m == nil {
		return "", 0, fmt.Errorf("unrecognised version output %q", line)
	}
	major, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, fmt.Errorf("unrecognised version output %q: %w", line, err)
	}
	return m[1], major, nil
}

// serverMajor turns server_version_num (150020, 90624) into a major version
// (15, 9).
func serverMajor(versionNum string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(versionNum))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("unrecognised server_version_num %q", versionNum)
	}
	return n / 10000, nil
}

// stderrSuffix formats the tail of a program's stderr for an error message.
func stderrSuffix(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return ""
	}
	const maxLen = 2000
	if len(s) > maxLen {
		s = "…" + s[len(s)-maxLen:]
	}
	return ": " + s
}
