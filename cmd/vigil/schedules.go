package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/schedule"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/schemas"
)

const schedulesUsage = `Usage: vigil schedules <action> [flags]

Actions:
  preview --cron EXPR [--tz ZONE] [--n 10]   next fire times (no database needed)
  list                                       every schedule with its state
  create --user ID --name N --type T --cron EXPR [--tz ZONE] [--target S] [--params JSON] [--paused]
                                             create a schedule owned by (and checked against) user ID
  delete ID                                  delete, cancelling its pending and running runs
  trigger ID [--force]                       run now (respects the overlap policy unless --force)
  backfill ID --from T --to T [--dry-run]    run every past fire in [from, to] that has no run
  pause ID [--note TEXT]                     stop firing, with a note
  resume ID                                  fire again, planned from now

Every action but preview and list takes --user ID: act as that user (their
own schedules only, their rights and quota) instead of as the operator (every
schedule). Each change is written to audit_log with source cli.`

func cmdSchedules(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, schedulesUsage)
		return errHelp
	}
	action, args := args[0], args[1:]
	switch action {
	case "preview":
		return schedulesPreview(e, args)
	case "list", "create", "delete", "trigger", "backfill", "pause", "resume":
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
// client, an enqueuer and the schedule service.
type ops struct {
	pool   *pgxpool.Pool
	client *jobs.Client
	enq    *jobs.Enqueuer
	svc    *schedules.Service
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
	svc, err := newScheduleService(cfg, v, enq, log, false)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &ops{pool: pool, client: client, enq: enq, svc: svc}, nil
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

// scheduleFlags are the flags of the operating actions.
type scheduleFlags struct {
	user                    int64
	force, dry, paused      bool
	from, to, note          string
	name, jobType, cron, tz string
	target, params          string
}

func schedulesOp(ctx context.Context, e *env, action string, args []string) error {
	var c common
	var f scheduleFlags
	fs := newFlags(e, "schedules "+action, "[ID] [flags]", schedulesUsage)
	c.register(fs)
	fs.Int64Var(&f.user, "user", 0, "act as this user id (their schedules, rights and quota); default: the operator")
	fs.BoolVar(&f.force, "force", false, "trigger: run even if the overlap policy would refuse")
	fs.StringVar(&f.from, "from", "", "backfill: start of the range (RFC 3339)")
	fs.StringVar(&f.to, "to", "", "backfill: end of the range (RFC 3339)")
	fs.BoolVar(&f.dry, "dry-run", false, "backfill: list the fires without running them")
	fs.StringVar(&f.note, "note", "paused by an operator", "pause: why")
	fs.StringVar(&f.name, "name", "", "create: the schedule's name")
	fs.StringVar(&f.jobType, "type", "", "create: job type ("+strings.Join(config.AllJobTypes(), ", ")+")")
	fs.StringVar(&f.cron, "cron", "", "create: cron expression")
	fs.StringVar(&f.tz, "tz", "UTC", "create: IANA time zone of the cron")
	fs.StringVar(&f.target, "target", "", "create: symbol or other target")
	fs.StringVar(&f.params, "params", "{}", "create: task_params as JSON")
	fs.BoolVar(&f.paused, "paused", false, "create: store it paused")
	// Accept the id before or after the flags.
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if f.user < 0 {
		return errors.New("--user: must be a positive user id")
	}
	o, err := newOps(ctx, e, c)
	if err != nil {
		return err
	}
	defer o.pool.Close()
	if action == "list" {
		return schedulesList(ctx, e, o.pool)
	}
	a, err := cliActor(ctx, o.pool, f.user)
	if err != nil {
		return err
	}
	if action == "create" {
		return schedulesCreate(ctx, e, o, a, f)
	}
	id, err := idArg(pos)
	if err != nil {
		return err
	}
	return inTx(ctx, o.pool, func(tx pgx.Tx) error {
		switch action {
		case "delete":
			row, cancelled, err := o.svc.Delete(ctx, tx, a, id, "")
			if err != nil {
				return cliProblem(err)
			}
			fmt.Fprintf(e.stdout, "schedule %d (%s) deleted; %d open runs cancelled\n", row.ID, row.Name, cancelled)
		case "trigger":
			runID, err := o.svc.Trigger(ctx, tx, a, id, f.force)
			if err != nil {
				return cliProblem(err)
			}
			fmt.Fprintf(e.stdout, "run %d enqueued\n", runID)
		case "backfill":
			return schedulesBackfill(ctx, e, tx, o, a, id, f)
		case "pause":
			if _, err := o.svc.Pause(ctx, tx, a, id, f.note); err != nil {
				return cliProblem(err)
			}
			fmt.Fprintf(e.stdout, "schedule %d paused: %s\n", id, f.note)
		case "resume":
			if _, err := o.svc.Resume(ctx, tx, a, id); err != nil {
				return cliProblem(err)
			}
			fmt.Fprintf(e.stdout, "schedule %d resumed\n", id)
		}
		return nil
	})
}

func schedulesBackfill(ctx context.Context, e *env, tx pgx.Tx, o *ops, a schedules.Actor, id int32, f scheduleFlags) error {
	from, err := time.Parse(time.RFC3339, f.from)
	if err != nil {
		return fmt.Errorf("--from: %q is not an RFC 3339 time (e.g. 2027-01-02T15:04:05Z)", f.from)
	}
	to, err := time.Parse(time.RFC3339, f.to)
	if err != nil {
		return fmt.Errorf("--to: %q is not an RFC 3339 time (e.g. 2027-01-02T15:04:05Z)", f.to)
	}
	fires, err := o.svc.Backfill(ctx, tx, a, id, from, to, f.dry)
	if err != nil {
		return cliProblem(err)
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
	return nil
}

func schedulesCreate(ctx context.Context, e *env, o *ops, a schedules.Actor, f scheduleFlags) error {
	if a.UserID == 0 {
		return errors.New("create: --user is required (the schedule's owner, whose rights and quota apply)")
	}
	switch {
	case f.name == "":
		return errors.New("--name is required")
	case f.jobType == "":
		return errors.New("--type is required")
	case f.cron == "":
		return errors.New("--cron is required")
	case !json.Valid([]byte(f.params)):
		return fmt.Errorf("--params: %q is not JSON", f.params)
	}
	enabled := !f.paused
	d := schedules.Definition{Name: f.name, JobType: f.jobType, Target: f.target, TaskParams: json.RawMessage(f.params),
		Cron: f.cron, Timezone: f.tz, Enabled: &enabled}
	return inTx(ctx, o.pool, func(tx pgx.Tx) error {
		row, err := o.svc.Create(ctx, tx, a, d)
		if err != nil {
			return cliProblem(err)
		}
		next := "-"
		if row.NextRunAt != nil {
			next = row.NextRunAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(e.stdout, "schedule %d created for user %d; next run %s\n", row.ID, row.UserID, next)
		return nil
	})
}

// cliActor is the operator (user 0), or the given user acting on their own
// schedules with their rights.
func cliActor(ctx context.Context, pool *pgxpool.Pool, userID int64) (schedules.Actor, error) {
	if userID == 0 {
		return schedules.Operator(audit.SourceCLI), nil
	}
	u, err := dbsqlc.New().UserGetByID(ctx, pool, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return schedules.Actor{}, fmt.Errorf("--user: user %d does not exist", userID)
	}
	if err != nil {
		return schedules.Actor{}, fmt.Errorf("load user %d: %w", userID, err)
	}
	return schedules.Actor{UserID: u.ID, Name: u.Name, Source: audit.SourceCLI}, nil
}

func inTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, pool, fn)
}

// cliProblem turns a refusal of the schedule service into a message naming
// the flag at fault; other errors pass unchanged.
func cliProblem(err error) error {
	flagOf := map[string]string{"job_type": "--type", "cron": "--cron", "timezone": "--tz", "task_params": "--params",
		"task_params/user_id": "--params user_id", "name": "--name", "target": "--target", "from": "--from", "to": "--to", "user": "--user"}
	var se *schedules.Error
	if errors.As(err, &se) {
		if f, ok := flagOf[se.Field]; ok {
			return fmt.Errorf("%s: %s", f, se.Msg)
		}
		return errors.New(se.Msg)
	}
	var ce *schedule.Error
	if errors.As(err, &ce) {
		f := "--cron"
		if ce.Field == schedule.FieldTimezone {
			f = "--tz"
		}
		return fmt.Errorf("%s: %w", f, err)
	}
	var ve *schemas.ValidationError
	if errors.As(err, &ve) || errors.Is(err, schemas.ErrInvalidJSON) {
		return fmt.Errorf("--params: %w", err)
	}
	return err
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

// newScheduleService is the schedule service of this process: the rules of
// config, the job types enq fires, runs cancelled and triggered through enq.
//
// Channels chosen in alerts and notifications must be ones the deployment
// delivers on: with the local stand-ins (localStandIns, `vigil serve`'s
// bot) or configured (the CLI, a bot of its own).
func newScheduleService(cfg config.Config, v *schemas.Validator, enq *jobs.Enqueuer, log *slog.Logger, localStandIns bool) (*schedules.Service, error) {
	return schedules.New(schedules.Options{Config: cfg, Validator: v, Runs: enq, Fireable: enq.Fireable(), Logger: log,
		Channels: cfg.DeliveryChannels(localStandIns)})
}
