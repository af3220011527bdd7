package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/schedule"
	"github.com/vigilhq/vigil/schemas"
)

const schedulesUsage = `Usage: vigil schedules <action> [flags]

Actions:
  preview --cron EXPR [--tz ZONE] [--n 10]   next fire times (no database needed)
  list                                       every schedule with its state
  trigger ID [--force]                       run now (respects the overlap policy unless --force)
  backfill ID --from T --to T [--dry-run]    run every past fire in [from, to] that has no run
  pause ID [--note TEXT]                     stop firing, with a note
  resume ID                                  fire again, planned from now`

func cmdSchedules(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, schedulesUsage)
		return errHelp
	}
	action, args := args[0], args[1:]
	switch action {
	case "preview":
		return schedulesPreview(e, args)
	case "list", "trigger", "backfill", "pause", "resume":
		return schedulesOp(ctx, e, action, args)
	}
	fmt.Fprintln(e.stderr, schedulesUsage)
	return fmt.Errorf("unknown action %q", action)
}

func schedulesPreview(e *env, args []string) error {
	fs := newFlags(e, "schedules preview", "--cron EXPR [--tz ZONE] [--n N]", "Prints the next fire times in the zone and in UTC, flagging DST moves.")
	expr := fs.String("cron", "", "cron expression (5 or 6 fields, or @daily etc.)")
	tz := fs.String("tz", "UTC", "IANA time zone")
	n := fs.Int("n", 10, "how many fires")
	gap := fs.String("dst-gap", "shift", "spring-forward policy: shift or skip")
	fold := fs.String("dst-fold", "first", "fall-back policy: first or both")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *expr == "" {
		return errors.New("--cron is required")
	}
	if *n < 1 || *n > 1000 {
		return errors.New("--n: must be between 1 and 1000")
	}
	s, err := schedule.Parse(*expr, *tz, schedule.Options{Gap: schedule.GapPolicy(*gap), Fold: schedule.FoldPolicy(*fold)})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "LOCAL (%s)\tUTC\tNOTE\n", s.Location())
	for _, f := range s.Preview(time.Now(), *n) {
		note := ""
		switch {
		case f.Shifted:
			note = "DST gap: " + f.Nominal + " does not exist, moved"
		case f.Fold:
			note = "DST fold: repeated hour"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Local.Format("2006-01-02 15:04:05 MST"), f.At.UTC().Format(time.RFC3339), note)
	}
	return tw.Flush()
}

// ops is what the operating actions need: the pool, an insert-only River
// client and an enqueuer.
type ops struct {
	pool   *pgxpool.Pool
	client *jobs.Client
	enq    *jobs.Enqueuer
}

func newOps(ctx context.Context, e *env, c common) (*ops, error) {
	cfg, err := c.load()
	if err != nil {
		return nil, err
	}
	log := newLogger(e.stderr, cfg, "vigil")
	pool, err := openDB(ctx, cfg, log, false)
	if err != nil {
		return nil, err
	}
	if err := requireMigrated(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	client, err := jobs.NewClient(jobs.Deps{Pool: pool, Config: cfg, Logger: log})
	if err != nil {
		pool.Close()
		return nil, err
	}
	v, err := schemas.New()
	if err != nil {
		pool.Close()
		return nil, err
	}
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerOpts{Pool: pool, Client: client.Client, Config: cfg, Validator: v, Logger: log, Kinds: client.Kinds})
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &ops{pool: pool, client: client, enq: enq}, nil
}

func idArg(pos []string) (int32, error) {
	if len(pos) != 1 {
		return 0, errors.New("expected one schedule id")
	}
	id, err := strconv.ParseInt(pos[0], 10, 32)
	if err != nil || id < 1 {
		return 0, fmt.Errorf("schedule id %q: must be a positive integer", pos[0])
	}
	return int32(id), nil
}

func schedulesOp(ctx context.Context, e *env, action string, args []string) error {
	var c common
	fs := newFlags(e, "schedules "+action, "[ID] [flags]", schedulesUsage)
	c.register(fs)
	force := fs.Bool("force", false, "trigger: run even if the overlap policy would refuse")
	from := fs.String("from", "", "backfill: start of the range (RFC 3339)")
	to := fs.String("to", "", "backfill: end of the range (RFC 3339)")
	dry := fs.Bool("dry-run", false, "backfill: list the fires without running them")
	note := fs.String("note", "paused by an operator", "pause: why")
	// Accept the id before or after the flags.
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	o, err := newOps(ctx, e, c)
	if err != nil {
		return err
	}
	defer o.pool.Close()
	q := dbsqlc.New()
	if action == "list" {
		return schedulesList(ctx, e, o.pool)
	}
	id, err := idArg(pos)
	if err != nil {
		return err
	}
	audit := func(act string, details any) error {
		b, _ := json.Marshal(details)
		return q.AuditLogInsert(ctx, o.pool, dbsqlc.AuditLogInsertParams{Action: act, EntityType: "schedule",
			EntityID: fmt.Sprint(id), Details: b})
	}
	switch action {
	case "trigger":
		runID, err := o.enq.Trigger(ctx, id, *force)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "run %d enqueued\n", runID)
		return audit("schedule.trigger", map[string]any{"run_id": runID, "force": *force, "via": "cli"})
	case "backfill":
		f, err := time.Parse(time.RFC3339, *from)
		if err != nil {
			return fmt.Errorf("--from: %q is not an RFC 3339 time (e.g. 2027-01-02T15:04:05Z)", *from)
		}
		t, err := time.Parse(time.RFC3339, *to)
		if err != nil {
			return fmt.Errorf("--to: %q is not an RFC 3339 time (e.g. 2027-01-02T15:04:05Z)", *to)
		}
		fires, err := o.enq.Backfill(ctx, id, f, t, *dry)
		if err != nil {
			return err
		}
		n := 0
		for _, bf := range fires {
			state := "would run"
			switch {
			case bf.Existing != "":
				state = "has a run (" + bf.Existing + ")"
			case bf.Enqueued:
				state, n = "enqueued", n+1
			}
			fmt.Fprintf(e.stdout, "%s  %s\n", bf.At.UTC().Format(time.RFC3339), state)
		}
		fmt.Fprintf(e.stdout, "%d fires, %d enqueued\n", len(fires), n)
		if *dry {
			return nil
		}
		return audit("schedule.backfill", map[string]any{"from": f, "to": t, "enqueued": n, "via": "cli"})
	case "pause":
		if _, err := q.SchedulePause(ctx, o.pool, dbsqlc.SchedulePauseParams{ID: id, Note: note}); err != nil {
			return fmt.Errorf("pause schedule %d: %w", id, db.Translate(err))
		}
		fmt.Fprintf(e.stdout, "schedule %d paused: %s\n", id, *note)
		return audit("schedule.pause", map[string]any{"note": *note, "via": "cli"})
	case "resume":
		if _, err := q.ScheduleResume(ctx, o.pool, id); err != nil {
			return fmt.Errorf("resume schedule %d: %w", id, db.Translate(err))
		}
		fmt.Fprintf(e.stdout, "schedule %d resumed\n", id)
		return audit("schedule.resume", map[string]any{"via": "cli"})
	}
	return nil
}

func schedulesList(ctx context.Context, e *env, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, `SELECT id, user_id, name, job_type, cron, timezone, enabled, next_run_at,
		COALESCE(disabled_reason, paused_note, wait_reason, '') FROM job_schedules ORDER BY id`)
	if err != nil {
		return fmt.Errorf("list schedules: %w", err)
	}
	type row struct {
		id, user                    int64
		name, jt, cron, tz, problem string
		enabled                     bool
		next                        *time.Time
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.user, &x.name, &x.jt, &x.cron, &x.tz, &x.enabled, &x.next, &x.problem)
		return x, err
	})
	if err != nil {
		return fmt.Errorf("list schedules: %w", err)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tTYPE\tCRON\tZONE\tENABLED\tNEXT RUN\tNOTE")
	for _, x := range list {
		next := "-"
		if x.next != nil {
			next = x.next.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%t\t%s\t%s\n", x.id, x.user, x.name, x.jt, x.cron, x.tz, x.enabled, next, x.problem)
	}
	return tw.Flush()
}
