/*
 * demo_side.c - the text indexes and rollups of a bulk load, built on a
 * second core.
 *
 * SQLite writes a database from one connection at a time, and the rows
 * of a million cases keep one core busy; filling the text indexes from
 * them takes about as long again.  So a thread of its own fills them in a
 * database file beside the city's (the side): a narrow copy of the cases,
 * holding only the columns that the text indexes and the statistics read,
 * under the city's own definitions of the text indexes, of the rollup
 * tables and of the view they are added up from, all read from the city's
 * schema.  The side first copies the cases the city has; then the load
 * hands over each batch of rows it writes.  Once the last is in, while
 * the load builds the cases' other indexes, the side fills its text
 * indexes by their own 'rebuild' and adds up the rollups by the schema's
 * rebuild statements.  Made by the same SQLite from the same definitions
 * and rows, its tables hold what the city's would after a rebuild there,
 * and the load copies them in, row for row, inside its transaction (the
 * text indexes' settings stay the city's own).
 *
 * The text indexes are filled after the rows rather than batch by batch
 * as they come: both threads read and write memory at full speed, and on
 * two cores indexing alongside slowed the writing of the rows by about as
 * much as it saved (a million cases: 60 s against 52 s).
 *
 * Anything the side cannot build (a definition that reads a column the
 * narrow copy lacks, say) fails side_start() or side_finish(), and the
 * load then derives in place.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "cmd/demo_side.h"
#include "store/db.h"

#define SIDE_COLS                                                              \
    "id, title, description, area_path, category_code, unit_id,"               \
    " reported_at, stat_state, stat_due_at, stat_closed_at, stat_rating,"      \
    " stat_handled, stat_reworked"
#define MAX_QUEUED  16       /* batches handed over and not yet written */
#define HASH_SIDE   67108864 /* bytes a text index gathers in memory */
#define SIDE_SUFFIX "-side"

/* The tables an FTS5 index keeps its data in, beside its settings
 * (_config, which is left as the city has it). */
static const char *const fts_tables[] = {"data", "idx", "docsize", "content"};

struct chunk {
    struct chunk *next;
    size_t n;
    struct side_row rows[];
};

struct side {
    struct db *city; /* the load's connection, the side attached */
    char *dbfile, *path;
    char **fts;
    size_t nfts;
    char *rollups;
    struct db *db; /* the builder's own connection */
    pthread_t thread;
    bool attached, started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct chunk *head, *tail;
    size_t queued;
    bool ready, ended, done, abandoned;
    int rc;
};

static void *side_main(void *arg);
static int side_open(struct side *s);
static int side_fill(struct side *s);
static int side_end(struct side *s);
static int copy_schema(struct side *s, const char *sql, const char *name);
static int copy_table(struct db *db, const char *name);
static bool rebuilds(const char *sql, const char *name);
static void remove_files(const char *path);
static int names_add(char ***names, size_t *n, const char *name);
static char **names_dup(char *const *names, size_t n);
static void names_free(char **names, size_t n);

int
side_attach(struct db *db, const char *dbfile, struct side **out)
{
    struct side *s = xcalloc(1, sizeof(*s));
    struct db_stmt *st;
    size_t len = strlen(dbfile) + sizeof(SIDE_SUFFIX);
    int rc;

    *out = NULL;
    s->city = db;
    s->dbfile = str_dup(dbfile);
    s->path = xmalloc(len);
    str_fmt(s->path, len, "%s" SIDE_SUFFIX, dbfile);
    /* What a load killed before its end left behind. */
    remove_files(s->path);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    rc = db_prepare(db, "ATTACH ? AS side", &st);
    if (rc == CG_OK) {
        db_bind_text(st, 1, s->path);
        rc = db_step(st) == DB_DONE ? CG_OK : CG_EDB;
        db_finalize(st);
    }
    s->attached = rc == CG_OK;
    if (rc != CG_OK) {
        side_close(s);
        return rc;
    }
    *out = s;
    return CG_OK;
}

int
side_start(struct side *s, char *const *fts, size_t nfts, const char *rollups)
{
    int rc;

    s->fts = names_dup(fts, nfts);
    s->nfts = nfts;
    s->rollups = rollups ? str_dup(rollups) : NULL;
    if (pthread_create(&s->thread, NULL, side_main, s) != 0)
        return CG_ERR;
    s->started = true;
    pthread_mutex_lock(&s->mu);
    while (!s->ready && !s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    rc = s->done ? s->rc : CG_OK;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int
side_add(struct side *s, const struct side_row *rows, size_t n)
{
    struct chunk *c;

    if (n == 0)
        return CG_OK;
    c = malloc(sizeof(*c) + n * sizeof(*rows));
    if (!c)
        return CG_ENOMEM;
    c->next = NULL;
    c->n = n;
    memcpy(c->rows, rows, n * sizeof(*rows));
    pthread_mutex_lock(&s->mu);
    while (s->queued >= MAX_QUEUED && !s->done)
        pthread_cond_wait(&s->cv, &s->mu);
    if (s->done) {
        /* The side failed; side_finish() says so. */
        pthread_mutex_unlock(&s->mu);
        free(c);
        return CG_OK;
    }
    if (s->tail)
        s->tail->next = c;
    else
        s->head = c;
    s->tail = c;
    s->queued++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return CG_OK;
}

void
side_last(struct side *s)
{
    pthread_mutex_lock(&s->mu);
    s->ended = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

int
side_finish(struct side *s)
{
    int rc;

    if (!s->started)
        return CG_ERR;
    side_last(s);
    pthread_join(s->thread, NULL);
    s->started = false;
    rc = s->rc;
    return rc;
}

int
side_copy(struct side *s)
{
    struct db_stmt *st;
    char name[256], **tables = NULL;
    size_t i, k, n = 0;
    int rc = CG_OK;

    for (i = 0; rc == CG_OK && i < s->nfts; i++)
        for (k = 0; rc == CG_OK && k < sizeof(fts_tables) / sizeof(*fts_tables);
             k++) {
            int64_t there = 0;

            str_fmt(name, sizeof(name), "%s_%s", s->fts[i], fts_tables[k]);
            rc = db_scalar_int(s->city, 0, &there,
                               "SELECT COUNT(*) FROM side.sqlite_master"
                               " WHERE type = 'table' AND name = ?",
                               name, NULL);
            if (rc == CG_OK && there)
                rc = copy_table(s->city, name);
            else if (rc == CG_OK && k == 0)
                rc = CG_ENOTFOUND; /* no index was built */
        }
    if (rc != CG_OK || !s->rollups)
        return rc;
    rc = db_prepare(s->city,
                    "SELECT name FROM side.sqlite_master WHERE type = 'table'"
                    " AND name LIKE 'stats\\_%' ESCAPE '\\' ORDER BY rowid",
                    &st);
    if (rc != CG_OK)
        return rc;
    /* Named first: a table is not dropped from under a statement. */
    while ((rc = db_step(st)) == DB_ROW)
        if (rebuilds(s->rollups, db_col_text(st, 0)) &&
            (rc = names_add(&tables, &n, db_col_text(st, 0))) != CG_OK)
            break;
    db_finalize(st);
    rc = rc == DB_DONE ? (n ? CG_OK : CG_ENOTFOUND) : rc;
    for (i = 0; rc == CG_OK && i < n; i++)
        rc = copy_table(s->city, tables[i]);
    names_free(tables, n);
    return rc;
}

void
side_close(struct side *s)
{
    struct chunk *c;

    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->abandoned = true; /* what is left undone is not wanted */
    pthread_mutex_unlock(&s->mu);
    if (s->started)
        side_finish(s);
    while ((c = s->head)) {
        s->head = c->next;
        free(c);
    }
    if (s->attached)
        db_exec(s->city, "DETACH side");
    remove_files(s->path);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    names_free(s->fts, s->nfts);
    free(s->rollups);
    free(s->dbfile);
    free(s->path);
    free(s);
}

static void *
side_main(void *arg)
{
    struct side *s = arg;
    int rc;

    rc = side_open(s);
    pthread_mutex_lock(&s->mu);
    s->ready = rc == CG_OK;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (rc == CG_OK)
        rc = side_fill(s);
    pthread_mutex_lock(&s->mu);
    if (s->abandoned)
        rc = CG_ERR;
    pthread_mutex_unlock(&s->mu);
    if (rc == CG_OK)
        rc = side_end(s);
    if (s->db)
        db_close(s->db);
    s->db = NULL;
    if (rc != CG_OK)
        log_warn("msg=\"text indexes and statistics not built apart\""
                 " err=%s",
                 cg_strerror(rc));
    pthread_mutex_lock(&s->mu);
    s->rc = rc;
    s->done = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* The side's schema, and in it the cases the city has now. */
static int
side_open(struct side *s)
{
    struct db_stmt *st;
    char sql[512];
    size_t i;
    int rc;

    rc = db_open(s->path, &s->db);
    /* Nothing of the side outlives the load: no journal, no syncs. */
    if (rc == CG_OK)
        rc = db_exec(s->db, "PRAGMA journal_mode = OFF;"
                            " PRAGMA synchronous = OFF;"
                            " PRAGMA cache_size = -262144");
    if (rc == CG_OK)
        rc = db_prepare(s->db, "ATTACH ? AS city", &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, s->dbfile);
    rc = db_step(st) == DB_DONE ? CG_OK : CG_EDB;
    db_finalize(st);
    if (rc == CG_OK)
        rc = db_exec(s->db, "CREATE TABLE cases (id INTEGER PRIMARY KEY,"
                            " title TEXT, description TEXT, area_path TEXT,"
                            " category_code TEXT, unit_id INTEGER,"
                            " reported_at INTEGER, stat_state TEXT,"
                            " stat_due_at INTEGER, stat_closed_at INTEGER,"
                            " stat_rating TEXT, stat_handled INTEGER,"
                            " stat_reworked INTEGER)");
    for (i = 0; rc == CG_OK && i < s->nfts; i++)
        rc = copy_schema(s,
                         "SELECT sql FROM city.sqlite_master"
                         " WHERE type = 'table' AND name = ?",
                         s->fts[i]);
    if (rc == CG_OK && s->rollups)
        rc = copy_schema(s,
                         "SELECT sql FROM city.sqlite_master"
                         " WHERE type IN ('table', 'view') AND name LIKE ?"
                         " ESCAPE '\\' ORDER BY rowid",
                         "stats\\_%");
    /* A large part in memory: fewer segments to merge. */
    for (i = 0; rc == CG_OK && i < s->nfts; i++) {
        str_fmt(sql, sizeof(sql),
                "INSERT INTO \"%s\"(\"%s\", rank) VALUES ('hashsize', %d)",
                s->fts[i], s->fts[i], HASH_SIDE);
        rc = db_exec(s->db, sql);
    }
    if (rc == CG_OK)
        rc = db_exec(s->db, "BEGIN; INSERT INTO cases SELECT " SIDE_COLS
                            " FROM city.cases; COMMIT");
    if (rc == CG_OK)
        rc = db_exec(s->db, "DETACH city; BEGIN");
    return rc;
}

/* Writes the rows handed over until there are no more. */
static int
side_fill(struct side *s)
{
    struct db_stmt *st;
    struct chunk *c;
    size_t i;
    int rc;

    rc = db_prepare(s->db,
                    "INSERT INTO cases (" SIDE_COLS
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    &st);
    if (rc != CG_OK)
        return rc;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (!s->head && !s->ended)
            pthread_cond_wait(&s->cv, &s->mu);
        c = s->abandoned ? NULL : s->head;
        if (c) {
            s->head = c->next;
            if (!s->head)
                s->tail = NULL;
            s->queued--;
            pthread_cond_broadcast(&s->cv);
        }
        pthread_mutex_unlock(&s->mu);
        if (!c)
            break;
        for (i = 0; rc == CG_OK && i < c->n; i++) {
            const struct side_row *r = &c->rows[i];

            db_reset(st);
            db_bind_int(st, 1, r->id);
            db_bind_text(st, 2, r->title);
            db_bind_text(st, 3, r->description);
            db_bind_text(st, 4, r->area_path);
            db_bind_text(st, 5, r->category_code);
            if (r->unit_id)
                db_bind_int(st, 6, r->unit_id);
            else
                db_bind_null(st, 6);
            db_bind_int(st, 7, r->reported_at);
            db_bind_text(st, 8, r->stat_state);
            if (r->stat_due_at)
                db_bind_int(st, 9, r->stat_due_at);
            else
                db_bind_null(st, 9);
            if (r->stat_closed_at)
                db_bind_int(st, 10, r->stat_closed_at);
            else
                db_bind_null(st, 10);
            db_bind_text(st, 11, r->stat_rating);
            db_bind_int(st, 12, r->stat_handled);
            db_bind_int(st, 13, r->stat_reworked);
            if (db_step(st) != DB_DONE)
                rc = CG_EDB;
        }
        free(c);
        if (rc != CG_OK)
            break;
    }
    db_finalize(st);
    return rc;
}

/* The text indexes filled, the rollups added up, the whole committed. */
static int
side_end(struct side *s)
{
    char sql[512];
    size_t i;
    int rc = CG_OK;

    /* Each text index rebuilt, then merged into one segment on a level
     * of its own: later writes add small segments below it and merge
     * those among themselves.  Left as the rebuild makes them (16
     * segments of the trigram index at a million cases), or as one
     * segment on the level new ones start at, every later write would
     * also merge a share of the whole index: reports came in at half
     * the rate (405 against 759 a second). */
    for (i = 0; rc == CG_OK && i < s->nfts; i++) {
        str_fmt(sql, sizeof(sql),
                "INSERT INTO \"%s\"(\"%s\") VALUES ('rebuild');"
                " INSERT INTO \"%s\"(\"%s\") VALUES ('optimize')",
                s->fts[i], s->fts[i], s->fts[i], s->fts[i]);
        rc = db_exec(s->db, sql);
    }
    if (rc == CG_OK && s->rollups)
        rc = db_exec(s->db, s->rollups);
    if (rc == CG_OK)
        rc = db_exec(s->db, "COMMIT");
    return rc;
}

/* Runs in the side each statement that `sql` (with ? bound to name)
 * reads from the city's schema; an error when there is none. */
static int
copy_schema(struct side *s, const char *sql, const char *name)
{
    struct db_stmt *st;
    char **stmts = NULL;
    size_t n = 0, i;
    int rc;

    rc = db_prepare(s->db, sql, &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, name);
    while ((rc = db_step(st)) == DB_ROW)
        if ((rc = names_add(&stmts, &n, db_col_text(st, 0))) != CG_OK)
            break;
    db_finalize(st);
    rc = rc == DB_DONE ? (n ? CG_OK : CG_ENOTFOUND) : rc;
    for (i = 0; rc == CG_OK && i < n; i++)
        rc = db_exec(s->db, stmts[i]);
    names_free(stmts, n);
    return rc;
}

/* Replaces the rows of the city's table name with the side's; its
 * indexes are made again afterwards rather than kept up to date row by
 * row. */
static int
copy_table(struct db *db, const char *name)
{
    struct db_stmt *st;
    struct buf sql, again;
    int rc;

    buf_init(&sql, 1 << 16);
    buf_init(&again, 1 << 16);
    rc = db_prepare(db,
                    "SELECT name, sql FROM main.sqlite_master WHERE"
                    " type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                    &st);
    if (rc != CG_OK)
        goto out;
    db_bind_text(st, 1, name);
    while (rc == CG_OK && (rc = db_step(st)) == DB_ROW) {
        rc = buf_printf(&sql, "DROP INDEX main.\"%s\";", db_col_text(st, 0));
        if (rc == CG_OK)
            rc = buf_printf(&again, "%s;", db_col_text(st, 1));
    }
    db_finalize(st);
    if (rc != DB_DONE)
        goto out;
    rc = buf_printf(&sql,
                    "DELETE FROM main.\"%s\";"
                    " INSERT INTO main.\"%s\" SELECT * FROM side.\"%s\";",
                    name, name, name);
    if (rc == CG_OK)
        rc = db_exec(db, sql.data);
    if (rc == CG_OK && again.len)
        rc = db_exec(db, again.data);
out:
    buf_free(&sql);
    buf_free(&again);
    return rc;
}

/* Whether the statements sql fill table name (INSERT INTO name ...): the
 * other stats_* tables, if any, are not the rollups' and stay as they
 * are. */
static bool
rebuilds(const char *sql, const char *name)
{
    size_t len = strlen(name);
    const char *p;

    for (p = sql; (p = strstr(p, "INSERT INTO ")); p++) {
        p += strlen("INSERT INTO ");
        if (strncmp(p, name, len) == 0 && (p[len] == ' ' || p[len] == '('))
            return true;
    }
    return false;
}

static void
remove_files(const char *path)
{
    static const char *const ends[] = {"", "-journal", "-wal", "-shm"};
    char name[4096];
    size_t i;

    for (i = 0; i < sizeof(ends) / sizeof(*ends); i++) {
        str_fmt(name, sizeof(name), "%s%s", path, ends[i]);
        unlink(name);
    }
}

/* Appends a copy of name to names[0..*n). */
static int
names_add(char ***names, size_t *n, const char *name)
{
    char **more = realloc(*names, (*n + 1) * sizeof(*more));

    if (!more)
        return CG_ENOMEM;
    *names = more;
    more[(*n)++] = str_dup(name);
    return CG_OK;
}

static char **
names_dup(char *const *names, size_t n)
{
    char **out = n ? xcalloc(n, sizeof(*out)) : NULL;
    size_t i;

    for (i = 0; i < n; i++)
        out[i] = str_dup(names[i]);
    return out;
}

static void
names_free(char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
