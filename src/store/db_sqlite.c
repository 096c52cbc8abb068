/*
 * db_sqlite.c - the embedded backend: one SQLite file in WAL mode.
 *
 * Writers wait for each other (busy timeout) instead of failing, and every
 * write transaction is BEGIN IMMEDIATE so that read-then-write sequences
 * are serialised.
 *
 * A commit is on disk before it returns, so that a write the server
 * acknowledged survives a kill -9 and a power cut; but the disk is synced
 * once for all the commits waiting at that moment (group commit), not
 * once per commit as synchronous=FULL would.  Connections run with
 * synchronous=NORMAL, which writes a transaction into the WAL without
 * syncing it, and the WAL hook, called after the commit has released the
 * write lock, waits for a sync of the WAL file: the first waiter syncs
 * for everyone whose transaction was written by then, the others wait for
 * it.  While one thread waits on the disk the next transactions commit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "base/cpu.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "store/db_backend.h"
#include "store/stats_sql.h"

/* Statements kept prepared between uses: parsing and planning the same
 * SQL again was a third of the cost of reading a case.  A connection
 * belongs to one thread, so its cache needs no lock. */
#define STMT_CACHE 96
/* How long a statement waits for another connection's lock. */
#define BUSY_TIMEOUT_MS 10000

struct cached {
    uint64_t hash;
    sqlite3_stmt *st; /* NULL: free slot */
    bool in_use;
    uint64_t used; /* for evicting the least recently used */
};

/* WAL frames after which the WAL is copied back into the database file
 * (a checkpoint), as SQLite's own default does; a WAL hook of our own
 * replaces that default. */
#define CHECKPOINT_FRAMES 1000
/* A WAL past this size is started over by a checkpoint that waits for
 * the readers of its older frames and holds new writers back meanwhile:
 * with readers always busy a plain checkpoint copies the frames but the
 * WAL never starts over, and it grew by a gigabyte a minute under a load
 * of reports, every page lookup searching it.  The file is then cut back
 * to this size (journal_size_limit), not to nothing: writing into blocks
 * the file already has costs far less than the file system giving it new
 * ones. */
#define WAL_LIMIT ((off_t)64 << 20)
/* How long that checkpoint waits for readers, holding writers back: a
 * report waits no longer than this, and the WAL is emptied at the next
 * checkpoint when the readers did not clear in time. */
#define CHECKPOINT_WAIT_MS 200

/* The group commit of one database file, shared by its connections in
 * this process. */
struct wal_sync {
    char wal[PATH_MAX]; /* the WAL file's path; "" for a database in memory */
    int refs;
    pthread_mutex_t mu;
    pthread_cond_t done;
    uint64_t written; /* commits written into the WAL, numbered */
    uint64_t synced;  /* commits known to be on disk */
    bool syncing;     /* a thread is syncing */
    /* Checkpoints run on a thread of their own with its own connection,
     * started on first need, so that no commit waits for one. */
    char dbfile[PATH_MAX];
    pthread_t checkpointer;
    bool started;
    bool want_checkpoint;
    int asked_at; /* the WAL's frames when a checkpoint was last asked */
    bool stop;
    pthread_cond_t wake;
    /* Taken by this process's writers before SQLite's write lock: they
     * wait for one another here, woken as soon as it is free, rather
     * than in SQLite's busy handler, which sleeps and retries in steps
     * of up to 100 ms.  Given back once the commit is written, before
     * waiting for the disk. */
    pthread_mutex_t writer;
    /* Threads waiting for the turn, and the signal that none is: one
     * coming for the turn waits until those before it have had theirs
     * (turn_take). */
    int turn_waiting;
    pthread_cond_t turn_free;
    struct wal_sync *next;
};

struct lite_db {
    struct db base;
    sqlite3 *h;
    struct cached cache[STMT_CACHE];
    uint64_t clock;
    struct wal_sync *sync;
    bool nowait;     /* this commit need not wait for the disk */
    bool later;      /* this commit's caller waits for the disk itself */
    uint64_t ticket; /* the number of the last commit made later */
    bool writing;    /* holds sync->writer */
    bool tx_only;    /* statements only inside a transaction */
    bool cpu_held;   /* gave up its turn on the processor for the writer's */
};

/* The writer turn this thread holds, if any: a thread never waits for
 * its own (a second connection of the same thread writing meanwhile
 * meets SQLite's lock instead, as it would without the turn). */
static __thread struct wal_sync *writer_held;

struct lite_stmt {
    struct db_stmt base;
    sqlite3_stmt *st;
    struct cached *cached; /* the cache slot it came from, or NULL */
};

static sqlite3 *conn_of(struct db *db);
static sqlite3_stmt *stmt_of(struct db_stmt *st);
static int map_rc(struct db *db, int rc, const char *what);
static void lite_close(struct db *db);
static uint64_t sql_hash(const char *sql);
static const char *lite_errmsg(struct db *db);
static int lite_exec(struct db *db, const char *sql);
static int lite_prepare(struct db *db, const char *sql, struct db_stmt **out);
static int lite_bind_text(struct db_stmt *st, int i, const char *v);
static int lite_bind_blob(struct db_stmt *st, int i, const void *v, size_t len);
static int lite_bind_int(struct db_stmt *st, int i, int64_t v);
static int lite_bind_double(struct db_stmt *st, int i, double v);
static int lite_bind_null(struct db_stmt *st, int i);
static int lite_step(struct db_stmt *st);
static int lite_reset(struct db_stmt *st);
static const char *lite_col_text(struct db_stmt *st, int i);
static int lite_col_count(struct db_stmt *st);
static const char *lite_col_name(struct db_stmt *st, int i);
static char lite_col_kind(struct db_stmt *st, int i);
static const void *lite_col_blob(struct db_stmt *st, int i, size_t *len);
static int64_t lite_col_int(struct db_stmt *st, int i);
static double lite_col_double(struct db_stmt *st, int i);
static bool lite_col_null(struct db_stmt *st, int i);
static void lite_finalize(struct db_stmt *st);
static int lite_begin(struct db *db);
static int lite_commit(struct db *db);
static int lite_commit_nowait(struct db *db);
static int lite_commit_later(struct db *db, uint64_t *ticket);
static int lite_wait_synced(struct db *db, uint64_t ticket);
static void lite_tx_only(struct db *db, bool on);
static bool outside_tx(struct lite_db *l);
static int lite_wait_all_synced(struct db *db);
static bool lite_groups_writes(struct db *db);
static void lite_rollback(struct db *db);
static void writer_done(struct lite_db *l);
static bool lite_in_tx(struct db *db);
static int64_t lite_last_id(struct db *db);
static int lite_changes(struct db *db);
static char *lite_ddl(const char *sql);
static const char *lite_schema_extra(int version);
static int lite_search(struct buf *sql, const char *alias, const char *q);
static int lite_search_backlog(struct db *db, int64_t *n);
static int lite_search_catch_up(struct db *db, int64_t max);
static int lite_search_rebuilt(struct db *db);
static int lite_search_bind(struct db_stmt *st, int i, const char *q);
static int lite_search_register(sqlite3 *h);
static int gram_char_len(const char *s, int n, int i);
static int gram_create(void *ctx, const char **argv, int argc,
                       Fts5Tokenizer **out);
static void gram_delete(Fts5Tokenizer *t);
static int
gram_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
              int (*token)(void *, int, const char *, int, int, int));

static struct wal_sync *wal_sync_get(const char *dbfile);
static void wal_sync_put(struct wal_sync *w);
static uint64_t wal_sync_number(struct wal_sync *w);
static int wal_sync_until(struct wal_sync *w, uint64_t mine);
static uint64_t wal_sync_last(struct wal_sync *w);
static int wal_committed(void *ctx, sqlite3 *h, const char *name, int frames);
static void wal_checkpoint_soon(struct wal_sync *w, int frames);
static void *wal_checkpointer(void *arg);
static void wal_checkpoint_once(struct wal_sync *w);
static off_t wal_size(const char *path);
static bool turn_take(struct wal_sync *w, const struct timespec *until);

static const struct db_ops lite_ops = {
    .close = lite_close,
    .errmsg = lite_errmsg,
    .exec = lite_exec,
    .prepare = lite_prepare,
    .bind_text = lite_bind_text,
    .bind_int = lite_bind_int,
    .bind_double = lite_bind_double,
    .bind_null = lite_bind_null,
    .bind_blob = lite_bind_blob,
    .step = lite_step,
    .reset = lite_reset,
    .col_text = lite_col_text,
    .col_int = lite_col_int,
    .col_double = lite_col_double,
    .col_null = lite_col_null,
    .col_blob = lite_col_blob,
    .col_count = lite_col_count,
    .col_name = lite_col_name,
    .col_kind = lite_col_kind,
    .finalize = lite_finalize,
    .begin = lite_begin,
    .commit = lite_commit,
    .commit_nowait = lite_commit_nowait,
    .commit_later = lite_commit_later,
    .wait_synced = lite_wait_synced,
    .tx_only = lite_tx_only,
    .wait_all_synced = lite_wait_all_synced,
    .groups_writes = lite_groups_writes,
    .rollback = lite_rollback,
    .in_tx = lite_in_tx,
    .last_id = lite_last_id,
    .changes = lite_changes,
    .ddl = lite_ddl,
    .schema_extra = lite_schema_extra,
    .strpos = "instr",
    .indexed_by = true,
    .search = lite_search,
    .search_backlog = lite_search_backlog,
    .search_catch_up = lite_search_catch_up,
    .search_rebuilt = lite_search_rebuilt,
    .search_bind = lite_search_bind,
};

static sqlite3 *
conn_of(struct db *db)
{
    return ((struct lite_db *)db)->h;
}

static sqlite3_stmt *
stmt_of(struct db_stmt *st)
{
    return ((struct lite_stmt *)st)->st;
}

static int
map_rc(struct db *db, int rc, const char *what)
{
    if (rc == SQLITE_OK || rc == SQLITE_DONE)
        return CG_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return CG_ECONFLICT;
    log_error("msg=\"database error\" op=%s err=\"%s\"", what,
              sqlite3_errmsg(conn_of(db)));
    return CG_EDB;
}

static pthread_once_t lite_once = PTHREAD_ONCE_INIT;

/* Before SQLite's first use.  Its count of the memory in use, which no
 * one here reads, takes a lock of the whole process at every allocation:
 * connections working at once on their own threads would queue on it. */
static void
lite_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int
db_sqlite_open(const char *url, struct db **out)
{
    struct lite_db *db = xcalloc(1, sizeof(*db));
    char limit[64];
    int rc;

    pthread_once(&lite_once, lite_init);

    db->base.ops = &lite_ops;
    rc = sqlite3_open_v2(
        url, &db->h,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        log_error("msg=\"cannot open database\" path=%s err=\"%s\"", url,
                  db->h ? sqlite3_errmsg(db->h) : "out of memory");
        lite_close(&db->base);
        return CG_EDB;
    }
    sqlite3_busy_timeout(db->h, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db->h, 1);
    if (lite_search_register(db->h) != CG_OK) {
        lite_close(&db->base);
        return CG_EDB;
    }
    str_fmt(limit, sizeof(limit), "PRAGMA journal_size_limit=%lld",
            (long long)WAL_LIMIT);
    if (lite_exec(&db->base, "PRAGMA journal_mode=WAL;"
                             " PRAGMA synchronous=NORMAL;"
                             "PRAGMA foreign_keys=ON;"
                             " PRAGMA temp_store=MEMORY;"
                             " PRAGMA cache_size=-1024;") != CG_OK ||
        lite_exec(&db->base, limit) != CG_OK) {
        lite_close(&db->base);
        return CG_EDB;
    }
    db->sync = wal_sync_get(sqlite3_db_filename(db->h, "main"));
    sqlite3_wal_hook(db->h, wal_committed, db);
    *out = &db->base;
    return CG_OK;
}

static void
lite_close(struct db *db)
{
    struct lite_db *l = (struct lite_db *)db;
    size_t i;

    for (i = 0; i < STMT_CACHE; i++)
        if (l->cache[i].st)
            sqlite3_finalize(l->cache[i].st);
    sqlite3_close_v2(conn_of(db));
    writer_done(l);
    if (l->sync)
        wal_sync_put(l->sync);
    free(db);
}

/* ---- group commit -------------------------------------------------------- */

static pthread_mutex_t wal_syncs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct wal_sync *wal_syncs;

/* The group commit of the database file dbfile, made on first use. */
static struct wal_sync *
wal_sync_get(const char *dbfile)
{
    char wal[PATH_MAX] = "";
    struct wal_sync *w;

    if (dbfile && *dbfile && strlen(dbfile) + 5 <= sizeof(wal))
        str_fmt(wal, sizeof(wal), "%s-wal", dbfile);
    pthread_mutex_lock(&wal_syncs_mu);
    for (w = wal_syncs; w; w = w->next)
        if (strcmp(w->wal, wal) == 0)
            break;
    if (!w) {
        w = xcalloc(1, sizeof(*w));
        str_copy(w->wal, sizeof(w->wal), wal);
        if (*wal)
            str_copy(w->dbfile, sizeof(w->dbfile), dbfile);
        pthread_mutex_init(&w->mu, NULL);
        pthread_mutex_init(&w->writer, NULL);
        pthread_cond_init(&w->done, NULL);
        pthread_cond_init(&w->wake, NULL);
        pthread_cond_init(&w->turn_free, NULL);
        w->next = wal_syncs;
        wal_syncs = w;
    }
    w->refs++;
    pthread_mutex_unlock(&wal_syncs_mu);
    return w;
}

static void
wal_sync_put(struct wal_sync *w)
{
    struct wal_sync **pp;

    pthread_mutex_lock(&wal_syncs_mu);
    if (--w->refs == 0) {
        for (pp = &wal_syncs; *pp != w; pp = &(*pp)->next)
            ;
        *pp = w->next;
        if (w->started) {
            pthread_mutex_lock(&w->mu);
            w->stop = true;
            pthread_cond_signal(&w->wake);
            pthread_mutex_unlock(&w->mu);
            pthread_join(w->checkpointer, NULL);
        }
        pthread_cond_destroy(&w->wake);
        pthread_cond_destroy(&w->turn_free);
        pthread_cond_destroy(&w->done);
        pthread_mutex_destroy(&w->mu);
        pthread_mutex_destroy(&w->writer);
        free(w);
    }
    pthread_mutex_unlock(&wal_syncs_mu);
}

/* Syncs the WAL file; the file is opened each time, so that a WAL that
 * SQLite deleted and made again is never missed through an old
 * descriptor. */
static int
wal_fsync(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

    if (fd < 0)
        return errno == ENOENT ? 0 : -1; /* no WAL: nothing unsynced */
    if (fdatasync(fd) != 0)
        rc = -1;
    close(fd);
    return rc;
}

/* Numbers the commit just written; 0 for a database in memory, which
 * has no disk to wait for. */
static uint64_t
wal_sync_number(struct wal_sync *w)
{
    uint64_t n;

    if (!*w->wal)
        return 0;
    pthread_mutex_lock(&w->mu);
    n = ++w->written;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* The number of the last commit written so far. */
static uint64_t
wal_sync_last(struct wal_sync *w)
{
    uint64_t n;

    pthread_mutex_lock(&w->mu);
    n = w->written;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/*
 * Waits until the commit numbered `mine` is on disk.  A thread finding no
 * sync under way syncs for every commit written so far, others wait and
 * look again.
 */
static int
wal_sync_until(struct wal_sync *w, uint64_t mine)
{
    uint64_t upto;
    bool held;
    int rc = CG_OK;

    if (!*w->wal || mine == 0)
        return CG_OK;
    /* Waiting for the disk, the thread leaves its turn on the processor
     * to others (base/cpu.h). */
    held = cpu_turn_pause();
    pthread_mutex_lock(&w->mu);
    while (w->synced < mine) {
        if (w->syncing) {
            pthread_cond_wait(&w->done, &w->mu);
            continue;
        }
        w->syncing = true;
        upto = w->written;
        pthread_mutex_unlock(&w->mu);
        if (wal_fsync(w->wal) != 0) {
            log_error("msg=\"cannot sync the write-ahead log\" path=%s "
                      "err=\"%s\"",
                      w->wal, strerror(errno));
            rc = CG_EDB;
        }
        pthread_mutex_lock(&w->mu);
        w->syncing = false;
        if (rc == CG_OK && upto > w->synced)
            w->synced = upto;
        pthread_cond_broadcast(&w->done);
        if (rc != CG_OK)
            break;
    }
    pthread_mutex_unlock(&w->mu);
    cpu_turn_resume(held);
    return rc;
}

/*
 * Called by SQLite after each commit, the write lock released.  An error
 * returned here makes the COMMIT report it although the transaction is
 * in the WAL: the caller answers an error, never an acknowledgement the
 * disk does not hold.
 */
static int
wal_committed(void *ctx, sqlite3 *h, const char *name, int frames)
{
    struct lite_db *l = ctx;
    int rc = SQLITE_OK;

    /* Written, and SQLite's write lock released: the next writer may go
     * while this one waits for the disk. */
    writer_done(l);
    if (l->later)
        l->ticket = wal_sync_number(l->sync);
    else if (!l->nowait &&
             wal_sync_until(l->sync, wal_sync_number(l->sync)) != CG_OK)
        rc = SQLITE_IOERR;
    if (frames >= CHECKPOINT_FRAMES) {
        if (*l->sync->wal)
            wal_checkpoint_soon(l->sync, frames);
        else
            sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
                                      NULL);
    }
    return rc;
}

/* Asks for a checkpoint of a WAL of `frames` frames: once per
 * CHECKPOINT_FRAMES written, not at every commit while readers keep the
 * WAL from starting over. */
static void
wal_checkpoint_soon(struct wal_sync *w, int frames)
{
    pthread_mutex_lock(&w->mu);
    if (frames >= w->asked_at && frames < w->asked_at + CHECKPOINT_FRAMES) {
        pthread_mutex_unlock(&w->mu);
        return;
    }
    w->asked_at = frames;
    w->want_checkpoint = true;
    if (!w->started && !w->stop)
        w->started =
            pthread_create(&w->checkpointer, NULL, wal_checkpointer, w) == 0;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->mu);
}

static off_t
wal_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* One checkpoint, through a connection of its own opened for it: held
 * open between checkpoints, it would keep a bulk load from taking the
 * file for itself (demo_load.c). */
static void
wal_checkpoint_once(struct wal_sync *w)
{
    struct timespec until;
    sqlite3 *h = NULL;

    /* A connection learns that the file is in WAL mode when it first
     * reads it; until then a checkpoint does nothing. */
    if (sqlite3_open_v2(w->dbfile, &h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(h, CHECKPOINT_WAIT_MS) != SQLITE_OK ||
        sqlite3_exec(h, "PRAGMA journal_mode", NULL, NULL, NULL) != SQLITE_OK) {
        log_error("msg=\"cannot open the database to checkpoint\" path=%s",
                  w->dbfile);
        sqlite3_close_v2(h);
        return;
    }
    /* Writers go on while the frames are copied; only what they add
     * meanwhile is left to the checkpoint that holds them back.  That one
     * takes this process's writer turn first, so that its writers wait
     * for it on the turn, woken as soon as it is done, rather than in
     * SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20 ms and
     * more in turn. */
    sqlite3_wal_checkpoint_v2(h, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (wal_size(w->wal) > WAL_LIMIT) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += BUSY_TIMEOUT_MS / 1000;
        if (turn_take(w, &until)) {
            sqlite3_wal_checkpoint_v2(h, "main", SQLITE_CHECKPOINT_RESTART,
                                      NULL, NULL);
            pthread_mutex_unlock(&w->writer);
        }
    }
    sqlite3_close_v2(h);
}

/* Copies the WAL back into the database file whenever commits ask for
 * it, until the last connection to the file closes. */
static void *
wal_checkpointer(void *arg)
{
    struct wal_sync *w = arg;

    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        if (!w->want_checkpoint) {
            pthread_cond_wait(&w->wake, &w->mu);
            continue;
        }
        w->want_checkpoint = false;
        pthread_mutex_unlock(&w->mu);
        wal_checkpoint_once(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static uint64_t
sql_hash(const char *sql)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (; *sql; sql++) {
        h ^= (unsigned char)*sql;
        h *= 0x100000001b3ull;
    }
    return h;
}

static const char *
lite_errmsg(struct db *db)
{
    return sqlite3_errmsg(conn_of(db));
}

static int
lite_exec(struct db *db, const char *sql)
{
    char *msg = NULL;
    int rc;

    if (outside_tx((struct lite_db *)db))
        return CG_EDB;
    rc = sqlite3_exec(conn_of(db), sql, NULL, NULL, &msg);

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

static int
lite_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
    struct lite_db *l = (struct lite_db *)db;
    struct lite_stmt *st = xcalloc(1, sizeof(*st));
    uint64_t h = sql_hash(sql);
    struct cached *c, *victim = NULL;
    size_t i;
    int rc;

    for (i = 0; i < STMT_CACHE; i++) {
        c = &l->cache[i];
        if (c->st && !c->in_use && c->hash == h &&
            strcmp(sqlite3_sql(c->st), sql) == 0) {
            c->in_use = true;
            c->used = ++l->clock;
            st->st = c->st;
            st->cached = c;
            st->base.db = db;
            *out = &st->base;
            return CG_OK;
        }
        if (!c->in_use &&
            (!victim || !c->st || (victim->st && c->used < victim->used)))
            victim = c;
    }
    rc = sqlite3_prepare_v3(conn_of(db), sql, -1, SQLITE_PREPARE_PERSISTENT,
                            &st->st, NULL);
    if (rc == SQLITE_OK && victim) {
        if (victim->st)
            sqlite3_finalize(victim->st);
        victim->st = st->st;
        victim->hash = h;
        victim->in_use = true;
        victim->used = ++l->clock;
        st->cached = victim;
    }
    if (rc != SQLITE_OK) {
        log_error("msg=\"cannot prepare\" err=\"%s\" sql=\"%.80s\"",
                  sqlite3_errmsg(conn_of(db)), sql);
        free(st);
        return CG_EDB;
    }
    st->base.db = db;
    *out = &st->base;
    return CG_OK;
}

static int
lite_bind_text(struct db_stmt *st, int i, const char *v)
{
    if (!v)
        return lite_bind_null(st, i);
    return map_rc(st->db,
                  sqlite3_bind_text(stmt_of(st), i, v, -1, SQLITE_TRANSIENT),
                  "bind");
}

static int
lite_bind_blob(struct db_stmt *st, int i, const void *v, size_t len)
{
    if (len > 0x7fffffff)
        return CG_ETOOBIG;
    return map_rc(
        st->db,
        sqlite3_bind_blob(stmt_of(st), i, v, (int)len, SQLITE_TRANSIENT),
        "bind");
}

static int
lite_bind_int(struct db_stmt *st, int i, int64_t v)
{
    return map_rc(st->db, sqlite3_bind_int64(stmt_of(st), i, v), "bind");
}

static int
lite_bind_double(struct db_stmt *st, int i, double v)
{
    return map_rc(st->db, sqlite3_bind_double(stmt_of(st), i, v), "bind");
}

static int
lite_bind_null(struct db_stmt *st, int i)
{
    return map_rc(st->db, sqlite3_bind_null(stmt_of(st), i), "bind");
}

static int
lite_step(struct db_stmt *st)
{
    struct lite_db *l = (struct lite_db *)st->db;
    int rc;

    if (outside_tx(l))
        return CG_EDB;
    rc = sqlite3_step(stmt_of(st));

    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    return map_rc(st->db, rc, "step");
}

static int
lite_reset(struct db_stmt *st)
{
    sqlite3_reset(stmt_of(st));
    return map_rc(st->db, sqlite3_clear_bindings(stmt_of(st)), "reset");
}

static const char *
lite_col_text(struct db_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(stmt_of(st), i);
}

static int
lite_col_count(struct db_stmt *st)
{
    return sqlite3_column_count(stmt_of(st));
}

static const char *
lite_col_name(struct db_stmt *st, int i)
{
    return sqlite3_column_name(stmt_of(st), i);
}

/* By the column's declared type (the tables are STRICT), else by the
 * value at hand. */
static char
lite_col_kind(struct db_stmt *st, int i)
{
    const char *t = sqlite3_column_decltype(stmt_of(st), i);

    if (t) {
        if (strcasecmp(t, "INTEGER") == 0 || strcasecmp(t, "INT") == 0)
            return 'i';
        if (strcasecmp(t, "REAL") == 0)
            return 'r';
        if (strcasecmp(t, "BLOB") == 0)
            return 'b';
        return 't';
    }
    switch (sqlite3_column_type(stmt_of(st), i)) {
    case SQLITE_INTEGER:
        return 'i';
    case SQLITE_FLOAT:
        return 'r';
    case SQLITE_BLOB:
        return 'b';
    default:
        return 't';
    }
}

static const void *
lite_col_blob(struct db_stmt *st, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(stmt_of(st), i);

    *len = (size_t)sqlite3_column_bytes(stmt_of(st), i);
    return p;
}

static int64_t
lite_col_int(struct db_stmt *st, int i)
{
    return sqlite3_column_int64(stmt_of(st), i);
}

static double
lite_col_double(struct db_stmt *st, int i)
{
    return sqlite3_column_double(stmt_of(st), i);
}

static bool
lite_col_null(struct db_stmt *st, int i)
{
    return sqlite3_column_type(stmt_of(st), i) == SQLITE_NULL;
}

static void
lite_finalize(struct db_stmt *st)
{
    struct lite_stmt *s = (struct lite_stmt *)st;

    if (s->cached) {
        /* Back to the cache, ready for the next use. */
        sqlite3_reset(s->st);
        sqlite3_clear_bindings(s->st);
        s->cached->in_use = false;
    } else
        sqlite3_finalize(s->st);
    free(st);
}

static int
lite_begin(struct db *db)
{
    struct lite_db *l = (struct lite_db *)db;
    struct timespec until;
    bool took = false;
    int rc;

    /* Not for a database in memory (they would all share one turn), nor
     * for a connection already in a transaction, whose BEGIN fails. */
    if (l->sync && *l->sync->wal && !writer_held &&
        sqlite3_get_autocommit(l->h)) {
        /* As long as SQLite's busy timeout: a writer of another process
         * holding the lock makes this one wait in SQLite's handler, and
         * those queued here no longer than it would. */
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += BUSY_TIMEOUT_MS / 1000;
        /* The turn on the processor is given up while waiting, and taken
         * back only once the writer's turn is given back (writer_done):
         * taken back while holding it, it could wait for threads that
         * wait for this one. */
        l->cpu_held = cpu_turn_pause();
        if (!turn_take(l->sync, &until)) {
            cpu_turn_resume(l->cpu_held);
            l->cpu_held = false;
            log_error("msg=\"database busy\" op=begin"
                      " err=\"no turn to write within %d s\"",
                      BUSY_TIMEOUT_MS / 1000);
            return CG_EDB;
        }
        writer_held = l->sync;
        l->writing = took = true;
    }
    rc = lite_exec(db, "BEGIN IMMEDIATE");
    if (rc != CG_OK && took)
        writer_done(l);
    return rc;
}

/*
 * Takes the writer turn of w by `until` (CLOCK_REALTIME), after those
 * already waiting for it: a mutex is not first come, first served, and
 * the server's writer, back for its next group a few microseconds after
 * giving the turn up, would take it again and again before a waiting
 * thread (a checkpoint, the log of who read personal data) woke up.
 */
static bool
turn_take(struct wal_sync *w, const struct timespec *until)
{
    bool ok = true;

    pthread_mutex_lock(&w->mu);
    while (ok && w->turn_waiting > 0)
        ok = pthread_cond_timedwait(&w->turn_free, &w->mu, until) == 0;
    if (ok)
        w->turn_waiting++;
    pthread_mutex_unlock(&w->mu);
    if (!ok)
        return false;
    ok = pthread_mutex_timedlock(&w->writer, until) == 0;
    pthread_mutex_lock(&w->mu);
    if (--w->turn_waiting == 0)
        pthread_cond_broadcast(&w->turn_free);
    pthread_mutex_unlock(&w->mu);
    return ok;
}

/* Gives the writer turn back, if this connection holds it. */
static void
writer_done(struct lite_db *l)
{
    if (!l->writing)
        return;
    l->writing = false;
    writer_held = NULL;
    pthread_mutex_unlock(&l->sync->writer);
    if (l->cpu_held) {
        l->cpu_held = false;
        cpu_turn_resume(true);
    }
}

static int
lite_commit(struct db *db)
{
    int rc = lite_exec(db, "COMMIT");

    /* Given back by the WAL hook once the commit wrote; here after a
     * transaction that wrote nothing, or one that failed. */
    writer_done((struct lite_db *)db);
    return rc;
}

static int
lite_commit_nowait(struct db *db)
{
    struct lite_db *l = (struct lite_db *)db;
    int rc;

    l->nowait = true;
    rc = lite_exec(db, "COMMIT");
    l->nowait = false;
    writer_done(l);
    return rc;
}

static int
lite_commit_later(struct db *db, uint64_t *ticket)
{
    struct lite_db *l = (struct lite_db *)db;
    int rc;

    /* A transaction that wrote nothing calls no WAL hook: nothing to
     * wait for. */
    l->ticket = 0;
    l->later = true;
    rc = lite_exec(db, "COMMIT");
    l->later = false;
    writer_done(l);
    /* Nothing written: what its writes answered (refusals) may rest on
     * earlier commits, which the caller then waits for. */
    if (rc == CG_OK && l->ticket == 0)
        l->ticket = wal_sync_last(l->sync);
    *ticket = rc == CG_OK ? l->ticket : 0;
    return rc;
}

static int
lite_wait_all_synced(struct db *db)
{
    struct lite_db *l = (struct lite_db *)db;

    return wal_sync_until(l->sync, wal_sync_last(l->sync));
}

static int
lite_wait_synced(struct db *db, uint64_t ticket)
{
    return wal_sync_until(((struct lite_db *)db)->sync, ticket);
}

/* Whether a statement would run outside the transaction it belongs to:
 * after SQLite abandoned it, each would commit on its own (db_tx_only). */
static bool
outside_tx(struct lite_db *l)
{
    if (!l->tx_only || !sqlite3_get_autocommit(l->h))
        return false;
    log_error("msg=\"statement outside the transaction it belongs to\"");
    return true;
}

static void
lite_tx_only(struct db *db, bool on)
{
    ((struct lite_db *)db)->tx_only = on;
}

static bool
lite_groups_writes(struct db *db)
{
    return *((struct lite_db *)db)->sync->wal != '\0';
}

static void
lite_rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(conn_of(db)))
        lite_exec(db, "ROLLBACK");
    writer_done((struct lite_db *)db);
}

static bool
lite_in_tx(struct db *db)
{
    return !sqlite3_get_autocommit(conn_of(db));
}

static int64_t
lite_last_id(struct db *db)
{
    return sqlite3_last_insert_rowid(conn_of(db));
}

static int
lite_changes(struct db *db)
{
    return sqlite3_changes(conn_of(db));
}

/* The schema is written in SQLite's words. */
static char *
lite_ddl(const char *sql)
{
    return str_dup(sql);
}

/* The triggers that keep text index t current for the cases it holds
 * (schema version 11). */
#define LITE_HELD_NEW " WHEN new.id <= (SELECT upto FROM search_indexed)"
#define LITE_HELD_OLD " WHEN old.id <= (SELECT upto FROM search_indexed)"
#define LITE_INDEXED(t)                                                        \
    "CREATE TRIGGER " t "_ai AFTER INSERT ON cases" LITE_HELD_NEW              \
    " BEGIN INSERT INTO " t "(rowid, title, description)"                      \
    " VALUES (new.id, new.title, new.description); END;"                       \
    "CREATE TRIGGER " t "_ad AFTER DELETE ON cases" LITE_HELD_OLD              \
    " BEGIN INSERT INTO " t "(" t ", rowid, title, description)"               \
    " VALUES ('delete', old.id, old.title, old.description); END;"             \
    "CREATE TRIGGER " t                                                        \
    "_au AFTER UPDATE OF title, description ON cases" LITE_HELD_OLD " BEGIN"   \
    " INSERT INTO " t "(" t ", rowid, title, description)"                     \
    " VALUES ('delete', old.id, old.title, old.description);"                  \
    " INSERT INTO " t "(rowid, title, description)"                            \
    " VALUES (new.id, new.title, new.description); END;"

static const char *
lite_schema_extra(int version)
{
    /* Chinese has no spaces between words: trigrams find any substring
     * of three characters or more, cases_grams (version 10) the shorter
     * ones (lite_search). */
    if (version == 1)
        return "CREATE VIRTUAL TABLE cases_fts USING fts5("
               " title, description, content='cases', content_rowid='id',"
               " tokenize='trigram');"
               "CREATE TRIGGER cases_fts_ai AFTER INSERT ON cases BEGIN"
               " INSERT INTO cases_fts(rowid, title, description)"
               " VALUES (new.id, new.title, new.description); END;"
               "CREATE TRIGGER cases_fts_ad AFTER DELETE ON cases BEGIN"
               " INSERT INTO cases_fts(cases_fts, rowid, title, description)"
               " VALUES ('delete', old.id, old.title, old.description); END;"
               "CREATE TRIGGER cases_fts_au AFTER UPDATE OF title,"
               " description ON cases BEGIN"
               " INSERT INTO cases_fts(cases_fts, rowid, title, description)"
               " VALUES ('delete', old.id, old.title, old.description);"
               " INSERT INTO cases_fts(rowid, title, description)"
               " VALUES (new.id, new.title, new.description); END;";
    /* Every character and every pair of neighbouring characters of the
     * two searched columns is a term (the cg_grams tokenizer): a query of
     * one or two characters is the list of one term, newest case first
     * by walking it backwards.  Only whether a case holds a term is kept
     * (detail=none), which is all a one-term query needs and a third of
     * the size.  The index is filled from the cases there are. */
    if (version == 10)
        return "CREATE VIRTUAL TABLE cases_grams USING fts5("
               " title, description, content='cases', content_rowid='id',"
               " tokenize='cg_grams', detail=none);"
               "CREATE TRIGGER cases_grams_ai AFTER INSERT ON cases BEGIN"
               " INSERT INTO cases_grams(rowid, title, description)"
               " VALUES (new.id, new.title, new.description); END;"
               "CREATE TRIGGER cases_grams_ad AFTER DELETE ON cases BEGIN"
               " INSERT INTO cases_grams(cases_grams, rowid, title,"
               " description)"
               " VALUES ('delete', old.id, old.title, old.description); END;"
               "CREATE TRIGGER cases_grams_au AFTER UPDATE OF title,"
               " description ON cases BEGIN"
               " INSERT INTO cases_grams(cases_grams, rowid, title,"
               " description)"
               " VALUES ('delete', old.id, old.title, old.description);"
               " INSERT INTO cases_grams(rowid, title, description)"
               " VALUES (new.id, new.title, new.description); END;"
               "INSERT INTO cases_grams(cases_grams) VALUES ('rebuild');";
    /* New cases join the text indexes in batches (lite_search_catch_up),
     * not each with its report: FTS5 writes a segment of its own for
     * every transaction that adds to an index and merges them later, and
     * one per report cost more than the rest of the report.  The
     * indexes hold every case up to search_indexed.upto; the triggers
     * keep those as their rows change, and leave later cases to the next
     * batch, which reads their rows as they are then. */
    if (version == 11)
        return "CREATE TABLE search_indexed (upto INTEGER NOT NULL) STRICT;"
               "INSERT INTO search_indexed"
               " SELECT COALESCE(MAX(id), 0) FROM cases;"
               /* A program without the cg_grams tokenizer may have set
                * the triggers of cases_grams aside (docs/known-issues.md). */
               "DROP TRIGGER IF EXISTS cases_fts_ai;"
               " DROP TRIGGER IF EXISTS cases_fts_ad;"
               " DROP TRIGGER IF EXISTS cases_fts_au;"
               "DROP TRIGGER IF EXISTS cases_grams_ai;"
               " DROP TRIGGER IF EXISTS cases_grams_ad;"
               " DROP TRIGGER IF EXISTS cases_grams_au;" LITE_INDEXED(
                   "cases_fts") LITE_INDEXED("cases_grams");
#define LITE_SEG(p, at) "(instr(substr(" p ", " at " + 1), '/') + " at ")"
#define LITE_S2(p)      LITE_SEG(p, "1")
#define LITE_S3(p)      LITE_SEG(p, LITE_S2(p))
#define LITE_S4(p)      LITE_SEG(p, LITE_S3(p))
#define LITE_DAY_KEY    "area_path, category_code, unit_id, day"
#define LITE_MONTH_KEY  "street_path, big_class, unit_id, month"
#define LITE_BOTH(sign, id)                                                    \
    STATS_ADD("stats_month", LITE_MONTH_KEY, sign, id)                         \
    STATS_ADD("stats_day", LITE_DAY_KEY, sign, id)
#define LITE_CHANGED                                                           \
    " OF stat_state, stat_due_at, stat_closed_at, stat_rating, stat_handled,"  \
    " stat_reworked, area_path, category_code, unit_id, reported_at ON cases"  \
    " WHEN old.stat_state IS NOT new.stat_state"                               \
    " OR old.stat_due_at IS NOT new.stat_due_at"                               \
    " OR old.stat_closed_at IS NOT new.stat_closed_at"                         \
    " OR old.stat_rating IS NOT new.stat_rating"                               \
    " OR old.stat_handled IS NOT new.stat_handled"                             \
    " OR old.stat_reworked IS NOT new.stat_reworked"                           \
    " OR old.area_path IS NOT new.area_path"                                   \
    " OR old.category_code IS NOT new.category_code"                           \
    " OR old.unit_id IS NOT new.unit_id"                                       \
    " OR old.reported_at IS NOT new.reported_at"
#define LITE_S4_PATH     LITE_S4("area_path")
#define LITE_FOLLOW_ALL  STATS_FOLLOW("1")
#define LITE_FOLLOW_NEW  STATS_FOLLOW("id = new.case_id")
#define LITE_FOLLOW_OLD  STATS_FOLLOW("id = old.case_id")
#define LITE_FOLLOW_BOTH STATS_FOLLOW("id IN (old.case_id, new.case_id)")
#define LITE_TAKE_OLD    LITE_BOTH("-", "old.id")
#define LITE_GIVE_NEW    LITE_BOTH("", "new.id")
#define LITE_STREET                                                            \
    " CASE WHEN length(area_path) - length(replace(area_path, '/', '')) > 4"   \
    " THEN substr(area_path, 1, " LITE_S4_PATH ") ELSE area_path END"
#define LITE_V9_SUMS                                                           \
    "INSERT INTO stats_day SELECT " LITE_DAY_KEY "," STATS_SUMS                \
    " FROM stats_cases GROUP BY " LITE_DAY_KEY ";"                             \
    "INSERT INTO stats_month SELECT " LITE_MONTH_KEY "," STATS_SUMS            \
    " FROM stats_cases GROUP BY " LITE_MONTH_KEY ";"
#define LITE_V9_FILL                                                           \
    "CREATE VIEW stats_cases AS SELECT id, area_path," LITE_STREET             \
    " AS street_path, category_code,"                                          \
    " substr(category_code, 1, 2) AS big_class,"                               \
    " COALESCE(unit_id, 0) AS unit_id,"                                        \
    " (reported_at + 28800) / 86400 AS day,"                                   \
    " CAST(strftime('%Y%m', reported_at + 28800, 'unixepoch') AS INTEGER)"     \
    " AS month, reported_at, stat_state, stat_due_at," STATS_CONTRIB           \
    " FROM cases WHERE stat_state IS NOT NULL;" LITE_V9_SUMS                   \
    "CREATE INDEX stats_day_category ON stats_day(category_code, day);"        \
    "CREATE INDEX cases_stat_overdue ON cases(stat_due_at, stat_state,"        \
    " area_path, category_code, unit_id, reported_at) WHERE " STATS_OPEN ";"
#define LITE_V9_TRIGGERS                                                       \
    "CREATE TRIGGER stats_events_ai AFTER INSERT ON events"                    \
    " BEGIN " LITE_FOLLOW_NEW "; END;"                                         \
    "CREATE TRIGGER stats_events_ad AFTER DELETE ON events"                    \
    " BEGIN " LITE_FOLLOW_OLD "; END;"                                         \
    "CREATE TRIGGER stats_events_au AFTER UPDATE ON events"                    \
    " BEGIN " LITE_FOLLOW_BOTH "; END;"                                        \
    "CREATE TRIGGER stats_cases_ai AFTER INSERT ON cases"                      \
    " WHEN new.stat_state IS NOT NULL BEGIN " LITE_GIVE_NEW " END;"            \
    "CREATE TRIGGER stats_cases_bd BEFORE DELETE ON cases"                     \
    " WHEN old.stat_state IS NOT NULL BEGIN " LITE_TAKE_OLD " END;"            \
    "CREATE TRIGGER stats_cases_bu BEFORE UPDATE" LITE_CHANGED                 \
    " BEGIN " LITE_TAKE_OLD " END;"                                            \
    "CREATE TRIGGER stats_cases_au AFTER UPDATE" LITE_CHANGED                  \
    " BEGIN " LITE_GIVE_NEW " END;"
    /* The statistics kept current (schema.c, migration 9).  A case's stat_*
     * columns follow its events; stats_cases says what a case adds to the
     * figures, and the rollups follow the cases: a change takes the row's old
     * contribution away before it (BEFORE) and adds the new one after it
     * (AFTER).  The street is the path cut after its third segment
     * (/city/district/street/); the day and the month are those of the report
     * in Beijing time (UTC+8, no summer time). */
    if (version == 9)
        return LITE_FOLLOW_ALL ";" LITE_V9_FILL LITE_V9_TRIGGERS;
    return NULL;
}

#undef LITE_HELD_NEW
#undef LITE_HELD_OLD
#undef LITE_INDEXED
#undef LITE_SEG
#undef LITE_S2
#undef LITE_S3
#undef LITE_S4
#undef LITE_DAY_KEY
#undef LITE_MONTH_KEY
#undef LITE_BOTH
#undef LITE_CHANGED
#undef LITE_STREET
#undef LITE_S4_PATH
#undef LITE_FOLLOW_ALL
#undef LITE_FOLLOW_NEW
#undef LITE_FOLLOW_OLD
#undef LITE_FOLLOW_BOTH
#undef LITE_TAKE_OLD
#undef LITE_GIVE_NEW
#undef LITE_V9_FILL
#undef LITE_V9_SUMS
#undef LITE_V9_TRIGGERS

/* The cases holding q, as a subquery with one column id: three characters
 * or more through the trigram index (case ignored), fewer through
 * cases_grams (case kept, as instr would). */
static int
lite_search(struct buf *sql, const char *alias, const char *q)
{
    const char *t =
        str_utf8_len(q, strlen(q)) >= 3 ? "cases_fts" : "cases_grams";

    return buf_printf(sql, "(SELECT rowid AS id FROM %s WHERE %s MATCH ?) %s",
                      t, t, alias);
}

static int
lite_search_bind(struct db_stmt *st, int i, const char *q)
{
    struct buf phrase;
    const char *p;

    /* One quoted FTS5 phrase, quotes doubled, so that no character of the
     * query is read as query syntax. */
    buf_init(&phrase, 4096);
    buf_puts(&phrase, "\"");
    for (p = q; *p; p++) {
        buf_append(&phrase, p, 1);
        if (*p == '"')
            buf_append(&phrase, p, 1);
    }
    buf_puts(&phrase, "\"");
    lite_bind_text(st, i++, phrase.data);
    buf_free(&phrase);
    return i;
}

static int
lite_search_backlog(struct db *db, int64_t *n)
{
    int rc = db_scalar_int(db, 0, n,
                           "SELECT COALESCE((SELECT MAX(id) FROM cases), 0)"
                           " - upto FROM search_indexed",
                           NULL);

    if (*n < 0)
        *n = 0;
    return rc;
}

/* The next cases after search_indexed.upto, read as they are now, into
 * both text indexes at once: one segment each for the whole batch. */
static int
lite_search_catch_up(struct db *db, int64_t max)
{
    static const char *const add[] = {
        "INSERT INTO cases_fts(rowid, title, description)"
        " SELECT id, title, description FROM cases WHERE id > ? AND id <= ?",
        "INSERT INTO cases_grams(rowid, title, description)"
        " SELECT id, title, description FROM cases WHERE id > ? AND id <= ?",
        "UPDATE search_indexed SET upto = ?2 WHERE upto = ?1",
    };
    struct db_stmt *st;
    int64_t from = 0, to = 0;
    size_t i;
    int rc;

    rc = db_scalar_int(db, 0, &from, "SELECT upto FROM search_indexed", NULL);
    if (rc != CG_OK)
        return rc;
    if ((rc = db_prepare(db,
                         "SELECT MAX(id) FROM (SELECT id FROM cases"
                         " WHERE id > ? ORDER BY id LIMIT ?) b",
                         &st)) != CG_OK)
        return rc;
    db_bind_int(st, 1, from);
    db_bind_int(st, 2, max);
    rc = db_step(st);
    if (rc == DB_ROW && !db_col_null(st, 0))
        to = db_col_int(st, 0);
    db_finalize(st);
    if (rc < 0)
        return rc;
    for (i = 0; to > from && i < sizeof(add) / sizeof(add[0]); i++) {
        if ((rc = db_prepare(db, add[i], &st)) != CG_OK)
            return rc;
        db_bind_int(st, 1, from);
        db_bind_int(st, 2, to);
        rc = db_step(st);
        db_finalize(st);
        if (rc != DB_DONE)
            return rc < 0 ? rc : CG_EDB;
    }
    return CG_OK;
}

static int
lite_search_rebuilt(struct db *db)
{
    return db_exec(db, "UPDATE search_indexed"
                       " SET upto = (SELECT COALESCE(MAX(id), 0) FROM cases)");
}

/* The tokenizer of cases_grams, registered on every connection: without
 * it the table cannot be read or written (docs/known-issues.md). */
static int
lite_search_register(sqlite3 *h)
{
    static fts5_tokenizer grams = {gram_create, gram_delete, gram_tokenize};
    fts5_api *api = NULL;
    sqlite3_stmt *st;
    int rc;

    rc = sqlite3_prepare_v2(h, "SELECT fts5(?1)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (!api || api->iVersion < 2 ||
        api->xCreateTokenizer(api, "cg_grams", NULL, &grams, NULL) !=
            SQLITE_OK) {
        log_error("msg=\"cannot register the search tokenizer\""
                  " err=\"%s\"",
                  sqlite3_errmsg(h));
        return CG_EDB;
    }
    return CG_OK;
}

/* The length in bytes of the character at s[i]: a byte that does not
 * start a well-formed UTF-8 sequence counts as a character of its own. */
static int
gram_char_len(const char *s, int n, int i)
{
    unsigned char c = (unsigned char)s[i];
    int len, k;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 1;
    if (i + len > n)
        return 1;
    for (k = 1; k < len; k++)
        if (((unsigned char)s[i + k] & 0xc0) != 0x80)
            return 1;
    return len;
}

/* The tokenizer keeps no state: any non-NULL handle will do. */
static int
gram_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    static int handle;

    (void)ctx;
    (void)argv;
    (void)argc;
    *out = (Fts5Tokenizer *)&handle;
    return SQLITE_OK;
}

static void
gram_delete(Fts5Tokenizer *t)
{
    (void)t;
}

/*
 * A text gives each of its characters and each pair of neighbours, byte
 * for byte (no folding, spaces and punctuation included), so that the
 * cases holding a term are exactly those whose text holds it as a
 * substring.  A query (one or two characters, lite_search) is one term.
 */
static int
gram_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
              int (*token)(void *, int, const char *, int, int, int))
{
    int i = 0, a, b, rc = SQLITE_OK;

    (void)t;
    if (flags & FTS5_TOKENIZE_QUERY)
        return n > 0 ? token(ctx, 0, text, n, 0, n) : SQLITE_OK;
    while (i < n && rc == SQLITE_OK) {
        a = gram_char_len(text, n, i);
        b = i + a < n ? gram_char_len(text, n, i + a) : 0;
        rc = token(ctx, 0, text + i, a, i, i + a);
        if (rc == SQLITE_OK && b)
            rc =
                token(ctx, FTS5_TOKEN_COLOCATED, text + i, a + b, i, i + a + b);
        i += a;
    }
    return rc;
}
