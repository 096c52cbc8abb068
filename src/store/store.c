/*
 * store.c - the store handle and its per-thread connections.
 *
 * SQLite connections must not be shared between threads that use them at
 * the same time; the HTTP server runs a fixed pool of threads, so each
 * keeps one connection for its life.  A thread-specific key closes it when
 * the thread ends.
 */
#include <pthread.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "store/store.h"

struct store {
    char *url;
    pthread_key_t key;
};

static void close_conn(void *p);

static void
close_conn(void *p)
{
    db_close(p);
}

int
store_open(const char *url, struct store **out)
{
    struct store *s = xcalloc(1, sizeof(*s));
    struct db *db;
    int rc;

    s->url = str_dup(url);
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
    db = pthread_getspecific(s->key);
    if (db) {
        db_close(db);
        pthread_setspecific(s->key, NULL);
    }
    pthread_key_delete(s->key);
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
