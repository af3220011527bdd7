package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
)

func cmdRuns(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "cancel" {
		fmt.Fprintln(e.stdout, "Usage: vigil runs cancel RUN_ID [--reason TEXT]")
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
			return errHelp
		}
		return fmt.Errorf("unknown runs action %q", args[0])
	}
	var c common
	fs := newFlags(e, "runs cancel", "RUN_ID [--reason TEXT]", "Cancels a pending or running run and its River job.")
	c.register(fs)
	reason := fs.String("reason", "cancelled by an operator", "recorded on the run")
	args = args[1:]
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("expected one run id")
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id < 1 {
		return fmt.Errorf("run id %q: must be a positive integer", pos[0])
	}
	o, err := newOps(ctx, e, c)
	if err != nil {
		return err
	}
	defer o.pool.Close()
	var run dbsqlc.JobScheduleRun
	err = pgx.BeginFunc(ctx, o.pool, func(tx pgx.Tx) error {
		var err error
		run, err = jobs.CancelRun(ctx, tx, o.client.Client, id, *reason)
		if err != nil {
			return fmt.Errorf("%w (only PENDING or RUNNING runs can be cancelled)", err)
		}
		var owner int64
		if run.UserID != nil {
			owner = *run.UserID
		}
		return audit.Write(ctx, tx, audit.Entry{Owner: owner, Source: audit.SourceCLI, Action: "run.cancel", EntityType: "run",
			EntityID: id, Details: map[string]any{"reason": *reason}})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "run %d cancelled\n", run.ID)
	return nil
}
