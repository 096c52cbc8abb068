/*
 * demo_side.c - a text index of a bulk load, filled on a thread of its
 * own.
 *
 * SQLite writes a database from one connection at a time, and the rows
 * of a million cases keep one core busy.  Filling the two text indexes
 * afterwards took longer than building all the other indexes.  So each
 * text index is filled by a thread of its own, in a database file beside
 * the city's (a side), under the city's own definition of the index, read
 * from its schema.  The side first takes in the cases the city has; then
 * the load hands over each batch of rows it writes, and the side adds
 * them to its index as they come.  Once the last is in, the load copies
 * the index's tables in, row for row, inside its transaction (the
 * index's settings stay the city's own).
 *
 * The builders run at the lowest priority.  The rows are the load's
 * longest part and the rest waits for them, so they keep their core;
 * the builders take what is left of the other one and finish, after the
 * last row, while the load builds the cases' other indexes.  Rows not
 * yet added wait in a deep queue rather than hold the load back (a
 * million rows, 24 MB for each index).  With a queue of 16 batches, at the same
 * priority as the load, the rows were written a third slower.
 *
 * The index is filled in one transaction, with its own settings: it
 * writes many small segments and merges them as it goes, as a 'rebuild'
 * does, which leaves the largest ones on the highest levels, where later
 * reports' small segments seldom reach.  Written whole into one segment
 * instead (a larger part in memory, or an 'optimize' afterwards), the
 * index sat on a low level and every few dozen reports began merging all
 * of it again: reports were taken at a fifth of the rate.
 *
 * Anything the side cannot build fails side_ready() or side_finish(),
 * and the load then builds the index in place; a copy that fails fails
 * the load, whose transaction then leaves the city as it was.  The
 * load's own connection must not use a text index between the copy and
 * its commit: FTS5 keeps what it read of an index per connection, and
 * learns of a change it did not make itself at the next transaction.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "cmd/demo_side.h"
#include "store/db.h"

#define SIDE_COLS   "id, title, description"
#define MAX_QUEUED  1024 /* batches handed over and not yet added */
#define SIDE_SUFFIX "-side"
#define LOWEST      19 /* the builders' nice */

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
    char schema[16]; /* the side's name there */
    char *fts;       /* the text index it builds */
    struct db *db;   /* the builder's own connection */
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
static int copy_definition(struct side *s, const char *name);
static int copy_table(struct side *s, const char *name);
static void remove_files(const char *path);

int
side_attach(struct db *db, const char *dbfile, const char *fts, int k,
            struct side **out)
{
    struct side *s = xcalloc(1, sizeof(*s));
    struct db_stmt *st;
    size_t len = strlen(dbfile) + sizeof(SIDE_SUFFIX) + 12;
    char sql[64];
    int rc;

    *out = NULL;
    s->city = db;
    s->dbfile = str_dup(dbfile);
    s->fts = str_dup(fts);
    s->path = xmalloc(len);
    str_fmt(s->path, len, "%s" SIDE_SUFFIX "%d", dbfile, k);
    str_fmt(s->schema, sizeof(s->schema), "side%d", k);
    /* What a load killed before its end left behind. */
    remove_files(s->path);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    str_fmt(sql, sizeof(sql), "ATTACH ? AS %s", s->schema);
    rc = db_prepare(db, sql, &st);
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
side_start(struct side *s)
{
    if (pthread_create(&s->thread, NULL, side_main, s) != 0) {
        log_warn("msg=\"no thread for a text index\" index=%s", s->fts);
        return CG_ERR;
    }
    s->started = true;
    return CG_OK;
}

int
side_ready(struct side *s)
{
    int rc;

    if (!s->started)
        return CG_ERR;
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
    char name[256], sql[128];
    size_t k;
    int rc = CG_OK;

    str_fmt(sql, sizeof(sql),
            "SELECT COUNT(*) FROM %s.sqlite_master"
            " WHERE type = 'table' AND name = ?",
            s->schema);
    for (k = 0; rc == CG_OK && k < sizeof(fts_tables) / sizeof(*fts_tables);
         k++) {
        int64_t there = 0;

        str_fmt(name, sizeof(name), "%s_%s", s->fts, fts_tables[k]);
        rc = db_scalar_int(s->city, 0, &there, sql, name, NULL);
        if (rc == CG_OK && there)
            rc = copy_table(s, name);
        else if (rc == CG_OK && k == 0)
            rc = CG_ENOTFOUND; /* no index was built */
    }
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
    if (s->attached) {
        char sql[32];

        str_fmt(sql, sizeof(sql), "DETACH %s", s->schema);
        db_exec(s->city, sql);
    }
    remove_files(s->path);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->fts);
    free(s->dbfile);
    free(s->path);
    free(s);
}

static void *
side_main(void *arg)
{
    struct side *s = arg;
    int rc;

#ifdef SYS_gettid
    /* On Linux a thread has a priority of its own. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), LOWEST);
#endif
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
    pthread_mutex_lock(&s->mu);
    if (rc != CG_OK && !s->abandoned)
        log_warn("msg=\"text index not built alongside; built in place\""
                 " index=%s err=%s",
                 s->fts, cg_strerror(rc));
    s->rc = rc;
    s->done = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* The side's index, and beside it the texts of the cases the city has
 * now.  They are only copied here: the load waits for this, and must not
 * write much while the side reads the city (a reader holds off the
 * writer's spilling its cache into the file); side_fill indexes them. */
static int
side_open(struct side *s)
{
    struct db_stmt *st;
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
                            " title TEXT, description TEXT)");
    if (rc == CG_OK)
        rc = copy_definition(s, s->fts);
    if (rc == CG_OK)
        rc = db_exec(s->db, "BEGIN; INSERT INTO cases SELECT " SIDE_COLS
                            " FROM city.cases; COMMIT");
    /* The index is filled in one transaction, which reads nothing of the
     * city. */
    if (rc == CG_OK)
        rc = db_exec(s->db, "DETACH city; BEGIN");
    return rc;
}

/* Indexes the cases the city had, then adds the rows handed over until
 * there are no more. */
static int
side_fill(struct side *s)
{
    struct db_stmt *st;
    struct chunk *c;
    char sql[256];
    size_t i;
    int rc;

    str_fmt(sql, sizeof(sql),
            "INSERT INTO \"%s\"(rowid, title, description)"
            " SELECT " SIDE_COLS " FROM cases",
            s->fts);
    rc = db_exec(s->db, sql);
    str_fmt(sql, sizeof(sql),
            "INSERT INTO \"%s\"(rowid, title, description) VALUES (?, ?, ?)",
            s->fts);
    if (rc == CG_OK)
        rc = db_prepare(s->db, sql, &st);
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

/* The text index filled: the whole committed. */
static int
side_end(struct side *s)
{
    return db_exec(s->db, "COMMIT");
}

/* Makes in the side the city's table name as the city defines it. */
static int
copy_definition(struct side *s, const char *name)
{
    struct db_stmt *st;
    char *sql = NULL;
    int rc;

    rc = db_prepare(s->db,
                    "SELECT sql FROM city.sqlite_master"
                    " WHERE type = 'table' AND name = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, name);
    if (db_step(st) == DB_ROW && db_col_text(st, 0))
        sql = str_dup(db_col_text(st, 0));
    db_finalize(st);
    rc = sql ? db_exec(s->db, sql) : CG_ENOTFOUND;
    free(sql);
    return rc;
}

/* Replaces the rows of the city's table name with the side's. */
static int
copy_table(struct side *s, const char *name)
{
    struct buf sql;
    int rc;

    buf_init(&sql, 1024);
    rc = buf_printf(&sql,
                    "DELETE FROM main.\"%s\";"
                    " INSERT INTO main.\"%s\" SELECT * FROM %s.\"%s\"",
                    name, name, s->schema, name);
    if (rc == CG_OK)
        rc = db_exec(s->city, sql.data);
    buf_free(&sql);
    return rc;
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
