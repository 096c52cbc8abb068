/*
 * serve.c - `civicgrid serve`: the HTTP server until SIGINT or SIGTERM,
 * and beside it the retrainer, which keeps the category model learning
 * from the cases that close without anyone running `civicgrid train`.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/live.h"
#include "auth/auth.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "store/copy.h"
#include "core/classify.h"

/* Defaults of the settings classify.retrain_every (seconds between two
 * looks at the closed cases) and classify.retrain_after (cases closed
 * since the newest model that make it worth learning again). */
#define RETRAIN_EVERY 600
#define RETRAIN_AFTER 20
/* How long a server may hold the retrain lease: longer than a training
 * takes, short enough that the others take over soon after a crash. */
#define RETRAIN_LEASE 1800

/* The background thread that retrains the category model. */
struct retrainer {
    struct store *store;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled to stop */
    bool stop;
    char holder[128]; /* "pid@host", the name on the lease */
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig);
static int64_t setting_i64(struct db *db, const char *key, int64_t dflt,
                           int64_t min, int64_t max);
static void retrain_once(struct retrainer *r, struct db *db);
static bool retrain_wait(struct retrainer *r, int64_t seconds);
static void *retrain_main(void *arg);
static int retrain_start(struct retrainer *r, struct store *store);
static void retrain_stop(struct retrainer *r);
static void copy_told(const char *table, int64_t rows, uint64_t sum,
                      bool verified, void *ctx);
static int migrate_copy(const struct config *cfg, const char *from,
                        const char *to, const char *to_blobs);
static void tile_origin(const char *url, char *out, size_t outlen);
static bool has_help(int argc, char **argv);

static void
on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* An integer setting within [min, max]; dflt when it is not set or not
 * such a number (logged, so that an operator sees the typo). */
static int64_t
setting_i64(struct db *db, const char *key, int64_t dflt, int64_t min,
            int64_t max)
{
    char v[64];
    int64_t n;

    if (store_setting_get(db, key, v, sizeof(v)) != CG_OK)
        return dflt;
    if (str_to_i64(v, min, max, &n) != CG_OK) {
        log_warn("msg=\"setting ignored, default used\" key=%s value=\"%s\""
                 " default=%lld",
                 key, v, (long long)dflt);
        return dflt;
    }
    return n;
}

/*
 * Retrains when enough cases have closed since the newest model, under
 * the lease so that of several servers on one database only one learns at
 * a time.  The count is asked again once the lease is held: another server
 * may just have stored a model.  Cross-validation is left to `civicgrid
 * train`; here only the model matters.  Every server then loads the new
 * model through its check for the newest one.
 */
static void
retrain_once(struct retrainer *r, struct db *db)
{
    struct model_trained t;
    struct cls_params p;
    int64_t after, pending, t0;
    char why[300] = "";
    int rc;

    after =
        setting_i64(db, "classify.retrain_after", RETRAIN_AFTER, 1, INT32_MAX);
    pending = store_training_pending(db);
    if (pending < after)
        return;
    rc = store_retrain_lease_take(db, r->holder, RETRAIN_LEASE);
    if (rc == CG_ECONFLICT) {
        log_debug("msg=\"retrain left to the server holding the lease\"");
        return;
    }
    if (rc != CG_OK) {
        log_warn("msg=\"cannot take the retrain lease\" rc=%d", rc);
        return;
    }
    pending = store_training_pending(db);
    if (pending >= after) {
        t0 = cgtime_now();
        cls_params_default(&p, CLS_LOGREG);
        rc = store_model_train(db, &p, 0, &t, why, sizeof(why));
        if (rc == CG_OK)
            log_info("msg=\"category model retrained\" model=%lld"
                     " examples=%lld closed_since=%lld classes=%d"
                     " ngrams=%zu seconds=%lld",
                     (long long)t.info.id, (long long)t.info.n_examples,
                     (long long)pending, t.info.n_classes, t.n_features,
                     (long long)(cgtime_now() - t0));
        else
            log_warn("msg=\"category model not retrained\" closed_since=%lld"
                     " why=\"%s\"",
                     (long long)pending, why);
    }
    store_retrain_lease_drop(db, r->holder);
}

/* Sleeps up to `seconds`; false as soon as the server is stopping. */
static bool
retrain_wait(struct retrainer *r, int64_t seconds)
{
    struct timespec until;
    bool go;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)seconds;
    pthread_mutex_lock(&r->lock);
    while (!r->stop &&
           pthread_cond_timedwait(&r->wake, &r->lock, &until) != ETIMEDOUT)
        ;
    go = !r->stop;
    pthread_mutex_unlock(&r->lock);
    return go;
}

/* The retrainer's loop: wait, look, perhaps learn.  Its database
 * connection is its own and closes when the thread ends. */
static void *
retrain_main(void *arg)
{
    struct retrainer *r = arg;
    struct db *db = store_db(r->store);

    while (retrain_wait(r, setting_i64(db, "classify.retrain_every",
                                       RETRAIN_EVERY, 1, 7 * 86400)))
        retrain_once(r, db);
    return NULL;
}

static int
retrain_start(struct retrainer *r, struct store *store)
{
    pthread_condattr_t ca;
    sigset_t block, old;
    char host[64] = "";
    int rc;

    memset(r, 0, sizeof(*r));
    r->store = store;
    if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
        str_copy(host, sizeof(host), "localhost");
    str_fmt(r->holder, sizeof(r->holder), "%ld@%s", (long)getpid(), host);
    pthread_mutex_init(&r->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wake, &ca);
    pthread_condattr_destroy(&ca);
    /* The stop signals are the main thread's to take, so that pause()
     * returns. */
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    rc = pthread_create(&r->thread, NULL, retrain_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&r->wake);
        pthread_mutex_destroy(&r->lock);
        return CG_ERR;
    }
    return CG_OK;
}

/* Wakes the retrainer and waits for it; a training under way is finished
 * and stored first. */
static void
retrain_stop(struct retrainer *r)
{
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
}

/* "https://tiles.example/{z}/{x}/{y}.png" -> "https://tiles.example". */
static void
tile_origin(const char *url, char *out, size_t outlen)
{
    const char *p = strstr(url, "://");
    const char *slash = p ? strchr(p + 3, '/') : NULL;
    size_t n = slash ? (size_t)(slash - url) : (p ? strlen(url) : 0);

    out[0] = '\0';
    if (n == 0 || n >= outlen || strcspn(url, " ;'\"") < n)
        return;
    memcpy(out, url, n);
    out[n] = '\0';
}

static bool
has_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int
cmd_serve(int argc, char **argv)
{
    struct http_server *srv = NULL;
    struct retrainer retrainer;
    struct http_app http;
    struct store *store;
    struct config cfg;
    struct app app;
    char host[64], csp[600], origin[200], why[256], *colon;
    int64_t port;
    int rc;

    if (has_help(argc, argv)) {
        printf("Usage: civicgrid serve [--db PATH] [--listen HOST:PORT] "
               "[options]\n\nServes the web UI and the HTTP API until "
               "interrupted.\n\n");
        config_usage(SET_ALL);
        return 0;
    }
    if (config_load(&cfg, &argc, argv) != CG_OK)
        return 2;
    if (argc > 1) {
        fprintf(stderr, "serve: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    str_copy(host, sizeof(host), cfg.listen);
    colon = strrchr(host, ':');
    if (!colon || str_to_i64(colon + 1, 1, 65535, &port) != CG_OK) {
        fprintf(stderr, "serve: --listen must be HOST:PORT, e.g. "
                        "127.0.0.1:8080\n");
        return 2;
    }
    *colon = '\0';
    /* Blocks of 1 MiB and more (a password hash's 12 MiB, a photo being
     * decoded) come from the kernel and go back to it when freed; glibc
     * would otherwise raise this bound after the first such free and keep
     * the next ones in the heap, where the memory stays with the process. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    if (auth_init() != CG_OK || photo_init(argv[0]) != CG_OK) {
        fprintf(stderr, "serve: cannot start the crypto or image library\n");
        return 1;
    }
    if (cmd_open(&cfg, &store, &app) != CG_OK)
        return 1;
    /* Reports and steps arriving together share a transaction (store.c). */
    if (store_group_writes(store) != CG_OK) {
        app_free(&app);
        store_close(store);
        return 1;
    }
    /* Map tiles, when configured, are the only outside content a page may
     * load. */
    tile_origin(cfg.tile_url, origin, sizeof(origin));
    str_fmt(csp, sizeof(csp),
            "default-src 'self'; img-src 'self' data: blob:%s%s; "
            "style-src 'self' 'unsafe-inline'; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'none'",
            origin[0] ? " " : "", origin);
    memset(&http, 0, sizeof(http));
    http.routes = api_routes;
    http.nroutes = api_nroutes;
    http.authenticate = api_authenticate;
    http.authenticate_body = api_o311_key_check;
    http.ctx = &app;
    http.static_dir = cfg.web_dir;
    http.photo_dir = app.blob_dir;
    http.csp = csp;
    http.default_max_body = 64 * 1024;
    http.threads = cfg.threads;
    http.write_workers = cfg.writers;
    http.per_address = cfg.per_address;
    rc = http_server_start(&http, host, (unsigned)port, &srv);
    if (rc != CG_OK) {
        fprintf(stderr,
                "serve: cannot listen on %s (is another server there?); "
                "choose another address with --listen HOST:PORT or "
                "CIVICGRID_LISTEN\n",
                cfg.listen);
        app_free(&app);
        store_close(store);
        return 1;
    }
    if (live_listen_start(app.live, store, cfg.db) != CG_OK) {
        fprintf(stderr, "serve: cannot listen for other servers' changes\n");
        http_server_stop(srv);
        app_free(&app);
        store_close(store);
        return 1;
    }
    if (retrain_start(&retrainer, store) != CG_OK) {
        fprintf(stderr, "serve: cannot start the model retrainer\n");
        http_server_stop(srv);
        app_free(&app);
        store_close(store);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    log_info("msg=\"serving\" url=http://%s:%lld/ db=%s", host, (long long)port,
             cfg.db);
    printf("civicgrid is serving %s at http://%s:%lld/ (stop with Ctrl-C)\n",
           cfg.db, host, (long long)port);
    /* Also in every answer of /healthz while it lasts. */
    if (app_calendar_warning(&app, cgtime_now(), why, sizeof(why)))
        log_warn("msg=\"%s\"", why);
    fflush(stdout);
    while (!stopping)
        pause();
    log_info("msg=\"stopping\"");
    http_server_stop(srv);
    live_listen_stop(app.live);
    retrain_stop(&retrainer);
    app_free(&app);
    store_close(store);
    return 0;
}

/* Progress of a copy, a line a table. */
static void
copy_told(const char *table, int64_t rows, uint64_t sum, bool verified,
          void *ctx)
{
    (void)ctx;
    if (verified)
        printf("  verified %-18s %10lld rows  checksum %016llx\n", table,
               (long long)rows, (unsigned long long)sum);
    else
        printf("  copied   %-18s %10lld rows\n", table, (long long)rows);
    fflush(stdout);
}

/* civicgrid migrate --from SRC --to DST: a whole deployment into another
 * database, typically a service center's SQLite file into the city's
 * PostgreSQL, with its photos when --to-blob-dir is given. */
static int
migrate_copy(const struct config *cfg, const char *from, const char *to,
             const char *to_blobs)
{
    struct store *src = NULL, *dst = NULL;
    int64_t have = 0;
    size_t copied = 0, kept = 0;
    char err[400] = "";
    int rc = 1;

    if (store_open(from, &src) != CG_OK ||
        store_migrate(store_db(src)) != CG_OK) {
        fprintf(stderr, "migrate: cannot open the source %s\n", from);
        goto out;
    }
    if (store_open(to, &dst) != CG_OK ||
        store_migrate(store_db(dst)) != CG_OK) {
        fprintf(stderr, "migrate: cannot open or prepare the target\n");
        goto out;
    }
    if (db_scalar_int(store_db(dst), 0, &have,
                      "SELECT (SELECT COUNT(*) FROM cases) +"
                      " (SELECT COUNT(*) FROM users)",
                      (const char *)NULL) != CG_OK ||
        have > 0) {
        fprintf(stderr,
                "migrate: the target already holds a deployment (%lld cases "
                "and users); copy into an empty database\n",
                (long long)have);
        goto out;
    }
    printf("copying %s into the target\n", from);
    if (store_copy(store_db(src), store_db(dst), db_url_is_pg(to), copy_told,
                   NULL, err, sizeof(err)) != CG_OK) {
        fprintf(stderr, "migrate: %s\n", err);
        goto out;
    }
    if (to_blobs) {
        if (cmd_copy_blobs(cfg->blob_dir, to_blobs, &copied, &kept) != CG_OK) {
            fprintf(stderr,
                    "migrate: the photos could not all be copied to "
                    "%s\n",
                    to_blobs);
            goto out;
        }
        printf("photos: %zu copied to %s, %zu already there\n", copied,
               to_blobs, kept);
    }
    printf("the copy is whole: every table has the same rows and checksum "
           "on both sides\n");
    rc = 0;
out:
    if (src)
        store_close(src);
    if (dst)
        store_close(dst);
    return rc;
}

int
cmd_migrate(int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *to_blobs = NULL;
    struct store *store;
    struct config cfg;
    struct app app;
    int i, out = 1;

    if (has_help(argc, argv)) {
        printf("Usage: civicgrid migrate [--db PATH]\n"
               "       civicgrid migrate --from SRC --to DST "
               "[--blob-dir DIR --to-blob-dir DIR]\n\n"
               "Creates the database or brings its schema up to date.\n\n"
               "With --from and --to, copies a whole deployment into another "
               "database (a SQLite\nfile into PostgreSQL: --to "
               "postgres://USER@HOST/DB), history included, into an\nempty "
               "target, and verifies the copy table by table (rows and a "
               "checksum);\n--to-blob-dir copies the photos from --blob-dir "
               "as well.\n\n");
        config_usage(SET_OPEN);
        return 0;
    }
    if (config_load(&cfg, &argc, argv) != CG_OK)
        return 2;
    for (i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--from") == 0)
            from = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--to") == 0)
            to = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--to-blob-dir") == 0)
            to_blobs = argv[++i];
        else
            argv[out++] = argv[i];
    }
    argc = out;
    if (argc > 1) {
        fprintf(stderr, "migrate: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    if (from || to) {
        if (!from || !to) {
            fprintf(stderr, "migrate: give both --from and --to\n");
            return 2;
        }
        return migrate_copy(&cfg, from, to, to_blobs);
    }
    if (cmd_open(&cfg, &store, &app) != CG_OK)
        return 1;
    printf("schema of %s is up to date\n", cfg.db);
    app_free(&app);
    store_close(store);
    return 0;
}
