package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vigilhq/vigil/backup"
	"github.com/vigilhq/vigil/db"
)

const backupUsage = `Usage: vigil backup <action> [flags]

Actions:
  dump [--dir DIR] [--retention N]            pg_dump (custom format) of the database; prints file, size, sha256
  restore FILE [--sha256 SUM]                 pg_restore FILE into the (empty) database of --database-url`

func cmdBackup(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, backupUsage)
		return errHelp
	}
	action, args := args[0], args[1:]
	var c common
	fs := newFlags(e, "backup "+action, "[flags]", backupUsage)
	c.register(fs)
	dir := fs.String("dir", "", "dump: directory (default backup_directory, VIGIL_BACKUP_DIR)")
	retention := fs.Int("retention", 0, "dump: keep the newest N dumps (default 7)")
	sum := fs.String("sha256", "", "restore: check the file's SHA-256 first")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	url := cmp.Or(cfg.DatabaseURL, db.DevURL)
	switch action {
	case "dump":
		res, err := backup.Dump(ctx, backup.Options{DatabaseURL: url, Directory: cmp.Or(*dir, cfg.BackupDirectory), Retention: *retention})
		if err != nil && !errors.Is(err, backup.ErrPrune) {
			return err
		}
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintln(e.stdout, string(out))
		return err
	case "restore":
		if len(pos) != 1 {
			return errors.New("restore: expected one backup file")
		}
		if err := backup.Restore(ctx, pos[0], url, backup.RestoreOptions{SHA256: *sum}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "restored %s into %s; check it with `vigil test-db`\n", pos[0], db.Redact(url))
		return nil
	}
	fmt.Fprintln(e.stderr, backupUsage)
	return fmt.Errorf("unknown action %q", action)
}
