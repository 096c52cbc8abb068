/*
 * defer.c - requests whose work is slow by design (hashing a password with
 * argon2id) done off the server's threads.
 *
 * The server's threads each serve many connections; one of them hashing a
 * password for a quarter of a second would make every other connection on
 * that thread wait.  A deferred request instead suspends its connection
 * (which then costs no thread), goes into a short queue, and is handled by
 * one of a few workers of its own; the worker writes the answer and resumes
 * the connection, and the server sends it.  When the queue is full the
 * request is answered at once instead (the caller says how: 429 with
 * Retry-After for sign-ins).
 */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "http/defer.h"
#include "http/http.h"

struct job {
    struct http_req *r;
    http_slow_fn fn;
    struct job *next;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work, idle;
    struct job *head, *tail;
    size_t queued, max_queued, inflight;
    pthread_t *threads;
    size_t nthreads;
    bool stop;
} pool = {PTHREAD_MUTEX_INITIALIZER,
          PTHREAD_COND_INITIALIZER,
          PTHREAD_COND_INITIALIZER,
          NULL,
          NULL,
          0,
          0,
          0,
          NULL,
          0,
          false};

static void *worker_main(void *arg);

static void *
worker_main(void *arg)
{
    struct job *j;
    struct http_req *r;

    (void)arg;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (!pool.head && !pool.stop)
            pthread_cond_wait(&pool.work, &pool.lock);
        if (!pool.head)
            break;
        j = pool.head;
        pool.head = j->next;
        if (!pool.head)
            pool.tail = NULL;
        pool.queued--;
        pthread_mutex_unlock(&pool.lock);

        r = j->r;
        log_set_request_id(r->request_id);
        j->fn(r);
        if (!r->answered)
            http_error(r, 500, "internal", "the request was not answered");
        log_info("msg=request method=%s path=%s status=%d user=%s", r->method,
                 r->path, r->status, r->authed ? r->user.username : "-");
        log_set_request_id(NULL);
        free(j);
        /* From here on the connection is the server's again, and r may be
         * gone at any moment. */
        MHD_resume_connection(r->conn);

        pthread_mutex_lock(&pool.lock);
        pool.inflight--;
        pthread_cond_broadcast(&pool.idle);
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

int
http_defer_start(size_t workers, size_t max_queued)
{
    size_t i;

    pthread_mutex_lock(&pool.lock);
    pool.stop = false;
    pool.max_queued = max_queued;
    pool.threads = xcalloc(workers, sizeof(*pool.threads));
    for (i = 0; i < workers; i++)
        if (pthread_create(&pool.threads[i], NULL, worker_main, NULL) != 0)
            break;
    pool.nthreads = i;
    pthread_mutex_unlock(&pool.lock);
    return i == workers ? CG_OK : CG_ERR;
}

void
http_defer_stop(void)
{
    struct timespec until;
    size_t i, n;

    pthread_mutex_lock(&pool.lock);
    /* What was accepted is finished: a suspended connection may not
     * outlive the server. */
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    while (pool.inflight > 0 &&
           pthread_cond_timedwait(&pool.idle, &pool.lock, &until) == 0)
        ;
    pool.stop = true;
    pthread_cond_broadcast(&pool.work);
    n = pool.nthreads;
    pthread_mutex_unlock(&pool.lock);
    for (i = 0; i < n; i++)
        pthread_join(pool.threads[i], NULL);
    free(pool.threads);
    pool.threads = NULL;
    pool.nthreads = 0;
}

int
http_defer(struct http_req *r, http_slow_fn fn)
{
    struct job *j;

    pthread_mutex_lock(&pool.lock);
    if (pool.stop || !pool.nthreads || pool.queued >= pool.max_queued) {
        pthread_mutex_unlock(&pool.lock);
        return CG_ECONFLICT;
    }
    j = xcalloc(1, sizeof(*j));
    j->r = r;
    j->fn = fn;
    r->deferred = true;
    MHD_suspend_connection(r->conn);
    if (pool.tail)
        pool.tail->next = j;
    else
        pool.head = j;
    pool.tail = j;
    pool.queued++;
    pool.inflight++;
    pthread_cond_signal(&pool.work);
    pthread_mutex_unlock(&pool.lock);
    return CG_OK;
}
