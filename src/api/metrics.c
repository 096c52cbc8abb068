/*
 * metrics.c - GET /metrics: the operator's figures in the Prometheus text
 * format: requests and their latencies (counted by the HTTP layer), open
 * connections and event streams, cases by state, the queues' overdue
 * cases, and the process's memory.
 *
 * Only callers on this machine may read it: a monitoring agent runs beside
 * each server, and the proxy in front keeps /metrics to itself (see
 * deploy/nginx.conf).
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/app.h"
#include "api/live.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"

static void state_line(const char *state, int64_t cases, int64_t overdue,
                       void *ctx);
static long resident_kb(void);

struct counts {
    struct buf cases, overdue;
};

static void
state_line(const char *state, int64_t cases, int64_t overdue, void *ctx)
{
    struct counts *c = ctx;

    buf_printf(&c->cases, "civicgrid_cases{state=\"%s\"} %lld\n", state,
               (long long)cases);
    if (overdue)
        buf_printf(&c->overdue, "civicgrid_cases_overdue{state=\"%s\"} %lld\n",
                   state, (long long)overdue);
}

/* The resident set of this process, in kB, from /proc; -1 if unknown. */
static long
resident_kb(void)
{
    char line[128];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0 &&
            sscanf(line + 6, "%ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

int
api_metrics(struct http_req *r)
{
    struct counts c;
    struct buf out;
    uint64_t groups, writes;
    int64_t backlog = 0;
    long kb;
    int rc;

    if (!http_peer_is_loopback(r))
        return http_error(r, 403, "forbidden",
                          "the metrics are for monitoring on this machine "
                          "only");
    buf_init(&out, 4 * 1024 * 1024);
    buf_init(&c.cases, 64 * 1024);
    buf_init(&c.overdue, 64 * 1024);
    http_metrics_write(&out);
    buf_printf(&out,
               "# HELP civicgrid_live_subscribers Event streams joined to "
               "this server's hub.\n# TYPE civicgrid_live_subscribers "
               "gauge\ncivicgrid_live_subscribers %zu\n",
               live_count(api_app(r)->live));
    rc = store_ops_case_counts(api_db(r), cgtime_now(), state_line, &c);
    if (rc == CG_OK) {
        buf_puts(&out, "# HELP civicgrid_cases Cases by state.\n"
                       "# TYPE civicgrid_cases gauge\n");
        buf_append(&out, c.cases.data, c.cases.len);
        buf_puts(&out, "# HELP civicgrid_cases_overdue Open cases past their "
                       "deadline, by the state they wait in.\n"
                       "# TYPE civicgrid_cases_overdue gauge\n");
        buf_append(&out, c.overdue.data, c.overdue.len);
    }
    buf_printf(&out,
               "# HELP civicgrid_database_connections Database connections "
               "this process holds (one per worker thread that used it, and "
               "the listener).\n# TYPE civicgrid_database_connections "
               "gauge\ncivicgrid_database_connections %ld\n",
               db_connections());
    store_write_counts(api_app(r)->store, &groups, &writes);
    buf_printf(&out,
               "# HELP civicgrid_write_groups_total Transactions the writer "
               "thread committed, each holding the reports and steps that "
               "arrived together.\n# TYPE civicgrid_write_groups_total "
               "counter\ncivicgrid_write_groups_total %llu\n"
               "# HELP civicgrid_grouped_writes_total Writes in those "
               "transactions (reports, steps, searches adding waiting "
               "cases to the text indexes).\n"
               "# TYPE civicgrid_grouped_writes_total counter\n"
               "civicgrid_grouped_writes_total %llu\n",
               (unsigned long long)groups, (unsigned long long)writes);
    if (db_dialect_search_backlog(api_db(r), &backlog) == CG_OK)
        buf_printf(&out,
                   "# HELP civicgrid_search_backlog Cases not yet in the "
                   "text indexes (added in batches).\n"
                   "# TYPE civicgrid_search_backlog gauge\n"
                   "civicgrid_search_backlog %lld\n",
                   (long long)backlog);
    buf_printf(&out,
               "# HELP civicgrid_database_up Whether the database answered "
               "this scrape.\n# TYPE civicgrid_database_up gauge\n"
               "civicgrid_database_up %d\n",
               rc == CG_OK);
    if ((kb = resident_kb()) >= 0)
        buf_printf(&out,
                   "# HELP civicgrid_process_resident_bytes Memory of "
                   "this process in RAM.\n"
                   "# TYPE civicgrid_process_resident_bytes gauge\n"
                   "civicgrid_process_resident_bytes %ld\n",
                   kb * 1024);
    rc = http_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8",
                  out.data ? out.data : "", out.len);
    buf_free(&out);
    buf_free(&c.cases);
    buf_free(&c.overdue);
    return rc;
}
