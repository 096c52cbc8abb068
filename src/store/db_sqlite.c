/*
 * db_sqlite.c - the embedded backend: one SQLite file in WAL mode.
 *
 * Writers wait for each other (busy timeout) instead of failing, and every
 * write transaction is BEGIN IMMEDIATE so that read-then-write sequences
 * are serialised.  synchronous=FULL: a write the server acknowledged
 * survives a kill -9 and a power cut.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/err.h"
#include "base/log.h"
#include "store/db.h"

struct db {
    sqlite3 *h;
};

struct db_stmt {
    struct db *db;
    sqlite3_stmt *st;
};

static int map_rc(struct db *db, int rc, const char *what);

static int
map_rc(struct db *db, int rc, const char *what)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE)
        return CG_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return CG_ECONFLICT;
    log_error("msg=\"database error\" op=%s err=\"%s\"", what,
              sqlite3_errmsg(db->h));
    return CG_EDB;
}

int
db_open(const char *url, struct db **out)
{
    struct db *db = xcalloc(1, sizeof(*db));
    int rc;

    rc = sqlite3_open_v2(
        url, &db->h,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        log_error("msg=\"cannot open database\" path=%s err=\"%s\"", url,
                  db->h ? sqlite3_errmsg(db->h) : "out of memory");
        db_close(db);
        return CG_EDB;
    }
    sqlite3_busy_timeout(db->h, 10000);
    sqlite3_extended_result_codes(db->h, 1);
    if (db_exec(db,
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;") != CG_OK) {
        db_close(db);
        return CG_EDB;
    }
    *out = db;
    return CG_OK;
}

void
db_close(struct db *db)
{
    if (!db)
        return;
    sqlite3_close_v2(db->h);
    free(db);
}

const char *
db_errmsg(struct db *db)
{
    return sqlite3_errmsg(db->h);
}

int
db_exec(struct db *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK) {
        int r = (rc & 0xff) == SQLITE_CONSTRAINT ? CG_ECONFLICT : CG_EDB;
        if (r == CG_EDB)
            log_error("msg=\"database error\" op=exec err=\"%s\"",
                      msg ? msg : "?");
        sqlite3_free(msg);
        return r;
    }
    return CG_OK;
}

int
db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    struct db_stmt *st = xcalloc(1, sizeof(*st));
    int rc = sqlite3_prepare_v2(db->h, sql, -1, &st->st, NULL);

    if (rc != SQLITE_OK) {
        log_error("msg=\"cannot prepare\" err=\"%s\" sql=\"%.80s\"",
                  sqlite3_errmsg(db->h), sql);
        free(st);
        return CG_EDB;
    }
    st->db = db;
    *out = st;
    return CG_OK;
}

int
db_bind_text(struct db_stmt *st, int i, const char *v)
{
    if (!v)
        return db_bind_null(st, i);
    return map_rc(st->db, sqlite3_bind_text(st->st, i, v, -1, SQLITE_TRANSIENT),
                  "bind");
}

int
db_bind_blob(struct db_stmt *st, int i, const void *v, size_t len)
{
    if (len > 0x7fffffff)
        return CG_ETOOBIG;
    return map_rc(st->db,
                  sqlite3_bind_blob(st->st, i, v, (int)len, SQLITE_TRANSIENT),
                  "bind");
}

int
db_bind_int(struct db_stmt *st, int i, int64_t v)
{
    return map_rc(st->db, sqlite3_bind_int64(st->st, i, v), "bind");
}

int
db_bind_double(struct db_stmt *st, int i, double v)
{
    return map_rc(st->db, sqlite3_bind_double(st->st, i, v), "bind");
}

int
db_bind_null(struct db_stmt *st, int i)
{
    return map_rc(st->db, sqlite3_bind_null(st->st, i), "bind");
}

int
db_step(struct db_stmt *st)
{
    int rc = sqlite3_step(st->st);

    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    return map_rc(st->db, rc, "step");
}

int
db_reset(struct db_stmt *st)
{
    sqlite3_reset(st->st);
    return map_rc(st->db, sqlite3_clear_bindings(st->st), "reset");
}

const char *
db_col_text(struct db_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st->st, i);
}

const void *
db_col_blob(struct db_stmt *st, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(st->st, i);

    *len = (size_t)sqlite3_column_bytes(st->st, i);
    return p;
}

int64_t
db_col_int(struct db_stmt *st, int i)
{
    return sqlite3_column_int64(st->st, i);
}

double
db_col_double(struct db_stmt *st, int i)
{
    return sqlite3_column_double(st->st, i);
}

bool
db_col_null(struct db_stmt *st, int i)
{
    return sqlite3_column_type(st->st, i) == SQLITE_NULL;
}

void
db_finalize(struct db_stmt *st)
{
    if (!st)
        return;
    sqlite3_finalize(st->st);
    free(st);
}

int
db_begin(struct db *db)
{
    return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(struct db *db)
{
    return db_exec(db, "COMMIT");
}

void
db_rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        db_exec(db, "ROLLBACK");
}

bool
db_in_tx(struct db *db)
{
    return !sqlite3_get_autocommit(db->h);
}

int64_t
db_last_id(struct db *db)
{
    return sqlite3_last_insert_rowid(db->h);
}

int
db_changes(struct db *db)
{
    return sqlite3_changes(db->h);
}

int
db_scalar_int(struct db *db, int64_t dflt, int64_t *out, const char *sql, ...)
{
    struct db_stmt *st;
    const char *arg;
    va_list ap;
    int rc, i = 1;

    rc = db_prepare(db, sql, &st);
    if (rc != CG_OK)
        return rc;
    va_start(ap, sql);
    while ((arg = va_arg(ap, const char *)) != NULL)
        db_bind_text(st, i++, arg);
    va_end(ap);
    rc = db_step(st);
    if (rc == DB_ROW)
        *out = db_col_int(st, 0);
    else if (rc == DB_DONE)
        *out = dflt;
    db_finalize(st);
    return rc < 0 ? rc : CG_OK;
}
