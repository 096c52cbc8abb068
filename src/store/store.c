/*
 * store.c - the store handle, its per-thread connections, and the writes
 * it may group into shared transactions.
 *
 * SQLite connections must not be shared between threads that use them at
 * the same time; the HTTP server runs a fixed pool of threads, so each
 * keeps one connection for its life.  A thread-specific key closes it when
 * the thread ends.
 *
 * A transaction costs more than its rows: SQLite writes every page it
 * changed into the log, the text indexes write a segment of their own,
 * and a connection whose database another connection changed starts with
 * an empty page cache.  With grouped writes (the server's), the writes
 * that arrive while one transaction is being written wait on a queue, and
 * one writer thread, with one connection whose cache stays warm, does
 * them all in the next transaction, each inside a savepoint of its own so
 * that one refused write undoes only itself.  The writer commits without
 * waiting for the disk and goes on with the next group; each caller waits
 * for its commit to be synced before it returns, so that nothing is
 * acknowledged before it is on disk.
 *
 * Between groups the writer also adds new cases to SQLite's text indexes
 * (db_dialect_search_catch_up): when it has been idle for a moment, or
 * once a batch has built up under a steady load; and a search first
 * has whatever still waits added (store_search_settle), so that it finds
 * every case there is.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "base/cpu.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "store/store.h"

/* Writes done in one transaction at most: a group bounds how long its
 * first write waits for the last. */
#define GROUP_MAX 64
/* Cases added to the text indexes in one transaction at most, and the
 * reports after which a batch is added even while reports keep coming:
 * 2 ms of the writer's time at the median, about 20 when FTS5 merges
 * segments meanwhile (at a million cases). */
#define SEARCH_BATCH 300
/* Cases a search adds in one write when many wait (store_search_settle). */
#define SETTLE_BATCH 5000
/* How long the writer waits, idle, before adding the cases of its last
 * groups to the text indexes: under a steady load the next report comes
 * first, and they are added as a batch. */
#define SEARCH_IDLE_MS 50
/* How often an idle writer looks for cases that other writers (another
 * process, a transaction of the caller's) left out of the text indexes. */
#define SEARCH_LOOK_MS 1000

struct write {
    store_write_fn fn;
    void *arg;
    int rc;
    uint64_t ticket; /* its commit, to wait for on disk */
    bool done;
    struct write *next;
};

struct store {
    char *url;
    pthread_key_t key;
    /* Grouped writes (store_group_writes). */
    bool grouped;
    pthread_t writer;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    struct write *head, *tail;
    bool stop;
    uint64_t groups, writes; /* done so far, for the operator */
};

/* The store whose writer this thread is, if any: its writes are already
 * inside a group. */
static __thread struct store *writer_of;
/* Whether the writer is running a group's writes. */
static __thread bool in_group;

static void close_conn(void *p);
static void *writer_main(void *arg);
static void group_run(struct store *s, struct write *group);
static int group_size(const struct write *group);
static int write_alone(struct db *db, store_write_fn fn, void *arg);
static int write_queued(struct store *s, store_write_fn fn, void *arg,
                        bool durable);
static bool search_upkeep(struct store *s);
static int search_settle_write(struct db *db, void *arg);
static void wait_work(struct store *s, int ms, bool *timed_out);

static void
close_conn(void *p)
{
    db_close(p);
}

int
store_open(const char *url, struct store **out)
{
    struct store *s = xcalloc(1, sizeof(*s));
    pthread_condattr_t ca;
    struct db *db;
    int rc;

    s->url = str_dup(url);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->work, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&s->done, NULL);
    if (pthread_key_create(&s->key, close_conn) != 0)
        CG_FATAL("pthread_key_create");
    rc = db_open(url, &db);
    if (rc != CG_OK) {
        store_close(s);
        return rc;
    }
    pthread_setspecific(s->key, db);
    *out = s;
    return CG_OK;
}

void
store_close(struct store *s)
{
    struct db *db;

    if (!s)
        return;
    if (s->grouped) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_signal(&s->work);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->writer, NULL);
    }
    db = pthread_getspecific(s->key);
    if (db) {
        db_close(db);
        pthread_setspecific(s->key, NULL);
    }
    pthread_key_delete(s->key);
    pthread_cond_destroy(&s->done);
    pthread_cond_destroy(&s->work);
    pthread_mutex_destroy(&s->mu);
    free(s->url);
    free(s);
}

struct db *
store_db(struct store *s)
{
    struct db *db = pthread_getspecific(s->key);

    if (db)
        return db;
    if (db_open(s->url, &db) != CG_OK)
        CG_FATAL("cannot open a database connection for this thread");
    pthread_setspecific(s->key, db);
    return db;
}

/* ---- grouped writes ------------------------------------------------------ */

int
store_group_writes(struct store *s)
{
    if (s->grouped)
        return CG_OK;
    /* A server of its own (PostgreSQL) groups commits itself, and lets
     * writers of different rows work at the same time. */
    if (!db_dialect_groups_writes(store_db(s)))
        return CG_OK;
    if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
        log_error("msg=\"cannot start the writer thread\"");
        return CG_ERR;
    }
    s->grouped = true;
    return CG_OK;
}

int
store_write(struct store *s, store_write_fn fn, void *arg)
{
    return write_queued(s, fn, arg, true);
}

/* store_write; unless durable, the caller goes on once the commit is
 * written, before it is on disk (for what can be made again). */
static int
write_queued(struct store *s, store_write_fn fn, void *arg, bool durable)
{
    struct db *db = store_db(s);
    struct write w = {fn, arg, CG_OK, 0, false, NULL};
    bool held;

    /* Inside a transaction already (the caller's, or the group's on the
     * writer thread), the write is part of it. */
    if (db_in_tx(db))
        return fn(db, arg);
    if (!s->grouped)
        return write_alone(db, fn, arg);
    /* The writer, between groups (its upkeep), writes alone; inside a
     * group whose transaction SQLite abandoned, it writes nothing. */
    if (writer_of == s)
        return in_group ? CG_EDB : write_alone(db, fn, arg);

    /* The writer does the work; waiting for it and for the disk, this
     * thread leaves its turn on the processor to others (base/cpu.h). */
    held = cpu_turn_pause();
    pthread_mutex_lock(&s->mu);
    if (s->stop) {
        pthread_mutex_unlock(&s->mu);
        cpu_turn_resume(held);
        return CG_EDB;
    }
    if (s->tail)
        s->tail->next = &w;
    else
        s->head = &w;
    s->tail = &w;
    pthread_cond_signal(&s->work);
    while (!w.done)
        pthread_cond_wait(&s->done, &s->mu);
    pthread_mutex_unlock(&s->mu);
    /* A refusal too may rest on what an earlier write of the group did
     * (the first of two retries stored the case the second is answered
     * with): no answer before the group is on disk. */
    if (durable && db_wait_synced(db, w.ticket) != CG_OK)
        w.rc = CG_ERR;
    cpu_turn_resume(held);
    return w.rc;
}

/* One write in a transaction of its own, committed once on disk. */
static int
write_alone(struct db *db, store_write_fn fn, void *arg)
{
    int rc;

    if (db_begin(db) != CG_OK)
        return CG_EDB;
    rc = fn(db, arg);
    if (rc != CG_OK) {
        db_rollback(db);
        return rc;
    }
    if (db_commit(db) != CG_OK) {
        db_rollback(db);
        return CG_ERR;
    }
    return CG_OK;
}

static void *
writer_main(void *arg)
{
    struct store *s = arg;
    struct write *group, *w;
    bool behind = true, timed_out;
    int n, since = 0;

    writer_of = s;
    pthread_setname_np(pthread_self(), "store-writer");
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (s->stop && !s->head)
            break;
        if (!s->head) {
            wait_work(s, behind ? SEARCH_IDLE_MS : SEARCH_LOOK_MS, &timed_out);
            if (!timed_out || s->head)
                continue;
        }
        if (!s->head || since >= SEARCH_BATCH) {
            pthread_mutex_unlock(&s->mu);
            behind = search_upkeep(s);
            since = 0;
            pthread_mutex_lock(&s->mu);
            continue;
        }
        /* Up to GROUP_MAX writes off the queue, in their order. */
        group = s->head;
        for (w = group, n = 1; w->next && n < GROUP_MAX; w = w->next, n++)
            ;
        s->head = w->next;
        if (!s->head)
            s->tail = NULL;
        w->next = NULL;
        pthread_mutex_unlock(&s->mu);

        group_run(s, group);

        pthread_mutex_lock(&s->mu);
        for (w = group; w; w = w->next)
            w->done = true;
        pthread_cond_broadcast(&s->done);
        since += n;
        behind = true;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Waits up to ms for a write to come (s->mu held); *timed_out when none
 * did. */
static void
wait_work(struct store *s, int ms, bool *timed_out)
{
    struct timespec until;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    until.tv_sec += ms / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    *timed_out = false;
    while (!s->head && !s->stop && !*timed_out)
        *timed_out =
            pthread_cond_timedwait(&s->work, &s->mu, &until) == ETIMEDOUT;
}

/*
 * Adds a batch of waiting cases to the text indexes, in a transaction of
 * its own that nobody waits on the disk for: the indexes are made again
 * from the cases, and a batch lost with the process is added again from
 * where the last one on disk stopped.  Whether more cases wait.
 */
static bool
search_upkeep(struct store *s)
{
    struct db *db = store_db(s);
    int64_t n = 0;
    int rc;

    if (db_dialect_search_backlog(db, &n) != CG_OK || n == 0)
        return false;
    if (db_begin(db) != CG_OK)
        return true;
    rc = db_dialect_search_catch_up(db, SEARCH_BATCH);
    if (rc == CG_OK)
        rc = db_commit_nowait(db);
    if (rc != CG_OK) {
        db_rollback(db);
        log_error("msg=\"new cases not added to the text indexes\"");
        return false;
    }
    return n > SEARCH_BATCH;
}

void
store_write_counts(struct store *s, uint64_t *groups, uint64_t *writes)
{
    pthread_mutex_lock(&s->mu);
    *groups = s->groups;
    *writes = s->writes;
    pthread_mutex_unlock(&s->mu);
}

/*
 * Adds what waits in batches, each its own write, so that reports go on
 * between them when much waits (cases another program wrote); a search
 * needs them seen, not on disk.
 */
int
store_search_settle(struct store *s)
{
    int64_t n = 0, rounds;
    int rc;

    if (db_dialect_search_backlog(store_db(s), &n) != CG_OK)
        return CG_EDB;
    /* Enough batches for the cases there were when the search came;
     * those reported meanwhile are newer than the search. */
    for (rounds = n / SETTLE_BATCH + 1; n > 0 && rounds > 0; rounds--)
        if ((rc = write_queued(s, search_settle_write, NULL, false)) != CG_OK ||
            (rc = db_dialect_search_backlog(store_db(s), &n)) != CG_OK)
            return rc;
    return CG_OK;
}

static int
search_settle_write(struct db *db, void *arg)
{
    (void)arg;
    return db_dialect_search_catch_up(db, SETTLE_BATCH);
}

/*
 * Does a group's writes in one transaction, each in a savepoint, and sets
 * each one's rc and ticket.  A write that fails is rolled back to its
 * savepoint; when SQLite abandons the transaction (a full disk, a failed
 * read) or the commit fails, every write of the group answers CG_EDB.
 * The list links are read before a write is marked done, never after:
 * its caller's stack frame goes away then.
 */
static void
group_run(struct store *s, struct write *group)
{
    struct db *db = store_db(s);
    struct write *w;
    uint64_t ticket = 0;
    int rc = CG_OK;

    if (db_begin(db) != CG_OK) {
        for (w = group; w; w = w->next)
            w->rc = CG_EDB;
        return;
    }
    db_tx_only(db, true);
    in_group = true;
    for (w = group; w; w = w->next) {
        if (db_exec(db, "SAVEPOINT grouped_write") != CG_OK)
            break;
        w->rc = w->fn(db, w->arg);
        if (!db_in_tx(db))
            break;
        if (w->rc == CG_OK)
            rc = db_exec(db, "RELEASE grouped_write");
        else
            rc = db_exec(db, "ROLLBACK TO grouped_write; "
                             "RELEASE grouped_write");
        if (rc != CG_OK)
            break;
    }
    db_tx_only(db, false);
    in_group = false;
    if (!w)
        rc = db_commit_later(db, &ticket);
    if (w || rc != CG_OK) {
        /* The transaction is lost, or its commit failed: nothing of the
         * group is kept, and a refusal may have rested on a write that
         * is gone.  Every caller is told to try again. */
        log_error("msg=\"a group of writes was not stored\" writes=%d",
                  group_size(group));
        db_rollback(db);
        for (w = group; w; w = w->next)
            w->rc = CG_EDB;
        return;
    }
    for (w = group; w; w = w->next)
        w->ticket = ticket;
    pthread_mutex_lock(&s->mu);
    s->groups++;
    s->writes += (uint64_t)group_size(group);
    pthread_mutex_unlock(&s->mu);
}

static int
group_size(const struct write *group)
{
    int n = 0;

    for (; group; group = group->next)
        n++;
    return n;
}
