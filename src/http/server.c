/*
 * server.c - libmicrohttpd glue: accepting requests, bounding what they may
 * send, routing them, and serving the web UI and stored photos.
 *
 * A request is read in full before its handler runs.  The body limit is
 * the route's own (small unless the route takes uploads) and is checked
 * against Content-Length before a byte of the body is read, so an
 * oversized upload is refused at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <strings.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "base/cpu.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "http/http.h"
#include "http/defer.h"
#include "http/metrics.h"
#include "http/stream.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

struct http_server {
    struct MHD_Daemon *d;
    struct http_app app;
};

static MHD_RESULT on_request(void *cls, struct MHD_Connection *conn,
                             const char *url, const char *method,
                             const char *version, const char *upload,
                             size_t *upload_size, void **con_cls);
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe);
static const struct route *find_route(const struct http_app *app,
                                      struct http_req *r, bool *path_known);
static void run(struct http_server *s, struct http_req *r);
static void run_deferred(struct http_req *r);
static MHD_RESULT send_answer(struct http_server *s, struct http_req *r);
static int serve_file(struct http_server *s, struct http_req *r);
static void mhd_log(void *cls, const char *fmt, va_list ap);

/* libmicrohttpd's own messages are mostly a client gone in the middle of
 * an answer (a page closed during its event stream): the server's log
 * at the debug level, not its standard error, except connections turned
 * away at a limit. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[256], *p;
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    for (p = msg; *p; p++) /* one line, one quoted value */
        if (*p == '"' || *p == '\n' || *p == '\r')
            *p = '\'';
    /* Turning connections away is the operator's business. */
    if (strstr(msg, "limit"))
        log_warn("msg=\"from libmicrohttpd\" detail=\"%s\"", msg);
    else
        log_debug("msg=\"from libmicrohttpd\" detail=\"%s\"", msg);
}

int
http_server_start(const struct http_app *app, const char *host, unsigned port,
                  struct http_server **out)
{
    struct http_server *s = xcalloc(1, sizeof(*s));
    struct sockaddr_in addr;
    unsigned turns;
    long ncpu;

    s->app = *app;
    /* Two requests computing per core: one reading its rows while the
     * other waits on the page cache, no more. */
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    turns = ncpu > 2 ? 2 * (unsigned)ncpu : 4;
    cpu_turns_init(turns);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        log_error("msg=\"listen address must be an IPv4 address\" host=%s",
                  host);
        free(s);
        return CG_EINVAL;
    }
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
            MHD_ALLOW_SUSPEND_RESUME,
        (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        app->threads ? app->threads : turns, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(app->max_connections ? app->max_connections : 1000),
        MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(app->timeout_s ? app->timeout_s : 30),
        MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)(app->per_address ? app->per_address : 64),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    if (!s->d) {
        log_error("msg=\"cannot listen\" host=%s port=%u err=\"%s\"", host,
                  port, strerror(errno));
        free(s);
        return CG_ERR;
    }
    if (http_streams_start() != CG_OK) {
        MHD_stop_daemon(s->d);
        free(s);
        return CG_ERR;
    }
    /* Each connection has at most one request in hand: a queue of writes
     * as long as the connections allowed is never full while the server
     * runs. */
    if (http_defer_start(HTTP_POOL_SLOW, 2, 32) != CG_OK ||
        http_defer_start(
            HTTP_POOL_WRITES, app->write_workers ? app->write_workers : 16,
            app->max_connections ? app->max_connections : 1000) != CG_OK) {
        http_defer_stop(HTTP_POOL_SLOW);
        http_defer_stop(HTTP_POOL_WRITES);
        http_streams_stop();
        MHD_stop_daemon(s->d);
        free(s);
        return CG_ERR;
    }
    http_metrics_init(s->app.routes, s->app.nroutes, s->d);
    *out = s;
    return CG_OK;
}

void
http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    http_streams_stop();
    http_defer_stop(HTTP_POOL_SLOW);
    http_defer_stop(HTTP_POOL_WRITES);
    MHD_stop_daemon(s->d);
    http_metrics_free();
    free(s);
}

static const struct route *
find_route(const struct http_app *app, struct http_req *r, bool *path_known)
{
    size_t i;

    *path_known = false;
    for (i = 0; i < app->nroutes; i++) {
        const struct route *rt = &app->routes[i];
        int64_t id = 0;
        if (!http_route_match(rt->pattern, r->path, &id))
            continue;
        *path_known = true;
        if (strcmp(rt->method, r->method) == 0) {
            r->id = id;
            return rt;
        }
    }
    return NULL;
}

static void
free_req(struct http_req *r)
{
    http_stream_abandon(r);
    buf_free(&r->body);
    json_decref(r->json);
    free(r->resp);
    free(r);
}

static MHD_RESULT
on_request(void *cls, struct MHD_Connection *conn, const char *url,
           const char *method, const char *version, const char *upload,
           size_t *upload_size, void **con_cls)
{
    struct http_server *s = cls;
    struct http_req *r = *con_cls;
    const char *cl;

    if (!r) {
        unsigned char rnd[8];
        bool known;

        r = xcalloc(1, sizeof(*r));
        *con_cls = r;
        r->started_us = http_metrics_clock();
        r->conn = conn;
        r->app = s->app.ctx;
        r->method = method;
        r->path = url;
        randombytes_buf(rnd, sizeof(rnd));
        str_hex(rnd, sizeof(rnd), r->request_id);
        if (url[0] != '/') {
            buf_init(&r->body, 0);
            http_error(r, 400, "bad_path",
                       "the request path must start "
                       "with /");
            return send_answer(s, r);
        }
        r->route = find_route(&s->app, r, &known);
        if (!r->route && known) {
            buf_init(&r->body, 0);
            http_error(r, 405, "method_not_allowed",
                       "%.16s is not allowed on %.100s", method, url);
            return send_answer(s, r);
        }
        /* Who is asking is known from the headers alone: a stranger is
         * refused, and held to the small body limit, before any of the
         * body is read. */
        log_set_request_id(r->request_id);
        if (r->route && s->app.authenticate &&
            s->app.authenticate(r) != CG_OK) {
            buf_init(&r->body, 0);
            return send_answer(s, r);
        }
        if (r->route && (r->route->flags & ROUTE_AUTH) && !r->authed) {
            buf_init(&r->body, 0);
            http_error(r, 401, "unauthenticated",
                       "sign in first: POST /api/v1/session, then send the "
                       "token as 'Authorization: Bearer TOKEN'");
            return send_answer(s, r);
        }
        buf_init(&r->body,
                 r->route && r->route->max_body &&
                         (r->authed || (r->route->flags & ROUTE_KEYED))
                     ? r->route->max_body
                     : s->app.default_max_body);
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            int64_t n;
            if (str_to_i64(cl, 0, INT64_MAX, &n) != CG_OK) {
                http_error(r, 400, "bad_request",
                           "Content-Length is not a number");
                return send_answer(s, r);
            }
            if ((uint64_t)n > r->body.max) {
                char got[32], max[32];
                str_size((uint64_t)n, got, sizeof(got));
                str_size(r->body.max, max, sizeof(max));
                http_error(r, 413, "too_large",
                           "the body is %s; this endpoint accepts at most %s",
                           got, max);
                return send_answer(s, r);
            }
        }
        log_set_request_id(NULL);
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->body_too_big &&
            buf_append(&r->body, upload, *upload_size) != CG_OK)
            r->body_too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->answered)
        return send_answer(s, r);
    if (r->body_too_big) {
        char max[32];
        str_size(r->body.max, max, sizeof(max));
        http_error(r, 413, "too_large",
                   "the body is over the %s this endpoint accepts", max);
    } else {
        cpu_turn_take();
        run(s, r);
        cpu_turn_give();
    }
    (void)version;
    /* Resumed by the worker once it has answered, which may already be
     * now: r->answered is the worker's until then. */
    if (r->deferred)
        return MHD_YES;
    return send_answer(s, r);
}

/* Authenticates, checks the body's form and runs the handler. */
static void
run(struct http_server *s, struct http_req *r)
{
    const struct route *rt = r->route;
    const char *ct;
    json_error_t jerr;
    int rc;

    log_set_request_id(r->request_id);
    if (!rt) {
        if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
            serve_file(s, r);
        else
            http_error(r, 404, "not_found", "there is nothing at %.100s",
                       r->path);
        goto out;
    }
    ct = http_header(r, "Content-Type");
    if ((rt->flags & ROUTE_UPLOAD) && ct &&
        strncasecmp(ct, "multipart/form-data", 19) == 0) {
        char err[160];
        rc = http_parse_multipart(r, err, sizeof(err));
        if (rc != CG_OK) {
            http_error(r, rc == CG_ETOOBIG ? 413 : 400, "bad_multipart", "%s",
                       err);
            goto out;
        }
    } else if (rt->flags & ROUTE_JSON) {
        if (ct && strncasecmp(ct, "application/json", 16) != 0) {
            http_error(r, 415, "unsupported_type",
                       "send the body as application/json%s",
                       (rt->flags & ROUTE_UPLOAD) ? " or multipart/form-data"
                                                  : "");
            goto out;
        }
        r->json = json_loadb(r->body.data ? r->body.data : "", r->body.len,
                             JSON_REJECT_DUPLICATES, &jerr);
        if (!r->json) {
            http_error(r, 400, "bad_json",
                       "the body is not valid JSON: %s (line %d, column %d)",
                       jerr.text, jerr.line, jerr.column);
            goto out;
        }
        if (!json_is_object(r->json)) {
            http_error(r, 400, "bad_json", "the body must be a JSON object");
            goto out;
        }
    }
    /* A caller who may not write is answered here rather than queued
     * behind the writes of those who may. */
    if ((rt->flags & ROUTE_KEYED) && s->app.authenticate_body &&
        (rc = s->app.authenticate_body(r)) != CG_OK) {
        if (!r->answered)
            http_error(r, 500, "internal", "the request was not answered (%s)",
                       cg_strerror(rc));
        goto out;
    }
    if (rt->flags & (ROUTE_WRITES | ROUTE_SLOW)) {
        /* A worker answers it (the log line is the worker's), else the
         * server is stopping or has as many waiting as it takes. */
        if (http_defer_to(rt->flags & ROUTE_SLOW ? HTTP_POOL_SLOW
                                                 : HTTP_POOL_WRITES,
                          r, run_deferred) == CG_OK) {
            log_set_request_id(NULL);
            return;
        }
        r->retry_after = 1;
        http_error(r, 503, "busy",
                   "the server has too much in hand; nothing was changed, "
                   "try again in a second");
        goto out;
    }
    rc = rt->handler(r);
    if (r->deferred) {
        /* A worker answers it; the log line is the worker's. */
        log_set_request_id(NULL);
        return;
    }
    if (!r->answered)
        http_error(r, 500, "internal", "the request was not answered (%s)",
                   cg_strerror(rc));
out:
    log_info("msg=request method=%s path=%s status=%d user=%s", r->method,
             r->path, r->status, r->authed ? r->user.username : "-");
    log_set_request_id(NULL);
}

/* A write's handler, on a writer worker (http/defer.c). */
static void
run_deferred(struct http_req *r)
{
    int rc = r->route->handler(r);

    if (!r->answered)
        http_error(r, 500, "internal", "the request was not answered (%s)",
                   cg_strerror(rc));
}

static MHD_RESULT
send_answer(struct http_server *s, struct http_req *r)
{
    struct MHD_Response *resp;
    MHD_RESULT ret;
    int i;

    (void)s;
    if (r->stream) {
        resp = http_stream_response(r);
        if (!resp) {
            http_stream_abandon(r);
            return MHD_NO;
        }
        /* A proxy must pass events on as they come, not gather them. */
        MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    } else {
        resp = MHD_create_response_from_buffer(r->resp_len, r->resp,
                                               MHD_RESPMEM_MUST_FREE);
        r->resp = NULL;
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type",
                            r->content_type ? r->content_type : "text/plain");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    if (r->content_type && strncmp(r->content_type, "text/html", 9) == 0 &&
        s->app.csp)
        MHD_add_response_header(resp, "Content-Security-Policy", s->app.csp);
    if (str_has_prefix(r->path, "/api/"))
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    for (i = 0; i < r->ncookies; i++)
        MHD_add_response_header(resp, "Set-Cookie", r->set_cookie[i]);
    if (r->retry_after > 0) {
        char v[16];
        str_fmt(v, sizeof(v), "%d", r->retry_after);
        MHD_add_response_header(resp, "Retry-After", v);
    }
    ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    r->answered = true;
    return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct http_req *r = *con_cls;

    (void)cls;
    (void)conn;
    if (r) {
        http_metrics_count(
            r->route,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? r->status : 0,
            r->started_us);
        free_req(r);
    }
    *con_cls = NULL;
}

static const char *
mime_for(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    size_t i;

    if (dot)
        for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* Reads a whole file of at most 32 MiB into the answer. */
static int
answer_file(struct http_req *r, const char *path, const char *type)
{
    struct stat sb;
    char *data;
    ssize_t n;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return CG_ENOTFOUND;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size > 32 * 1024 * 1024) {
        close(fd);
        return CG_ENOTFOUND;
    }
    data = xmalloc((size_t)sb.st_size + 1);
    while (got < (size_t)sb.st_size &&
           (n = read(fd, data + got, (size_t)sb.st_size - got)) > 0)
        got += (size_t)n;
    close(fd);
    free(r->resp);
    r->resp = data;
    r->resp_len = got;
    r->status = 200;
    r->content_type = type;
    r->answered = true;
    return CG_OK;
}

/*
 * The web UI and stored photos.  Photos are named by the SHA-256 of their
 * content; any other name is refused, so no path outside the two
 * directories can be reached.  Unknown paths without an extension get the
 * UI's index page, which routes in the browser.
 */
static int
serve_file(struct http_server *s, struct http_req *r)
{
    char path[1024];
    const char *p = r->path;

    if (strstr(p, "..") || strchr(p, '\\'))
        return http_error(r, 400, "bad_path", "the path is not allowed");
    if (str_has_prefix(p, "/photos/") && s->app.photo_dir) {
        const char *name = p + 8;
        size_t n = strlen(name);
        char hash[65];
        bool thumb = n == 64 + 10 && strcmp(name + 64, ".thumb.jpg") == 0;

        if ((n == 68 && strcmp(name + 64, ".jpg") == 0) || thumb) {
            memcpy(hash, name, 64);
            hash[64] = '\0';
            if (str_fmt(path, sizeof(path), "%s/%.2s/%s%s", s->app.photo_dir,
                        hash, hash, thumb ? ".thumb.jpg" : ".jpg") == CG_OK &&
                strspn(hash, "0123456789abcdef") == 64 &&
                answer_file(r, path, "image/jpeg") == CG_OK)
                return CG_OK;
        }
        return http_error(r, 404, "not_found", "no such photo");
    }
    if (str_has_prefix(p, "/api/"))
        return http_error(r, 404, "not_found", "there is no endpoint %.100s",
                          p);
    if (!s->app.static_dir)
        return http_error(r, 404, "not_found", "there is nothing at %.100s", p);
    if (p[0] != '/')
        return http_error(r, 400, "bad_path", "the path is not allowed");
    if (strcmp(p, "/") == 0 || !strchr(strrchr(p, '/'), '.'))
        p = "/index.html";
    if (str_fmt(path, sizeof(path), "%s%s", s->app.static_dir, p) != CG_OK ||
        answer_file(r, path, mime_for(path)) != CG_OK)
        return http_error(r, 404, "not_found", "there is nothing at %.100s",
                          r->path);
    return CG_OK;
}
