/*
 * stream.c - answers that stay open: server-sent events.
 *
 * A handler opens a stream instead of answering with a body; other threads
 * push bytes into it whenever something happens.  The connection costs no
 * thread while it waits: when the stream has nothing to send, its reader
 * suspends the connection and returns nothing, and the next push resumes
 * it.  A comment line every STREAM_KEEPALIVE_S seconds keeps proxies from
 * closing an idle stream and shows the server, by a failed write, that the
 * reader has gone (a suspended connection notices nothing by itself).
 *
 * A stream is held by two owners, the answer being sent and whoever pushes
 * into it; it is freed when both have let go.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "http/http.h"
#include "http/stream.h"

/* Bytes waiting for one slow reader; past this the backlog is dropped and
 * the reader told to load its page afresh. */
#define STREAM_BACKLOG_MAX (256 * 1024)
#define STREAM_KEEPALIVE_S 15

static const char resync[] = "event: resync\ndata: {}\n\n";

struct http_stream {
    pthread_mutex_t lock;
    struct MHD_Connection *conn;
    struct buf queue;
    size_t sent; /* bytes of queue already handed to the connection */
    bool suspended;
    bool closed; /* no more pushes: the end follows what is queued */
    bool gone;   /* the answer is finished: nothing reads any more */
    int refs;
    struct http_stream *next; /* in the registry of open streams */
};

/* Every stream whose answer is still being sent, for the keep-alive and
 * for closing them all before the server stops. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct http_stream *head;
    size_t count;
    pthread_t ticker;
    bool ticking;
    bool stop;
} reg = {PTHREAD_MUTEX_INITIALIZER,
         PTHREAD_COND_INITIALIZER,
         NULL,
         0,
         0,
         false,
         false};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max);
static void stream_done(void *cls);
static void stream_unref(struct http_stream *s);
static void registry_add(struct http_stream *s);
static void registry_remove(struct http_stream *s);
static void *ticker_main(void *arg);

/* Hands the connection what is queued.  Nothing queued: suspend until the
 * next push, or end the answer when the stream is closed. */
static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct http_stream *s = cls;
    size_t n;
    ssize_t ret;

    (void)pos;
    pthread_mutex_lock(&s->lock);
    n = s->queue.len - s->sent;
    if (n > 0) {
        if (n > max)
            n = max;
        memcpy(out, s->queue.data + s->sent, n);
        s->sent += n;
        if (s->sent == s->queue.len) {
            buf_reset(&s->queue);
            s->sent = 0;
        }
        ret = (ssize_t)n;
    } else if (s->closed) {
        ret = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        s->suspended = true;
        MHD_suspend_connection(s->conn);
        ret = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return ret;
}

/* The answer is finished (the reader went away, or the end was sent). */
static void
stream_done(void *cls)
{
    struct http_stream *s = cls;

    pthread_mutex_lock(&s->lock);
    s->gone = true;
    s->closed = true;
    pthread_mutex_unlock(&s->lock);
    registry_remove(s);
    stream_unref(s);
}

static void
stream_unref(struct http_stream *s)
{
    bool last;

    pthread_mutex_lock(&s->lock);
    last = --s->refs == 0;
    pthread_mutex_unlock(&s->lock);
    if (!last)
        return;
    buf_free(&s->queue);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int
http_stream_open(struct http_req *r, struct http_stream **out)
{
    struct http_stream *s = xcalloc(1, sizeof(*s));

    pthread_mutex_init(&s->lock, NULL);
    buf_init(&s->queue, STREAM_BACKLOG_MAX);
    s->conn = r->conn;
    s->refs = 2; /* the answer, and the caller */
    /* Reconnect after 3 s when the stream breaks. */
    buf_puts(&s->queue, "retry: 3000\n\n");
    r->stream = s;
    r->status = 200;
    r->content_type = "text/event-stream; charset=utf-8";
    r->answered = true;
    *out = s;
    return CG_OK;
}

struct MHD_Response *
http_stream_response(struct http_req *r)
{
    struct MHD_Response *resp;

    resp = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 4096, stream_read, r->stream, stream_done);
    if (!resp)
        return NULL;
    registry_add(r->stream);
    r->stream = NULL;
    return resp;
}

void
http_stream_abandon(struct http_req *r)
{
    /* The answer was never created: the answer's reference goes now. */
    if (r->stream) {
        stream_unref(r->stream);
        r->stream = NULL;
    }
}

bool
http_stream_push(struct http_stream *s, const char *data, size_t len)
{
    bool ok;

    pthread_mutex_lock(&s->lock);
    ok = !s->closed;
    if (ok && buf_append(&s->queue, data, len) != CG_OK) {
        /* Too far behind: what is queued is worth less than a fresh load. */
        buf_reset(&s->queue);
        s->sent = 0;
        buf_append(&s->queue, resync, sizeof(resync) - 1);
    }
    if (ok && s->suspended) {
        s->suspended = false;
        MHD_resume_connection(s->conn);
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

void
http_stream_close(struct http_stream *s)
{
    pthread_mutex_lock(&s->lock);
    s->closed = true;
    if (s->suspended && !s->gone) {
        s->suspended = false;
        MHD_resume_connection(s->conn);
    }
    pthread_mutex_unlock(&s->lock);
}

bool
http_stream_is_open(struct http_stream *s)
{
    bool open;

    pthread_mutex_lock(&s->lock);
    open = !s->closed;
    pthread_mutex_unlock(&s->lock);
    return open;
}

void
http_stream_release(struct http_stream *s)
{
    if (s)
        stream_unref(s);
}

/* ---- the registry ------------------------------------------------------ */

static void
registry_add(struct http_stream *s)
{
    pthread_mutex_lock(&reg.lock);
    s->next = reg.head;
    reg.head = s;
    reg.count++;
    pthread_mutex_unlock(&reg.lock);
}

static void
registry_remove(struct http_stream *s)
{
    struct http_stream **p;

    pthread_mutex_lock(&reg.lock);
    for (p = &reg.head; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            reg.count--;
            break;
        }
    pthread_cond_broadcast(&reg.changed);
    pthread_mutex_unlock(&reg.lock);
}

static void *
ticker_main(void *arg)
{
    static const char ping[] = ": keep-alive\n\n";
    struct http_stream *s;
    struct timespec until;

    (void)arg;
    pthread_mutex_lock(&reg.lock);
    while (!reg.stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += STREAM_KEEPALIVE_S;
        while (!reg.stop &&
               pthread_cond_timedwait(&reg.changed, &reg.lock, &until) == 0)
            ;
        if (reg.stop)
            break;
        for (s = reg.head; s; s = s->next)
            http_stream_push(s, ping, sizeof(ping) - 1);
    }
    pthread_mutex_unlock(&reg.lock);
    return NULL;
}

int
http_streams_start(void)
{
    pthread_mutex_lock(&reg.lock);
    reg.stop = false;
    if (!reg.ticking &&
        pthread_create(&reg.ticker, NULL, ticker_main, NULL) == 0)
        reg.ticking = true;
    pthread_mutex_unlock(&reg.lock);
    return reg.ticking ? CG_OK : CG_ERR;
}

void
http_streams_stop(void)
{
    struct http_stream *s;
    struct timespec until;
    bool ticking;

    pthread_mutex_lock(&reg.lock);
    reg.stop = true;
    ticking = reg.ticking;
    reg.ticking = false;
    for (s = reg.head; s; s = s->next)
        http_stream_close(s);
    /* The server may not stop while a connection is suspended: give the
     * closed streams a moment to send their end. */
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    while (reg.count > 0 &&
           pthread_cond_timedwait(&reg.changed, &reg.lock, &until) == 0)
        ;
    if (reg.count > 0)
        log_warn("msg=\"event streams still open at stop\" count=%zu",
                 reg.count);
    pthread_cond_broadcast(&reg.changed);
    pthread_mutex_unlock(&reg.lock);
    if (ticking)
        pthread_join(reg.ticker, NULL);
}

size_t
http_streams_count(void)
{
    size_t n;

    pthread_mutex_lock(&reg.lock);
    n = reg.count;
    pthread_mutex_unlock(&reg.lock);
    return n;
}
