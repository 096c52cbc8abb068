/*
 * metrics.c - what the server counts about the requests it answers, for
 * the operator's monitoring (GET /metrics, Prometheus text format).
 *
 * One slot per route of the table and one for everything else (the web UI's
 * files, unknown paths): answers by status class, and a histogram of the
 * time from the first byte of a request to the end of its answer.  The
 * counters are plain atomics, so counting costs a request nothing
 * noticeable and needs no lock.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "http/http.h"
#include "http/metrics.h"

/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t bounds_us[] = {
    1000, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 5000000,
};
#define NBOUNDS (sizeof(bounds_us) / sizeof(bounds_us[0]))

struct slot {
    uint64_t by_class[6]; /* [1..5]: 1xx..5xx; [0]: no answer */
    uint64_t bucket[NBOUNDS];
    uint64_t count;
    uint64_t sum_us;
};

static struct {
    const struct route *routes;
    size_t nroutes;
    struct slot *slots; /* nroutes + 1 */
    struct MHD_Daemon *d;
} m;

static void emit_label(struct buf *out, const char *route);

int64_t
http_metrics_clock(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
http_metrics_init(const struct route *routes, size_t nroutes,
                  struct MHD_Daemon *d)
{
    free(m.slots);
    m.routes = routes;
    m.nroutes = nroutes;
    m.slots = xcalloc(nroutes + 1, sizeof(*m.slots));
    m.d = d;
}

void
http_metrics_free(void)
{
    free(m.slots);
    memset(&m, 0, sizeof(m));
}

void
http_metrics_count(const struct route *route, int status, int64_t started_us)
{
    size_t i = m.nroutes, b;
    struct slot *s;
    uint64_t us;

    if (!m.slots)
        return;
    if (route && route >= m.routes && route < m.routes + m.nroutes)
        i = (size_t)(route - m.routes);
    s = &m.slots[i];
    us = (uint64_t)(http_metrics_clock() - started_us);
    __atomic_add_fetch(
        &s->by_class[status >= 100 && status < 600 ? status / 100 : 0], 1,
        __ATOMIC_RELAXED);
    for (b = 0; b < NBOUNDS; b++)
        if (us <= bounds_us[b])
            __atomic_add_fetch(&s->bucket[b], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->count, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->sum_us, us, __ATOMIC_RELAXED);
}

/* route="GET /api/v1/cases/{id}" - the pattern, never the path asked for,
 * so that the number of series stays that of the route table. */
static void
emit_label(struct buf *out, const char *route)
{
    buf_printf(out, "route=\"%s\"", route);
}

void
http_metrics_write(struct buf *out)
{
    static const char *const cls[] = {"none", "1xx", "2xx",
                                      "3xx",  "4xx", "5xx"};
    char name[160];
    size_t i, b, c;

    buf_puts(out, "# HELP civicgrid_http_requests_total Requests answered, "
                  "by route and status class.\n"
                  "# TYPE civicgrid_http_requests_total counter\n");
    for (i = 0; m.slots && i <= m.nroutes; i++) {
        const struct slot *s = &m.slots[i];

        if (i < m.nroutes)
            str_fmt(name, sizeof(name), "%s %s", m.routes[i].method,
                    m.routes[i].pattern);
        else
            str_copy(name, sizeof(name), "other");
        for (c = 0; c < 6; c++) {
            uint64_t v = __atomic_load_n(&s->by_class[c], __ATOMIC_RELAXED);

            if (!v)
                continue;
            buf_puts(out, "civicgrid_http_requests_total{");
            emit_label(out, name);
            buf_printf(out, ",code=\"%s\"} %llu\n", cls[c],
                       (unsigned long long)v);
        }
    }
    buf_puts(out, "# HELP civicgrid_http_request_duration_seconds Time from "
                  "a request's arrival to the end of its answer.\n"
                  "# TYPE civicgrid_http_request_duration_seconds "
                  "histogram\n");
    for (i = 0; m.slots && i <= m.nroutes; i++) {
        const struct slot *s = &m.slots[i];
        uint64_t n = __atomic_load_n(&s->count, __ATOMIC_RELAXED);

        if (!n)
            continue;
        if (i < m.nroutes)
            str_fmt(name, sizeof(name), "%s %s", m.routes[i].method,
                    m.routes[i].pattern);
        else
            str_copy(name, sizeof(name), "other");
        for (b = 0; b < NBOUNDS; b++) {
            buf_puts(out, "civicgrid_http_request_duration_seconds_bucket{");
            emit_label(out, name);
            buf_printf(out, ",le=\"%g\"} %llu\n", (double)bounds_us[b] / 1e6,
                       (unsigned long long)__atomic_load_n(&s->bucket[b],
                                                           __ATOMIC_RELAXED));
        }
        buf_puts(out, "civicgrid_http_request_duration_seconds_bucket{");
        emit_label(out, name);
        buf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)n);
        buf_puts(out, "civicgrid_http_request_duration_seconds_sum{");
        emit_label(out, name);
        buf_printf(out, "} %.6f\n",
                   (double)__atomic_load_n(&s->sum_us, __ATOMIC_RELAXED) / 1e6);
        buf_puts(out, "civicgrid_http_request_duration_seconds_count{");
        emit_label(out, name);
        buf_printf(out, "} %llu\n", (unsigned long long)n);
    }
    if (m.d) {
        const union MHD_DaemonInfo *di =
            MHD_get_daemon_info(m.d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

        buf_printf(out,
                   "# HELP civicgrid_http_connections Connections open now.\n"
                   "# TYPE civicgrid_http_connections gauge\n"
                   "civicgrid_http_connections %u\n",
                   di ? di->num_connections : 0);
    }
    buf_printf(out,
               "# HELP civicgrid_event_streams Event streams being sent "
               "now.\n# TYPE civicgrid_event_streams gauge\n"
               "civicgrid_event_streams %zu\n",
               http_streams_count());
}

bool
http_peer_is_loopback(struct http_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    return false;
}
