// Package backup dumps Vigil's database with pg_dump and restores it with
// pg_restore. The backup job's worker and the `vigil backup` commands call it;
// it imports pgx and the db package, never River, the API or a notifier.
//
// # Backups
//
// [Dump] writes a pg_dump custom-format archive (--format=custom --no-owner)
// named vigil-<UTC yyyymmddThhmmssZ>.dump into the configured directory
// (created 0700; files are 0600), via a temporary file that is fsynced and
// renamed, so a backup file is always complete. By default it holds the whole
// database: Vigil's tables, River's tables and goose's version table, so a
// restored database is migrated and ready. After a successful dump, the oldest
// backups beyond the retention count (default 7) are deleted; only files named
// exactly like a backup are ever deleted. The run result ([Result]) records the
// file, its size and SHA-256, the server and pg_dump versions, and what
// retention deleted.
//
// pg_dump refuses to dump a server newer than itself. [FindTool] looks for a
// pg_dump at least as new as the server: in PATH, then in
// /usr/lib/postgresql/<server major>/bin (Debian and Ubuntu install every
// version there), and fails with [ErrToolMissing] or [ErrToolTooOld] and a
// message that says which package to install. The database password is handed
// to the client programs in PGPASSWORD, never on their command line, and never
// appears in an error.
//
// A dump restricted to some tables (task_params "tables") is a data export: it
// lacks the other tables, goose's version table and River's, so it cannot be
// restored as a working Vigil database.
//
// # Restoring a backup
//
// A backup is restored into a new, empty database; restoring over a live
// database is refused ([ErrNotEmpty]). On the database server (or anywhere
// with the PostgreSQL client of the server's major version installed):
//
//  1. Pick the backup and, if you have the run's result, check it:
//     sha256sum vigil-20260102T030405Z.dump must print the result's sha256
//     ([Verify] does the same check).
//  2. Create an empty database, e.g. createdb -h HOST -U USER vigil_restored
//     (or CREATE DATABASE vigil_restored;).
//  3. Restore into it:
//     vigil backup restore /var/backups/vigil/vigil-20260102T030405Z.dump --database-url postgres://USER@HOST:5432/vigil_restored
//     This runs pg_restore --no-owner --no-privileges --exit-on-error
//     --single-transaction: objects are owned by the restoring user, and any
//     error rolls the whole restore back, leaving the database empty.
//  4. Check it: vigil test-db --database-url postgres://USER@HOST:5432/vigil_restored
//     must report the migrations current and River's tables present.
//  5. Stop Vigil, point DATABASE_URL at the restored database (or rename the
//     databases: ALTER DATABASE vigil RENAME TO vigil_old; ALTER DATABASE
//     vigil_restored RENAME TO vigil;) and start Vigil. Schedules, users and
//     run history are as they were at the time of the backup. River jobs that
//     were running at that time are rescued and retried by River.
//
// Without the vigil binary, the same restore is:
//
//	pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
//	    --dbname=postgres://USER@HOST:5432/vigil_restored vigil-20260102T030405Z.dump
//
// pg_restore must be at least as new as the pg_dump that wrote the file;
// [Restore] requires one at least as new as the target server.
package backup
