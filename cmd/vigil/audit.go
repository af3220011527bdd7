package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/vigilhq/vigil/api"
)

const auditHelp = `Lists audit_log rows, newest first: who changed what, from where
(api, bot, cli, console, webhook, tradingbot, scheduler, worker). The filters
are those of GET /api/audit; --before ID pages (pass the last ID printed).`

func cmdAudit(ctx context.Context, e *env, args []string) error {
	var c common
	fs := newFlags(e, "audit", "[--source S] [--action A] [--entity T] [--entity-id ID] [--since T] [--until T] [--limit N] [--before ID]", auditHelp)
	c.register(fs)
	var f api.AuditFilter
	fs.StringVar(&f.Source, "source", "", "only this source")
	fs.StringVar(&f.Action, "action", "", "only this action, e.g. schedule.delete")
	fs.StringVar(&f.Entity, "entity", "", "only this entity type, e.g. schedule")
	fs.StringVar(&f.EntityID, "entity-id", "", "only this entity id")
	since := fs.String("since", "", "only rows at or after this time (RFC 3339)")
	until := fs.String("until", "", "only rows before this time (RFC 3339)")
	limit := fs.Int("limit", 50, "most rows")
	before := fs.Int64("before", 0, "only rows with a smaller id (paging)")
	if err := parse(fs, args); err != nil {
		return err
	}
	var err error
	if f.Since, err = optTime("--since", *since); err != nil {
		return err
	}
	if f.Until, err = optTime("--until", *until); err != nil {
		return err
	}
	if *limit < 1 || *limit > 10000 {
		return errors.New("--limit: must be between 1 and 10000")
	}
	if *before < 0 {
		return errors.New("--before: must be a positive id")
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, cfg, newLogger(e.stderr, cfg, "vigil"), false)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := requireMigrated(ctx, pool); err != nil {
		return err
	}
	rows, err := api.ListAudit(ctx, pool, f, *before, *limit)
	if err != nil {
		return fmt.Errorf("--source: %w", err)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT\tSOURCE\tACTOR\tOWNER\tACTION\tENTITY\tDETAILS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s %s\t%s\n", r.ID, r.CreatedAt.UTC().Format(time.RFC3339), r.Source,
			userOrDash(r.ActorUserID), userOrDash(r.OwnerUserID), r.Action, r.EntityType, r.EntityID, r.Details)
	}
	return tw.Flush()
}

func optTime(flag, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, fmt.Errorf("%s: %q is not an RFC 3339 time (e.g. 2027-01-02T15:04:05Z)", flag, v)
	}
	return t, nil
}

func userOrDash(id *int64) string {
	if id == nil {
		return "-"
	}
	return fmt.Sprint(*id)
}
