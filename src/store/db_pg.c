/*
 * db_pg.c - the PostgreSQL backend, through libpq.
 *
 * Statements keep the '?' placeholders of db.h: '?' and '?N' become $N
 * (outside quotes and comments) and each execution sends its parameters
 * with PQexecParams.  Integers go as int8, reals as float8 and blobs as
 * binary bytea; text goes untyped, so that the server gives it the type
 * its place in the statement asks for (a column compared with, a cast).
 * A result is read whole before the first row is handed out, so a
 * statement may run while another one's rows are being read.
 *
 * A write transaction (db_begin) takes one transaction-level advisory
 * lock, which gives what BEGIN IMMEDIATE gives SQLite: write transactions
 * run one after the other, and a transaction that read a case before
 * changing it sees every change committed before it began, at READ
 * COMMITTED.  Readers are never blocked.  Each write statement inside a
 * transaction runs under a savepoint, so that a unique or check violation
 * the caller answers (CG_ECONFLICT) leaves the transaction usable, as it
 * does in SQLite.
 *
 * A connection that broke is opened again at the next statement outside
 * a transaction; a read, or a BEGIN, that found it broken is sent once
 * more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "store/db_backend.h"
#include "store/stats_sql.h"

/* The type oids of the parameters that are sent typed. */
#define OID_BYTEA  17
#define OID_INT8   20
#define OID_FLOAT8 701

/* The key of the advisory lock every write transaction holds; nothing
 * else that shares the database may lock this number. */
#define WRITE_LOCK "6367777"

struct pg_db {
    struct db base;
    PGconn *conn;
    bool tx;        /* db_begin opened a transaction */
    bool sequenced; /* an INSERT ran, so lastval() may be defined */
    int changes;    /* rows of the last INSERT, UPDATE or DELETE */
    long tx_rows;   /* rows the open transaction wrote */
};

/* A transaction that wrote this many rows (an import) is followed by
 * ANALYZE: until the statistics are there the planner guesses, and its
 * guess for the correlated lookups of the statistics over a freshly
 * imported year runs for minutes instead of a second.  Autovacuum would
 * analyze too, but only a minute or so later. */
#define ANALYZE_AFTER 2000

struct pg_stmt {
    struct db_stmt base;
    char *sql;   /* with $N placeholders */
    bool write;  /* INSERT, UPDATE or DELETE */
    int nparams; /* the highest placeholder */
    char **vals; /* NULL: bound NULL or not bound */
    int *lens;
    int *fmts;
    Oid *types;
    PGresult *res; /* NULL until executed */
    int row;
    unsigned char *blob; /* the last blob column read, unescaped */
};

static struct pg_db *pg_of(struct db *db);
static struct pg_stmt *pst_of(struct db_stmt *st);
static void quiet(void *arg, const char *message);
static PGconn *listen_conn(const char *url, const char *channel);
static int setup(struct pg_db *db);
static void ensure_conn(struct pg_db *db);
static bool broken(struct pg_db *db);
static int result_rc(PGresult *res, const char *what, const char *sql);
static void note_changes(struct pg_db *db, PGresult *res);
static int simple(struct pg_db *db, const char *sql);
static char *rewrite(const char *sql, int *nparams);
static bool is_write(const char *sql);
static int bind_value(struct db_stmt *st, int i, char *v, int len, int fmt,
                      Oid type);
static void clear_binds(struct pg_stmt *st);
static const char *value(struct db_stmt *st, int i);
static void pg_close(struct db *db);
static const char *pg_errmsg(struct db *db);
static int pg_exec(struct db *db, const char *sql);
static int pg_prepare(struct db *db, const char *sql, struct db_stmt **out);
static int pg_bind_text(struct db_stmt *st, int i, const char *v);
static int pg_bind_blob(struct db_stmt *st, int i, const void *v, size_t len);
static int pg_bind_int(struct db_stmt *st, int i, int64_t v);
static int pg_bind_double(struct db_stmt *st, int i, double v);
static int pg_bind_null(struct db_stmt *st, int i);
static int pg_step(struct db_stmt *st);
static int pg_reset(struct db_stmt *st);
static const char *pg_col_text(struct db_stmt *st, int i);
static int pg_col_count(struct db_stmt *st);
static const char *pg_col_name(struct db_stmt *st, int i);
static char pg_col_kind(struct db_stmt *st, int i);
static const void *pg_col_blob(struct db_stmt *st, int i, size_t *len);
static int64_t pg_col_int(struct db_stmt *st, int i);
static double pg_col_double(struct db_stmt *st, int i);
static bool pg_col_null(struct db_stmt *st, int i);
static void pg_finalize(struct db_stmt *st);
static int pg_begin(struct db *db);
static int pg_commit(struct db *db);
static void pg_rollback(struct db *db);
static bool pg_in_tx(struct db *db);
static int64_t pg_last_id(struct db *db);
static int pg_changes(struct db *db);
static char *pg_ddl(const char *sql);
static const char *pg_schema_extra(int version);
static int pg_search(struct buf *sql, const char *alias, const char *q);
static int pg_search_bind(struct db_stmt *st, int i, const char *q);

static const struct db_ops pg_ops = {
    .close = pg_close,
    .errmsg = pg_errmsg,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_double = pg_bind_double,
    .bind_null = pg_bind_null,
    .bind_blob = pg_bind_blob,
    .step = pg_step,
    .reset = pg_reset,
    .col_text = pg_col_text,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_null = pg_col_null,
    .col_blob = pg_col_blob,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_kind = pg_col_kind,
    .finalize = pg_finalize,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_tx = pg_in_tx,
    .last_id = pg_last_id,
    .changes = pg_changes,
    .ddl = pg_ddl,
    .schema_extra = pg_schema_extra,
    .strpos = "strpos",
    .search = pg_search,
    .search_bind = pg_search_bind,
    .notify = true,
};

static struct pg_db *
pg_of(struct db *db)
{
    return (struct pg_db *)db;
}

static struct pg_stmt *
pst_of(struct db_stmt *st)
{
    return (struct pg_stmt *)st;
}

/* The server's notices ("relation exists, skipping") are not errors. */
static void
quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* What every new or renewed connection needs: UTF-8, and a lock wait as
 * long as SQLite's busy timeout. */
static int
setup(struct pg_db *db)
{
    PQsetNoticeProcessor(db->conn, quiet, NULL);
    if (PQsetClientEncoding(db->conn, "UTF8") != 0)
        return CG_EDB;
    return simple(db, "SET lock_timeout = '10s'");
}

/* Opens the connection again if it broke, unless a transaction was open
 * on it: that one is lost, and the caller learns so from its statements
 * failing until it rolls back. */
static void
ensure_conn(struct pg_db *db)
{
    if (PQstatus(db->conn) == CONNECTION_OK || db->tx)
        return;
    PQreset(db->conn);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        log_error("msg=\"cannot reconnect to the database\" err=\"%s\"",
                  PQerrorMessage(db->conn));
        return;
    }
    db->sequenced = false;
    if (setup(db) != CG_OK)
        log_error("msg=\"cannot set up the renewed connection\"");
    else
        log_warn("msg=\"database connection renewed\"");
}

static bool
broken(struct pg_db *db)
{
    return PQstatus(db->conn) != CONNECTION_OK;
}

static int
result_rc(PGresult *res, const char *what, const char *sql)
{
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    const char *state, *msg;

    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
        return CG_OK;
    state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    /* Class 23: integrity constraint violation (unique, check, foreign
     * key, not null), as SQLite's SQLITE_CONSTRAINT. */
    if (state && strncmp(state, "23", 2) == 0)
        return CG_ECONFLICT;
    /* A serialization failure or deadlock: someone else changed the same
     * rows; the caller answers as for a lost race. */
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)) {
        log_warn("msg=\"transaction lost a race\" state=%s", state);
        return CG_ECONFLICT;
    }
    log_error("msg=\"database error\" op=%s state=%s err=\"%s\" sql=\"%.80s\"",
              what, state ? state : "-", msg ? msg : "connection lost", sql);
    return CG_EDB;
}

static void
note_changes(struct pg_db *db, PGresult *res)
{
    const char *cmd = PQcmdStatus(res);

    if (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
        strncmp(cmd, "DELETE", 6) == 0) {
        db->changes = (int)strtol(PQcmdTuples(res), NULL, 10);
        if (db->tx)
            db->tx_rows += db->changes;
        if (cmd[0] == 'I' && db->changes > 0)
            db->sequenced = true;
    }
}

/* Runs sql, which returns nothing the caller wants. */
static int
simple(struct pg_db *db, const char *sql)
{
    PGresult *res = PQexec(db->conn, sql);
    int rc = result_rc(res, "exec", sql);

    PQclear(res);
    return rc;
}

/* sql with '?' and '?N' made $N; *nparams is the highest N. */
static char *
rewrite(const char *sql, int *nparams)
{
    size_t len = strlen(sql), marks = 0;
    const char *p;
    char *out, *o;
    int next = 0, n;

    for (p = sql; *p; p++)
        marks += *p == '?';
    /* Each '?' grows to at most "$" and six digits. */
    out = o = xcalloc(1, len + 6 * marks + 1);
    p = sql;

    *nparams = 0;
    while (*p) {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            *o++ = *p++;
            while (*p && *p != q)
                *o++ = *p++;
            if (*p)
                *o++ = *p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                *o++ = *p++;
        } else if (*p == '?') {
            p++;
            if (*p >= '0' && *p <= '9') {
                n = 0;
                while (*p >= '0' && *p <= '9' && n < 100000)
                    n = n * 10 + (*p++ - '0');
            } else {
                n = ++next;
            }
            o += snprintf(o, 8, "$%d", n);
            if (n > *nparams)
                *nparams = n;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static bool
is_write(const char *sql)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(')
        sql++;
    return strncasecmp(sql, "INSERT", 6) == 0 ||
           strncasecmp(sql, "UPDATE", 6) == 0 ||
           strncasecmp(sql, "DELETE", 6) == 0;
}

int
db_pg_open(const char *url, struct db **out)
{
    struct pg_db *db = xcalloc(1, sizeof(*db));
    char *msg;

    db->base.ops = &pg_ops;
    db->conn = PQconnectdb(url);
    if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
        /* The message, never the URL: it may carry a password. */
        msg = str_dup(db->conn ? PQerrorMessage(db->conn) : "out of memory");
        msg[strcspn(msg, "\n")] = '\0';
        log_error("msg=\"cannot open database\" backend=postgresql"
                  " err=\"%s\"",
                  msg);
        free(msg);
        pg_close(&db->base);
        return CG_EDB;
    }
    if (setup(db) != CG_OK) {
        pg_close(&db->base);
        return CG_EDB;
    }
    *out = &db->base;
    return CG_OK;
}

static void
pg_close(struct db *db)
{
    PQfinish(pg_of(db)->conn);
    free(db);
}

static const char *
pg_errmsg(struct db *db)
{
    return PQerrorMessage(pg_of(db)->conn);
}

static int
pg_exec(struct db *db, const char *sql)
{
    struct pg_db *p = pg_of(db);
    PGresult *res;
    int rc;

    ensure_conn(p);
    res = PQexec(p->conn, sql);
    rc = result_rc(res, "exec", sql);
    if (rc == CG_OK)
        note_changes(p, res);
    PQclear(res);
    return rc;
}

static int
pg_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    struct pg_stmt *st = xcalloc(1, sizeof(*st));
    int n;

    st->base.db = db;
    st->sql = rewrite(sql, &n);
    st->nparams = n;
    st->write = is_write(sql);
    if (n > 0) {
        st->vals = xcalloc((size_t)n, sizeof(*st->vals));
        st->lens = xcalloc((size_t)n, sizeof(*st->lens));
        st->fmts = xcalloc((size_t)n, sizeof(*st->fmts));
        st->types = xcalloc((size_t)n, sizeof(*st->types));
    }
    st->row = -1;
    *out = &st->base;
    return CG_OK;
}

/* Takes v (malloc'd, or NULL for NULL) as parameter i. */
static int
bind_value(struct db_stmt *st, int i, char *v, int len, int fmt, Oid type)
{
    struct pg_stmt *s = pst_of(st);

    if (i < 1 || i > s->nparams) {
        log_error("msg=\"no such parameter\" index=%d sql=\"%.80s\"", i,
                  s->sql);
        free(v);
        return CG_EDB;
    }
    free(s->vals[i - 1]);
    s->vals[i - 1] = v;
    s->lens[i - 1] = len;
    s->fmts[i - 1] = fmt;
    s->types[i - 1] = type;
    return CG_OK;
}

static int
pg_bind_text(struct db_stmt *st, int i, const char *v)
{
    return bind_value(st, i, v ? str_dup(v) : NULL, 0, 0, 0);
}

static int
pg_bind_blob(struct db_stmt *st, int i, const void *v, size_t len)
{
    char *copy;

    if (len > 0x3fffffff)
        return CG_ETOOBIG;
    copy = xcalloc(1, len ? len : 1);
    if (len)
        memcpy(copy, v, len);
    return bind_value(st, i, copy, (int)len, 1, OID_BYTEA);
}

static int
pg_bind_int(struct db_stmt *st, int i, int64_t v)
{
    char *s = xcalloc(1, 24);

    snprintf(s, 24, "%lld", (long long)v);
    return bind_value(st, i, s, 0, 0, OID_INT8);
}

static int
pg_bind_double(struct db_stmt *st, int i, double v)
{
    char *s = xcalloc(1, 32);

    snprintf(s, 32, "%.17g", v);
    return bind_value(st, i, s, 0, 0, OID_FLOAT8);
}

static int
pg_bind_null(struct db_stmt *st, int i)
{
    return bind_value(st, i, NULL, 0, 0, 0);
}

static int
pg_step(struct db_stmt *st)
{
    struct pg_stmt *s = pst_of(st);
    struct pg_db *db = pg_of(st->db);
    bool guard = s->write && db->tx;
    int rc, attempt;

    if (!s->res) {
        if (guard && simple(db, "SAVEPOINT cg_stmt") != CG_OK)
            return CG_EDB;
        for (attempt = 0;; attempt++) {
            ensure_conn(db);
            s->res =
                PQexecParams(db->conn, s->sql, s->nparams, s->types,
                             (const char *const *)s->vals, s->lens, s->fmts, 0);
            /* A write may have been done before the line broke. */
            if (attempt > 0 || s->write || db->tx || !broken(db))
                break;
            PQclear(s->res);
            s->res = NULL;
        }
        rc = result_rc(s->res, "step", s->sql);
        if (guard && !broken(db))
            simple(db, rc == CG_OK ? "RELEASE SAVEPOINT cg_stmt"
                                   : "ROLLBACK TO SAVEPOINT cg_stmt;"
                                     " RELEASE SAVEPOINT cg_stmt");
        if (rc != CG_OK) {
            PQclear(s->res);
            s->res = NULL;
            return rc;
        }
        note_changes(db, s->res);
        s->row = -1;
    }
    free(s->blob);
    s->blob = NULL;
    if (s->row + 1 < PQntuples(s->res)) {
        s->row++;
        return DB_ROW;
    }
    return DB_DONE;
}

static void
clear_binds(struct pg_stmt *st)
{
    int i;

    for (i = 0; i < st->nparams; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
        st->types[i] = 0;
        st->fmts[i] = 0;
        st->lens[i] = 0;
    }
}

static int
pg_reset(struct db_stmt *st)
{
    struct pg_stmt *s = pst_of(st);

    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    free(s->blob);
    s->blob = NULL;
    clear_binds(s);
    return CG_OK;
}

/* Column i of the current row; NULL for NULL or no such column. */
static const char *
value(struct db_stmt *st, int i)
{
    struct pg_stmt *s = pst_of(st);

    if (!s->res || s->row < 0 || s->row >= PQntuples(s->res) || i < 0 ||
        i >= PQnfields(s->res) || PQgetisnull(s->res, s->row, i))
        return NULL;
    return PQgetvalue(s->res, s->row, i);
}

static const char *
pg_col_text(struct db_stmt *st, int i)
{
    return value(st, i);
}

static int
pg_col_count(struct db_stmt *st)
{
    struct pg_stmt *s = pst_of(st);

    return s->res ? PQnfields(s->res) : 0;
}

static const char *
pg_col_name(struct db_stmt *st, int i)
{
    struct pg_stmt *s = pst_of(st);

    return s->res ? PQfname(s->res, i) : NULL;
}

/* By the column's type: int2/int4/int8, float4/float8/numeric, bytea. */
static char
pg_col_kind(struct db_stmt *st, int i)
{
    struct pg_stmt *s = pst_of(st);
    Oid t = s->res ? PQftype(s->res, i) : 0;

    switch (t) {
    case 20:
    case 21:
    case 23:
        return 'i';
    case 700:
    case 701:
    case 1700:
        return 'r';
    case 17:
        return 'b';
    default:
        return 't';
    }
}

static const void *
pg_col_blob(struct db_stmt *st, int i, size_t *len)
{
    struct pg_stmt *s = pst_of(st);
    const char *v = value(st, i);
    unsigned char *u;

    *len = 0;
    free(s->blob);
    s->blob = NULL;
    if (!v || !(u = PQunescapeBytea((const unsigned char *)v, len))) {
        *len = 0;
        return NULL;
    }
    /* Our own copy, so that the statement frees it with free(). */
    s->blob = xcalloc(1, *len ? *len : 1);
    memcpy(s->blob, u, *len);
    PQfreemem(u);
    return s->blob;
}

/* Integers, and booleans (t, f) as SQLite gives them: 1 and 0. */
static int64_t
pg_col_int(struct db_stmt *st, int i)
{
    const char *v = value(st, i);
    char *end;
    long long n;

    if (!v)
        return 0;
    if (v[0] == 't')
        return 1;
    if (v[0] == 'f')
        return 0;
    n = strtoll(v, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E')
        return (int64_t)strtod(v, NULL);
    return n;
}

static double
pg_col_double(struct db_stmt *st, int i)
{
    const char *v = value(st, i);

    if (!v)
        return 0;
    if (v[0] == 't' || v[0] == 'f')
        return v[0] == 't';
    return strtod(v, NULL);
}

static bool
pg_col_null(struct db_stmt *st, int i)
{
    return value(st, i) == NULL;
}

static void
pg_finalize(struct db_stmt *st)
{
    struct pg_stmt *s = pst_of(st);

    pg_reset(st);
    free(s->vals);
    free(s->lens);
    free(s->fmts);
    free(s->types);
    free(s->sql);
    free(s);
}

static int
pg_begin(struct db *db)
{
    struct pg_db *p = pg_of(db);
    PGresult *res;
    int rc, attempt;

    /* A line found broken by the BEGIN did nothing on the server: it is
     * opened again and the BEGIN sent once more, as a read would be. */
    for (attempt = 0;; attempt++) {
        ensure_conn(p);
        res = PQexec(p->conn,
                     "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK ")");
        rc = result_rc(res, "begin", "BEGIN");
        PQclear(res);
        if (rc == CG_OK || attempt > 0 || !broken(p))
            break;
    }
    if (rc != CG_OK) {
        if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
            simple(p, "ROLLBACK");
        return CG_EDB;
    }
    p->tx = true;
    p->tx_rows = 0;
    return CG_OK;
}

static int
pg_commit(struct db *db)
{
    struct pg_db *p = pg_of(db);
    PGresult *res = PQexec(p->conn, "COMMIT");
    int rc = result_rc(res, "commit", "COMMIT");

    /* COMMIT of a transaction that failed answers ROLLBACK. */
    if (rc == CG_OK && strcmp(PQcmdStatus(res), "COMMIT") != 0)
        rc = CG_EDB;
    PQclear(res);
    p->tx = false;
    if (PQstatus(p->conn) == CONNECTION_OK &&
        PQtransactionStatus(p->conn) != PQTRANS_IDLE)
        simple(p, "ROLLBACK");
    if (rc == CG_OK && p->tx_rows >= ANALYZE_AFTER)
        simple(p, "ANALYZE");
    return rc;
}

static void
pg_rollback(struct db *db)
{
    struct pg_db *p = pg_of(db);

    if (PQstatus(p->conn) == CONNECTION_OK &&
        PQtransactionStatus(p->conn) != PQTRANS_IDLE)
        simple(p, "ROLLBACK");
    p->tx = false;
}

static bool
pg_in_tx(struct db *db)
{
    return pg_of(db)->tx;
}

static int64_t
pg_last_id(struct db *db)
{
    struct pg_db *p = pg_of(db);
    PGresult *res;
    int64_t id = 0;

    if (!p->sequenced)
        return 0;
    res = PQexec(p->conn, "SELECT lastval()");
    if (result_rc(res, "last_id", "SELECT lastval()") == CG_OK &&
        PQntuples(res) == 1)
        id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return id;
}

static int
pg_changes(struct db *db)
{
    return pg_of(db)->changes;
}

/* The schema's SQLite words and what PostgreSQL calls them.  Integers are
 * 64-bit as in SQLite; an INTEGER PRIMARY KEY numbers its rows itself. */
static const struct {
    const char *sqlite, *pg;
} ddl_words[] = {
    {"INTEGER PRIMARY KEY", "BIGINT GENERATED BY DEFAULT AS IDENTITY"
                            " PRIMARY KEY"},
    {"INTEGER", "BIGINT"},
    {"REAL", "DOUBLE PRECISION"},
    {"BLOB", "BYTEA"},
    {", WITHOUT ROWID", ""},
    {" STRICT", ""},
};

static char *
pg_ddl(const char *sql)
{
    struct buf b;
    const char *p = sql;
    size_t i, n;
    char *out;

    buf_init(&b, 8 * strlen(sql) + 64);
    while (*p) {
        if (*p == '\'') {
            const char *e = strchr(p + 1, '\'');
            n = e ? (size_t)(e - p) + 1 : strlen(p);
            buf_append(&b, p, n);
            p += n;
            continue;
        }
        for (i = 0; i < sizeof(ddl_words) / sizeof(ddl_words[0]); i++) {
            const char *w = ddl_words[i].sqlite;
            char after;
            n = strlen(w);
            if (strncmp(p, w, n) != 0)
                continue;
            after = p[n];
            if ((after >= 'A' && after <= 'Z') ||
                (after >= 'a' && after <= 'z') || after == '_' ||
                (after >= '0' && after <= '9'))
                continue;
            if (p > sql && w[0] != ',' && w[0] != ' ' &&
                ((p[-1] >= 'A' && p[-1] <= 'Z') ||
                 (p[-1] >= 'a' && p[-1] <= 'z') || p[-1] == '_'))
                continue;
            break;
        }
        if (i < sizeof(ddl_words) / sizeof(ddl_words[0])) {
            buf_puts(&b, ddl_words[i].pg);
            p += strlen(ddl_words[i].sqlite);
        } else {
            buf_append(&b, p, 1);
            p++;
        }
    }
    out = str_dup(b.data ? b.data : "");
    buf_free(&b);
    return out;
}

static const char *
pg_schema_extra(int version)
{
    /* Substrings of Chinese text through trigram indexes on the two
     * searched columns (LIKE and ILIKE use them for patterns of three
     * characters or more; shorter ones scan).  PostgreSQL has no rowid:
     * event_photos gets a column of that name so that an event's photos
     * keep the order they were attached in. */
    if (version == 1)
        return "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
               "CREATE INDEX cases_title_trgm ON cases"
               " USING gin (title gin_trgm_ops);"
               "CREATE INDEX cases_description_trgm ON cases"
               " USING gin (description gin_trgm_ops);"
               "ALTER TABLE event_photos ADD COLUMN rowid BIGINT"
               " GENERATED ALWAYS AS IDENTITY;";
#define PG_DAY_KEY   "area_path, category_code, unit_id, day"
#define PG_MONTH_KEY "street_path, big_class, unit_id, month"
#define PG_BOTH(sign, id)                                                      \
    STATS_ADD("stats_month", PG_MONTH_KEY, sign, id)                           \
    STATS_ADD("stats_day", PG_DAY_KEY, sign, id)
#define PG_CHANGED                                                             \
    " OF stat_state, stat_due_at, stat_closed_at, stat_rating, stat_handled,"  \
    " stat_reworked, area_path, category_code, unit_id, reported_at ON cases"  \
    " FOR EACH ROW WHEN (OLD.stat_state IS DISTINCT FROM NEW.stat_state"       \
    " OR OLD.stat_due_at IS DISTINCT FROM NEW.stat_due_at"                     \
    " OR OLD.stat_closed_at IS DISTINCT FROM NEW.stat_closed_at"               \
    " OR OLD.stat_rating IS DISTINCT FROM NEW.stat_rating"                     \
    " OR OLD.stat_handled IS DISTINCT FROM NEW.stat_handled"                   \
    " OR OLD.stat_reworked IS DISTINCT FROM NEW.stat_reworked"                 \
    " OR OLD.area_path IS DISTINCT FROM NEW.area_path"                         \
    " OR OLD.category_code IS DISTINCT FROM NEW.category_code"                 \
    " OR OLD.unit_id IS DISTINCT FROM NEW.unit_id"                             \
    " OR OLD.reported_at IS DISTINCT FROM NEW.reported_at)"
#define PG_PART(n)    "length(split_part(area_path, '/', " n "))"
#define PG_FOLLOW_ALL STATS_FOLLOW("true")
#define PG_FOLLOW_NEW STATS_FOLLOW("id = NEW.case_id")
#define PG_FOLLOW_OLD STATS_FOLLOW("id = OLD.case_id")
#define PG_TAKE_OLD   PG_BOTH("-", "OLD.id")
#define PG_GIVE_NEW   PG_BOTH("", "NEW.id")
#define PG_PART1      PG_PART("1")
#define PG_PART2      PG_PART("2")
#define PG_PART3      PG_PART("3")
#define PG_PART4      PG_PART("4")
#define PG_STREET                                                              \
    " CASE WHEN length(area_path) - length(replace(area_path, '/', '')) > 4"   \
    " THEN substr(area_path, 1, " PG_PART1 " + " PG_PART2 " + " PG_PART3       \
    " + " PG_PART4 " + 4) ELSE area_path END"
#define PG_V9_SUMS                                                             \
    "INSERT INTO stats_day SELECT " PG_DAY_KEY "," STATS_SUMS                  \
    " FROM stats_cases GROUP BY " PG_DAY_KEY ";"                               \
    "INSERT INTO stats_month SELECT " PG_MONTH_KEY "," STATS_SUMS              \
    " FROM stats_cases GROUP BY " PG_MONTH_KEY ";"
#define PG_V9_FILL                                                             \
    "CREATE VIEW stats_cases AS SELECT id, area_path," PG_STREET               \
    " AS street_path, category_code,"                                          \
    " substr(category_code, 1, 2) AS big_class,"                               \
    " COALESCE(unit_id, 0) AS unit_id,"                                        \
    " (reported_at + 28800) / 86400 AS day,"                                   \
    " CAST(to_char(to_timestamp(reported_at + 28800) AT TIME ZONE 'UTC',"      \
    " 'YYYYMM') AS BIGINT) AS month,"                                          \
    " reported_at, stat_state, stat_due_at," STATS_CONTRIB                     \
    " FROM cases WHERE stat_state IS NOT NULL;" PG_V9_SUMS                     \
    "CREATE INDEX stats_day_day ON stats_day(day);"                            \
    "CREATE INDEX stats_day_category ON stats_day"                             \
    " (category_code COLLATE \"C\", day);"                                     \
    "CREATE INDEX stats_day_area ON stats_day(area_path COLLATE \"C\", day);"  \
    "CREATE INDEX cases_stat_overdue ON cases(stat_due_at, stat_state,"        \
    " area_path, category_code, unit_id, reported_at) WHERE " STATS_OPEN ";"
#define PG_V9_TRIGGERS                                                         \
    "CREATE FUNCTION stats_follow_events() RETURNS trigger"                    \
    " LANGUAGE plpgsql AS $$ BEGIN"                                            \
    " IF TG_OP <> 'INSERT' THEN " PG_FOLLOW_OLD "; END IF;"                    \
    " IF TG_OP <> 'DELETE' THEN " PG_FOLLOW_NEW "; END IF;"                    \
    " RETURN NULL; END $$;"                                                    \
    "CREATE TRIGGER stats_events AFTER INSERT OR UPDATE OR DELETE"             \
    " ON events FOR EACH ROW EXECUTE FUNCTION stats_follow_events();"          \
    "CREATE FUNCTION stats_take() RETURNS trigger"                             \
    " LANGUAGE plpgsql AS $$ BEGIN " PG_TAKE_OLD                               \
    " IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;"                            \
    " RETURN NEW; END $$;"                                                     \
    "CREATE FUNCTION stats_give() RETURNS trigger"                             \
    " LANGUAGE plpgsql AS $$ BEGIN " PG_GIVE_NEW " RETURN NULL; END $$;"       \
    "CREATE TRIGGER stats_cases_ai AFTER INSERT ON cases FOR EACH ROW"         \
    " WHEN (NEW.stat_state IS NOT NULL) EXECUTE FUNCTION stats_give();"        \
    "CREATE TRIGGER stats_cases_bd BEFORE DELETE ON cases FOR EACH ROW"        \
    " WHEN (OLD.stat_state IS NOT NULL) EXECUTE FUNCTION stats_take();"        \
    "CREATE TRIGGER stats_cases_bu BEFORE UPDATE" PG_CHANGED                   \
    " EXECUTE FUNCTION stats_take();"                                          \
    "CREATE TRIGGER stats_cases_au AFTER UPDATE" PG_CHANGED                    \
    " EXECUTE FUNCTION stats_give();"
    /* The statistics kept current (schema.c, migration 9), as on SQLite
     * (db_sqlite.c): a case's stat_* columns follow its events, the rollups
     * follow the cases, old contribution out before a change and new one in
     * after it.  The street is the path cut after its third segment; day and
     * month are those of the report in Beijing time. */
    if (version == 9)
        return PG_FOLLOW_ALL ";" PG_V9_FILL PG_V9_TRIGGERS;
    return NULL;
}

#undef PG_DAY_KEY
#undef PG_MONTH_KEY
#undef PG_BOTH
#undef PG_CHANGED
#undef PG_PART
#undef PG_STREET
#undef PG_FOLLOW_ALL
#undef PG_FOLLOW_NEW
#undef PG_FOLLOW_OLD
#undef PG_TAKE_OLD
#undef PG_GIVE_NEW
#undef PG_PART1
#undef PG_PART2
#undef PG_PART3
#undef PG_PART4
#undef PG_V9_FILL
#undef PG_V9_SUMS
#undef PG_V9_TRIGGERS

/* As SQLite's search, a subquery of the matching ids: three characters or
 * more ignore case, shorter ones do not. */
static int
pg_search(struct buf *sql, const char *alias, const char *q)
{
    const char *op = str_utf8_len(q, strlen(q)) >= 3 ? "ILIKE" : "LIKE";

    return buf_printf(sql,
                      "(SELECT id FROM cases WHERE description %s ?"
                      " OR title %s ?) %s",
                      op, op, alias);
}

static int
pg_search_bind(struct db_stmt *st, int i, const char *q)
{
    struct buf pat;
    const char *p;

    /* '%q%' with LIKE's own characters taken literally (backslash is
     * the default escape). */
    buf_init(&pat, 2 * strlen(q) + 8);
    buf_puts(&pat, "%");
    for (p = q; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            buf_puts(&pat, "\\");
        buf_append(&pat, p, 1);
    }
    buf_puts(&pat, "%");
    pg_bind_text(st, i++, pat.data);
    pg_bind_text(st, i++, pat.data);
    buf_free(&pat);
    return i;
}

/* Opens a listening connection: LISTEN on channel.  NULL on failure,
 * logged. */
static PGconn *
listen_conn(const char *url, const char *channel)
{
    PGconn *c = PQconnectdb(url);
    char *ident, sql[200];
    PGresult *res;

    if (!c || PQstatus(c) != CONNECTION_OK) {
        log_warn("msg=\"cannot open the listening connection\" err=\"%.120s\"",
                 c ? PQerrorMessage(c) : "out of memory");
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, quiet, NULL);
    ident = PQescapeIdentifier(c, channel, strlen(channel));
    if (!ident) {
        PQfinish(c);
        return NULL;
    }
    str_fmt(sql, sizeof(sql), "LISTEN %s", ident);
    PQfreemem(ident);
    res = PQexec(c, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        log_warn("msg=\"cannot listen\" channel=%s err=\"%.120s\"", channel,
                 PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
        return NULL;
    }
    PQclear(res);
    return c;
}

int
db_pg_listen(const char *url, const char *channel, db_notify_fn cb, void *ctx,
             const volatile int *stop)
{
    PGconn *c = NULL;
    PGnotify *n;
    struct pollfd pfd;

    while (!*stop) {
        if (!c && !(c = listen_conn(url, channel))) {
            sleep(1); /* the database is away: try again shortly */
            continue;
        }
        pfd.fd = PQsocket(c);
        pfd.events = POLLIN;
        pfd.revents = 0;
        if (pfd.fd < 0 || poll(&pfd, 1, 1000) < 0 ||
            ((pfd.revents & POLLIN) && !PQconsumeInput(c)) ||
            PQstatus(c) != CONNECTION_OK) {
            log_warn("msg=\"listening connection lost; opening it again\"");
            PQfinish(c);
            c = NULL;
            continue;
        }
        while ((n = PQnotifies(c))) {
            cb(n->extra, ctx);
            PQfreemem(n);
        }
    }
    PQfinish(c);
    return CG_OK;
}
