package dbtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PgBouncerPath is where Debian's pgbouncer package puts the binary;
// PGBOUNCER overrides it.
const PgBouncerPath = "/usr/sbin/pgbouncer"

var (
	bouncerOnce sync.Once
	bouncerAddr string
	bouncerErr  error
)

// PgBouncer returns url (a database of ServerURL's server, e.g. DB.URL)
// rewritten to go through a PgBouncer in transaction pooling mode with two
// server connections per database, so that consecutive transactions of one
// client land on different server connections. One PgBouncer serves the test
// binary; it is started on first use (as the postgres user when the test
// runs as root, since PgBouncer refuses to run as root) and runs until the
// binary exits (the kernel kills it then: Pdeathsig on Linux).
// Without a pgbouncer binary the test is skipped, except under CI (CI set),
// where it fails: .ci/run installs Debian's pgbouncer.
func PgBouncer(t testing.TB, url string) string {
	t.Helper()
	bin := os.Getenv("PGBOUNCER")
	if bin == "" {
		bin = PgBouncerPath
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pgbouncer not found at %s (apt-get install pgbouncer): %v", bin, err)
		}
		t.Skipf("pgbouncer not found at %s (apt-get install pgbouncer); set PGBOUNCER", bin)
	}
	bouncerOnce.Do(func() { bouncerAddr, bouncerErr = startPgBouncer(bin) })
	if bouncerErr != nil {
		t.Fatalf("start pgbouncer: %v", bouncerErr)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatalf("parse %q: %v", url, err)
	}
	host, port, _ := net.SplitHostPort(bouncerAddr)
	userName := cfg.User
	if userName == "" {
		userName = "postgres"
	}
	return fmt.Sprintf("postgres://%s@%s:%s/%s?sslmode=disable", userName, host, port, cfg.Database)
}

// startPgBouncer writes a configuration for the test server (every database,
// trust authentication for the usual test users) and starts pgbouncer on a
// free loopback port. It runs until the test binary exits (pgbouncer watches
// nothing of ours, so the process is killed by the kernel's parent-death
// signal where available, and its directory is in the temp dir).
func startPgBouncer(bin string) (string, error) {
	server, err := pgx.ParseConfig(ServerURL())
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "vigil-pgbouncer-")
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	users := []string{"postgres", "root", server.User}
	var auth strings.Builder
	for _, u := range users {
		if u != "" {
			fmt.Fprintf(&auth, "%q \"\"\n", u)
		}
	}
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%d

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = 2
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
server_reset_query =
logfile = %s
pidfile = %s
`, server.Host, server.Port, port, filepath.Join(dir, "users.txt"), filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
	if err := os.WriteFile(filepath.Join(dir, "users.txt"), []byte(auth.String()), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "pgbouncer.ini"), []byte(ini), 0o644); err != nil {
		return "", err
	}
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			return "", fmt.Errorf("pgbouncer refuses to run as root and there is no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return "", err
		}
		setCredential(cmd, uint32(uid), uint32(gid))
	}
	setParentDeath(cmd)
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("%s: %w", bin, err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return addr, nil
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
	_ = cmd.Process.Kill()
	return "", fmt.Errorf("pgbouncer did not listen on %s: %s", addr, log)
}
