/*
 * defer.c - requests handled off the server's threads: those slow by
 * design (hashing a password with argon2id), and those that write.
 *
 * The server's threads each serve many connections.  One of them hashing
 * a password for a quarter of a second, or waiting for its write to reach
 * the disk, would make every other connection on that thread wait.  A
 * deferred request instead suspends its connection (which then costs no
 * thread), goes into the queue of its kind, and is handled by one of that
 * kind's workers; the worker writes the answer and resumes the connection,
 * and the server sends it.
 *
 * Sign-ins have a few workers and a short queue: past it the request is
 * answered at once instead (429 with Retry-After).  Writes have many
 * workers, enough to keep the store's writer fed with a group while the
 * last one is synced, and a queue as long as the connections the server
 * allows, which each have one request in hand at most.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>

#include "base/cpu.h"
#include "base/err.h"
#include "base/log.h"
#include "http/defer.h"
#include "http/http.h"

struct job {
    struct http_req *r;
    http_slow_fn fn;
    struct job *next;
};

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t work;
    struct job *head, *tail;
    size_t queued, max_queued;
    pthread_t *threads;
    size_t nthreads;
    bool stop;
};

static struct pool pools[HTTP_POOLS] = {
    [HTTP_POOL_SLOW] = {.lock = PTHREAD_MUTEX_INITIALIZER,
                        .work = PTHREAD_COND_INITIALIZER},
    [HTTP_POOL_WRITES] = {.lock = PTHREAD_MUTEX_INITIALIZER,
                          .work = PTHREAD_COND_INITIALIZER},
};

static void *worker_main(void *arg);

static void *
worker_main(void *arg)
{
    struct pool *p = arg;
    struct job *j;
    struct http_req *r;

    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stop)
            pthread_cond_wait(&p->work, &p->lock);
        if (!p->head)
            break;
        j = p->head;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        pthread_mutex_unlock(&p->lock);

        r = j->r;
        log_set_request_id(r->request_id);
        /* A worker computes in a turn like the server's threads do, and
         * gives it up while it waits (base/cpu.h). */
        cpu_turn_take();
        j->fn(r);
        if (!r->answered)
            http_error(r, 500, "internal", "the request was not answered");
        cpu_turn_give();
        log_info("msg=request method=%s path=%s status=%d user=%s", r->method,
                 r->path, r->status, r->authed ? r->user.username : "-");
        log_set_request_id(NULL);
        free(j);
        /* From here on the connection is the server's again, and r may be
         * gone at any moment. */
        MHD_resume_connection(r->conn);

        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int
http_defer_start(enum http_pool which, size_t workers, size_t max_queued)
{
    struct pool *p = &pools[which];
    size_t i;

    pthread_mutex_lock(&p->lock);
    p->stop = false;
    p->max_queued = max_queued;
    p->threads = xcalloc(workers, sizeof(*p->threads));
    for (i = 0; i < workers; i++)
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
            break;
    p->nthreads = i;
    pthread_mutex_unlock(&p->lock);
    return i == workers ? CG_OK : CG_ERR;
}

void
http_defer_stop(enum http_pool which)
{
    struct pool *p = &pools[which];
    size_t i, n;

    pthread_mutex_lock(&p->lock);
    /* Nothing more is taken, and what was is finished (the workers leave
     * once the queue is empty): a suspended connection may not outlive
     * the server. */
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    n = p->nthreads;
    pthread_mutex_unlock(&p->lock);
    for (i = 0; i < n; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    p->threads = NULL;
    p->nthreads = 0;
}

int
http_defer_to(enum http_pool which, struct http_req *r, http_slow_fn fn)
{
    struct pool *p = &pools[which];
    struct job *j;

    pthread_mutex_lock(&p->lock);
    if (p->stop || !p->nthreads || p->queued >= p->max_queued) {
        pthread_mutex_unlock(&p->lock);
        return CG_ECONFLICT;
    }
    j = xcalloc(1, sizeof(*j));
    j->r = r;
    j->fn = fn;
    r->deferred = true;
    MHD_suspend_connection(r->conn);
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
    p->queued++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
    return CG_OK;
}

int
http_defer(struct http_req *r, http_slow_fn fn)
{
    return http_defer_to(HTTP_POOL_SLOW, r, fn);
}
