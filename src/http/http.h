/*
 * http.h - the HTTP server, its router and the request/response in between.
 *
 * The server (libmicrohttpd, epoll, a fixed pool of threads) reads a whole
 * request body into a bounded buffer, finds the route, lets the
 * application authenticate the caller, and runs the route's handler, or
 * hands it to a worker when the route writes (ROUTE_WRITES, defer.c).  A
 * handler answers through http_json() or http_error(); an error is always
 * the JSON {"error": {"code", "message"}}.
 */
#ifndef CG_HTTP_H
#define CG_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "store/store.h"

struct MHD_Connection;
struct http_req;
struct http_stream;

typedef int (*http_handler)(struct http_req *r);

/* Route flags. */
#define ROUTE_AUTH   (1u << 0) /* a signed-in user is required */
#define ROUTE_JSON   (1u << 1) /* the body must be a JSON object */
#define ROUTE_UPLOAD (1u << 2) /* the body may be multipart/form-data */
#define ROUTE_KEYED                                                            \
    (1u << 3) /* the caller proves itself in the body (an                      \
                 API key): the route's own body limit                          \
                 applies before that is known, and                             \
                 http_app.authenticate_body checks it */
#define ROUTE_WRITES                                                           \
    (1u << 4) /* handled by a writer worker (http_defer_to), so that           \
                 its wait for the disk holds no server thread */
#define ROUTE_SLOW                                                             \
    (1u << 5) /* handled by a worker for slow requests (hashing a              \
                 password), as sign-ins are */

struct route {
    const char *method;
    const char *pattern; /* "/api/v1/cases/{id}/actions"; {id} is an integer */
    http_handler handler;
    unsigned flags;
    size_t max_body; /* 0: the server's default small limit */
};

struct multipart_part {
    char name[64];
    char filename[128];
    char content_type[64];
    const char *data;
    size_t len;
};

#define MULTIPART_MAX_PARTS 16

struct http_req {
    struct MHD_Connection *conn;
    void *app; /* the application's context */
    const char *method;
    const char *path;
    const struct route *route;
    int64_t id; /* the {id} of the path, if any */
    char request_id[20];
    struct buf body;
    bool body_too_big;
    json_t *json; /* ROUTE_JSON: the parsed body object */
    struct multipart_part parts[MULTIPART_MAX_PARTS];
    int nparts;
    /* Who is asking; set by the application's authenticate hook. */
    bool authed;
    bool via_cookie;
    struct user user;
    char csrf[48];
    /* The answer. */
    int status;
    char *resp;
    size_t resp_len;
    const char *content_type;
    char set_cookie[2][256];
    int ncookies;
    bool answered;
    struct http_stream *stream; /* an answer that stays open, if any */
    int64_t started_us;         /* http_metrics_clock() at arrival */
    int retry_after;            /* seconds, sent as Retry-After when > 0 */
    bool deferred;              /* answered later by a worker (http_defer) */
};

struct http_app {
    const struct route *routes;
    size_t nroutes;
    /* Called before every routed request; fills r->user and r->authed.
     * Returns CG_OK or answers the request itself and returns an error. */
    int (*authenticate)(struct http_req *r);
    /* Called for a ROUTE_KEYED route once its body is read, on the
     * server's thread, before the request waits for a writer: checks the
     * caller the body names, or answers and returns an error. */
    int (*authenticate_body)(struct http_req *r);
    void *ctx;
    const char *static_dir; /* the web UI */
    const char *photo_dir;  /* stored photos, served under /photos/ */
    const char *csp;        /* Content-Security-Policy of the pages */
    size_t default_max_body;
    unsigned threads;       /* the server's threads, serving connections */
    unsigned write_workers; /* the workers that handle ROUTE_WRITES */
    unsigned max_connections;
    unsigned per_address; /* connections one client address may hold */
    unsigned timeout_s;
};

struct http_server;

/* Starts listening on host:port; CG_ERR when the port cannot be bound. */
int http_server_start(const struct http_app *app, const char *host,
                      unsigned port, struct http_server **out);
void http_server_stop(struct http_server *s);

/* Answers with a JSON value (the reference is taken over). */
int http_json(struct http_req *r, int status, json_t *body);
/* Answers {"error": {"code", "message"}}; returns the CG_ code that fits
 * the status so a handler can `return http_error(...)`. */
int http_error(struct http_req *r, int status, const char *code,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The CG_ error code that stands for an HTTP error status. */
int http_status_err(int status);
int http_raw(struct http_req *r, int status, const char *content_type,
             const void *data, size_t len);
void http_set_cookie(struct http_req *r, const char *cookie);

const char *http_header(struct http_req *r, const char *name);
const char *http_query(struct http_req *r, const char *name);
const char *http_cookie(struct http_req *r, const char *name);

/*
 * Server-sent events.  http_stream_open answers r with a stream that stays
 * open (text/event-stream) and hands the caller a reference to it; pushes
 * from any thread are sent as they come, and the connection holds no
 * thread while it waits.  A push answers false once the reader has gone;
 * the caller then lets go with http_stream_release.
 */
int http_stream_open(struct http_req *r, struct http_stream **out);
bool http_stream_push(struct http_stream *s, const char *data, size_t len);
bool http_stream_is_open(struct http_stream *s);
/* Ends the stream after what is queued. */
void http_stream_close(struct http_stream *s);
void http_stream_release(struct http_stream *s);
/* Streams being sent now, for the operator's figures. */
size_t http_streams_count(void);

/*
 * Hands r to a worker of its own (a few of them, with a short queue), for
 * work slow by design such as hashing a password: fn runs on the worker and
 * answers r as a handler would, and the server's thread goes on serving
 * other connections meanwhile.  CG_OK: the handler returns and the answer
 * follows; CG_ECONFLICT: the queue is full, and the handler answers now.
 */
typedef void (*http_slow_fn)(struct http_req *r);
int http_defer(struct http_req *r, http_slow_fn fn);

/* The kinds of deferred work, each with workers and a queue of its own:
 * slow by design (http_defer), and writes (ROUTE_WRITES). */
enum http_pool { HTTP_POOL_SLOW, HTTP_POOL_WRITES, HTTP_POOLS };
int http_defer_to(enum http_pool which, struct http_req *r, http_slow_fn fn);

/* The request counters and latency histograms of this process, and its
 * open connections and streams, in the Prometheus text format. */
void http_metrics_write(struct buf *out);
/* Whether the caller is on this machine (127.0.0.0/8). */
bool http_peer_is_loopback(struct http_req *r);

/* Parses r->body as multipart/form-data into r->parts. */
int http_parse_multipart(struct http_req *r, char *err, size_t errlen);
const struct multipart_part *http_part(struct http_req *r, const char *name);

/*
 * Form fields of a POST: the pairs of an application/x-www-form-urlencoded
 * body (percent-escapes and '+' decoded), or the text parts of a parsed
 * multipart body (parts with a filename are files and left out).
 * http_form_each calls cb for each field in order, with NUL-terminated
 * copies that live only for the call; a non-zero return stops the walk and
 * is returned.  CG_EINVAL for a malformed escape.
 */
typedef int (*http_form_cb)(const char *name, const char *value, void *ctx);
int http_form_each(struct http_req *r, http_form_cb cb, void *ctx);
/* The first field `name` of the form into out; an empty field is absent.
 * CG_ENOTFOUND when absent, CG_ETOOBIG when it does not fit outlen. */
int http_form_value(struct http_req *r, const char *name, char *out,
                    size_t outlen);

/* Matches a path against a pattern; fills *id for an {id} segment. */
bool http_route_match(const char *pattern, const char *path, int64_t *id);

#endif
