/*
 * live.c - the hub of event streams; see live.h.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/live.h"
#include "auth/auth.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "core/lifecycle.h"

struct sub {
    struct http_stream *stream;
    int64_t user_id;
    enum role role;
    char area_path[PATH_LEN];
    int64_t unit_id;
    struct sub *next;
};

struct live {
    pthread_mutex_t lock;
    struct sub *head;
    size_t count;
    /* The listener of a PostgreSQL deployment. */
    struct store *store;
    char *url;
    pthread_t listener;
    bool listening;
    volatile int stop;
};

/* The channel every process of a deployment announces changes on. */
#define LIVE_CHANNEL "civicgrid_cases"

static bool may_see(struct db *db, const struct sub *s,
                    const struct case_row *c);
static void publish(struct live *l, struct db *db, int64_t id);
static void publish_family(struct live *l, struct db *db, int64_t id);
static void on_note(const char *payload, void *ctx);
static void *listener_main(void *arg);

struct live *
live_new(void)
{
    struct live *l = xcalloc(1, sizeof(*l));

    pthread_mutex_init(&l->lock, NULL);
    return l;
}

void
live_free(struct live *l)
{
    struct sub *s, *next;

    if (!l)
        return;
    live_listen_stop(l);
    for (s = l->head; s; s = next) {
        next = s->next;
        http_stream_close(s->stream);
        http_stream_release(s->stream);
        free(s);
    }
    pthread_mutex_destroy(&l->lock);
    free(l);
}

void
live_user_signed_out(struct live *l, int64_t user_id)
{
    struct sub *s;

    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    for (s = l->head; s; s = s->next)
        if (s->user_id == user_id)
            http_stream_close(s->stream);
    pthread_mutex_unlock(&l->lock);
}

size_t
live_count(struct live *l)
{
    size_t n;

    pthread_mutex_lock(&l->lock);
    n = l->count;
    pthread_mutex_unlock(&l->lock);
    return n;
}

int
api_stream(struct http_req *r)
{
    struct live *l = api_app(r)->live;
    struct sub *s;
    char hello[160];

    s = xcalloc(1, sizeof(*s));
    s->user_id = r->user.id;
    s->role = r->user.role;
    s->unit_id = r->user.unit_id;
    str_copy(s->area_path, sizeof(s->area_path), r->user.area_path);
    http_stream_open(r, &s->stream);
    /* The first event says the stream is there, so a page knows from when
     * it is up to date. */
    str_fmt(hello, sizeof(hello), "event: hello\ndata: {\"user\":%lld}\n\n",
            (long long)s->user_id);
    http_stream_push(s->stream, hello, strlen(hello));
    pthread_mutex_lock(&l->lock);
    s->next = l->head;
    l->head = s;
    l->count++;
    pthread_mutex_unlock(&l->lock);
    return CG_OK;
}

/* The same test as reading the case, narrowed for residents to their own
 * cases and those they support: the public view of everyone else's cases
 * changing is no news to them. */
static bool
may_see(struct db *db, const struct sub *s, const struct case_row *c)
{
    struct principal p = {s->user_id, s->role, s->area_path, s->unit_id};
    struct case_scope scope = {c->area_path, c->reporter_id, c->unit_id};
    enum case_view v = perm_case_view(&p, &scope);

    if (v == VIEW_NONE)
        return false;
    if (s->role != ROLE_RESIDENT)
        return v != VIEW_PUBLIC;
    return c->reporter_id == s->user_id ||
           store_support_has(db, c->id, s->user_id);
}

/* A case's merged cases follow it when it closes or reopens, so their
 * readers hear of it too. */
#define LIVE_CHILDREN 64

void
live_case_changed(struct live *l, struct db *db, int64_t id)
{
    char payload[24];

    if (!l)
        return;
    /* Through the database, every process hears it, this one included. */
    if (db_has_notify(db) && l->listening) {
        str_fmt(payload, sizeof(payload), "%lld", (long long)id);
        if (db_notify(db, LIVE_CHANNEL, payload) == CG_OK)
            return;
        log_warn("msg=\"change not announced; only this server's streams "
                 "hear of it\" case=%lld",
                 (long long)id);
    }
    publish_family(l, db, id);
}

static void
on_note(const char *payload, void *ctx)
{
    struct live *l = ctx;
    int64_t id;

    if (str_to_i64(payload, 1, INT64_MAX, &id) == CG_OK)
        publish_family(l, store_db(l->store), id);
}

static void *
listener_main(void *arg)
{
    struct live *l = arg;

    db_listen(l->url, LIVE_CHANNEL, on_note, l, &l->stop);
    return NULL;
}

int
live_listen_start(struct live *l, struct store *store, const char *url)
{
    if (!db_url_is_pg(url))
        return CG_OK;
    l->store = store;
    l->url = str_dup(url);
    l->stop = 0;
    if (pthread_create(&l->listener, NULL, listener_main, l) != 0) {
        free(l->url);
        l->url = NULL;
        return CG_ERR;
    }
    l->listening = true;
    return CG_OK;
}

void
live_listen_stop(struct live *l)
{
    if (!l || !l->listening)
        return;
    l->stop = 1;
    pthread_join(l->listener, NULL);
    l->listening = false;
    free(l->url);
    l->url = NULL;
}

static void
publish_family(struct live *l, struct db *db, int64_t id)
{
    int64_t kids[LIVE_CHILDREN];
    size_t n = 0, i;

    publish(l, db, id);
    if (store_case_children(db, id, kids, LIVE_CHILDREN, &n) == CG_OK)
        for (i = 0; i < n; i++)
            publish(l, db, kids[i]);
}

static void
publish(struct live *l, struct db *db, int64_t id)
{
    struct sub **pp, *s;
    struct case_row c;
    char ev[256];
    size_t n;

    if (store_case_get(db, id, &c) != CG_OK)
        return;
    str_fmt(ev, sizeof(ev),
            "event: case\ndata: {\"case\":%lld,\"state\":\"%s\","
            "\"version\":%lld}\n\n",
            (long long)c.id, case_state_name(c.state), (long long)c.version);
    n = strlen(ev);
    pthread_mutex_lock(&l->lock);
    for (pp = &l->head; (s = *pp);) {
        if (!http_stream_is_open(s->stream)) {
            *pp = s->next;
            l->count--;
            http_stream_release(s->stream);
            free(s);
            continue;
        }
        if (may_see(db, s, &c))
            http_stream_push(s->stream, ev, n);
        pp = &s->next;
    }
    pthread_mutex_unlock(&l->lock);
}
