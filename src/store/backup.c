/*
 * backup.c - a copy of a SQLite deployment taken while it runs, and putting
 * one back.
 *
 * The copy is SQLite's online backup in a single step: every page is read
 * inside one read transaction, so the copy is the database as it was at
 * one moment, and the servers go on writing meanwhile (WAL).  The copy is
 * then opened and checked (integrity_check, its schema version, its counts)
 * before it is called good.
 *
 * Putting a copy back needs the servers stopped: the target is opened in
 * exclusive locking mode, which SQLite refuses while any other connection
 * has the database open, and only then replaced, by a rename, so that a
 * crash half-way leaves either the old database or the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "store/backup.h"

static int check_copy(const char *path, struct backup_info *info, char *err,
                      size_t errlen);
static int count(sqlite3 *db, const char *sql, int64_t *out);
static int sync_file(const char *path);

static int
count(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return CG_EDB;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? CG_OK : CG_EDB;
}

/* Opens a copy read-only and checks that it is whole and a civicgrid
 * database; fills info. */
static int
check_copy(const char *path, struct backup_info *info, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    const char *ok;
    int rc = CG_EDB;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        str_fmt(err, errlen, "%s cannot be opened: %s", path,
                db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        str_fmt(err, errlen, "%s cannot be checked: %s", path,
                sqlite3_errmsg(db));
        goto out;
    }
    ok = (const char *)sqlite3_column_text(st, 0);
    if (!ok || strcmp(ok, "ok") != 0) {
        str_fmt(err, errlen, "%s is damaged: %s", path, ok ? ok : "?");
        goto out;
    }
    if (count(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version",
              &info->schema_version) != CG_OK ||
        count(db, "SELECT COUNT(*) FROM cases", &info->cases) != CG_OK ||
        count(db, "SELECT COUNT(*) FROM events", &info->events) != CG_OK ||
        count(db, "SELECT COUNT(*) FROM users", &info->users) != CG_OK) {
        str_fmt(err, errlen, "%s is not a civicgrid database", path);
        goto out;
    }
    rc = CG_OK;
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static int
sync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    int rc;

    if (fd < 0)
        return CG_ERR;
    rc = fsync(fd) == 0 ? CG_OK : CG_ERR;
    close(fd);
    return rc;
}

int
store_backup_sqlite(const char *src, const char *dst, struct backup_info *info,
                    char *err, size_t errlen)
{
    sqlite3 *from = NULL, *to = NULL;
    sqlite3_backup *b;
    int rc = CG_EDB, step;

    memset(info, 0, sizeof(*info));
    if (access(src, R_OK) != 0) {
        str_fmt(err, errlen, "%s: %s", src, strerror(errno));
        return CG_ENOTFOUND;
    }
    if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        str_fmt(err, errlen, "cannot open %s or %s", src, dst);
        goto out;
    }
    sqlite3_busy_timeout(from, 10000);
    b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) {
        str_fmt(err, errlen, "cannot start the copy: %s", sqlite3_errmsg(to));
        goto out;
    }
    /* All pages in one step: one read transaction, one moment. */
    step = sqlite3_backup_step(b, -1);
    if (sqlite3_backup_finish(b) != SQLITE_OK || step != SQLITE_DONE) {
        str_fmt(err, errlen, "the copy failed: %s", sqlite3_errmsg(to));
        goto out;
    }
    /* The copy stands alone: no write-ahead log beside it. */
    if (sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) !=
        SQLITE_OK) {
        str_fmt(err, errlen, "the copy cannot be finished: %s",
                sqlite3_errmsg(to));
        goto out;
    }
    rc = CG_OK;
out:
    sqlite3_close(from);
    sqlite3_close(to);
    if (rc != CG_OK)
        return rc;
    if (sync_file(dst) != CG_OK) {
        str_fmt(err, errlen, "%s: cannot be flushed to disk", dst);
        return CG_ERR;
    }
    return check_copy(dst, info, err, errlen);
}

int
store_restore_sqlite(const char *copy, const char *target,
                     struct backup_info *info, char *err, size_t errlen)
{
    char tmp[1100], side[1100];
    sqlite3 *db = NULL;
    int rc;

    if ((rc = check_copy(copy, info, err, errlen)) != CG_OK)
        return rc;
    /* No server may have the target open: exclusive locking mode takes the
     * file's lock for good, which fails while anyone else holds it. */
    if (access(target, F_OK) == 0) {
        if (sqlite3_open_v2(target, &db, SQLITE_OPEN_READWRITE, NULL) !=
                SQLITE_OK ||
            sqlite3_exec(db,
                         "PRAGMA locking_mode=EXCLUSIVE;"
                         " BEGIN EXCLUSIVE; COMMIT;",
                         NULL, NULL, NULL) != SQLITE_OK) {
            str_fmt(err, errlen, "%s is in use (%s): stop the servers first",
                    target, db ? sqlite3_errmsg(db) : "cannot open");
            sqlite3_close(db);
            return CG_ECONFLICT;
        }
    }
    if (str_fmt(tmp, sizeof(tmp), "%s.restoring", target) != CG_OK) {
        sqlite3_close(db);
        str_fmt(err, errlen, "the path %s is too long", target);
        return CG_ETOOBIG;
    }
    rc = store_backup_sqlite(copy, tmp, info, err, errlen);
    if (rc == CG_OK) {
        /* The database being replaced is kept beside it, whole (no server
         * has it open, so its log is in it), for a restore made by
         * mistake. */
        if (access(target, F_OK) == 0) {
            str_fmt(info->replaced, sizeof(info->replaced), "%s.replaced-%lld",
                    target, (long long)time(NULL));
            if (rename(target, info->replaced) != 0) {
                str_fmt(err, errlen, "cannot set %s aside: %s", target,
                        strerror(errno));
                rc = CG_ERR;
            }
        }
        str_fmt(side, sizeof(side), "%s-wal", target);
        unlink(side);
        str_fmt(side, sizeof(side), "%s-shm", target);
        unlink(side);
        if (rc == CG_OK && rename(tmp, target) != 0) {
            str_fmt(err, errlen, "cannot put %s in place: %s", target,
                    strerror(errno));
            rc = CG_ERR;
        }
    }
    sqlite3_close(db);
    if (rc != CG_OK)
        unlink(tmp);
    return rc;
}
