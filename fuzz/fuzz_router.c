/*
 * fuzz_router.c - a request line's path and query string: the path
 * against every route of the API, the query string through the
 * urlencoded reader, and its values through the parsers the handlers use
 * on query arguments.
 *
 * Input: "PATH?QUERY" (the query optional), as the request line has it.
 */
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/validate.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "core/level.h"
#include "core/lifecycle.h"
#include "core/role.h"
#include "geo/geo.h"
#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void match_routes(const char *path);
static void query_values(struct http_req *r);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    harness_quiet();
    return 0;
}

/* A matched {id} is always a positive integer, and a path that matches
 * a pattern's literal text matches it whole. */
static void
match_routes(const char *path)
{
    size_t i;

    for (i = 0; i < api_nroutes; i++) {
        const char *pat = api_routes[i].pattern;
        int64_t id = 0;

        if (!http_route_match(pat, path, &id))
            continue;
        if (strstr(pat, "{id}") != NULL && id < 1)
            abort();
        if (strchr(pat, '{') == NULL && strcmp(pat, path) != 0)
            abort();
    }
}

static void
query_values(struct http_req *r)
{
    static const char *const times[] = {"from", "to", "as_of"};
    static const char *const ints[] = {"page",  "per_page", "page_size",
                                       "limit", "zoom",     "within"};
    static const char *const doubles[] = {"lat", "lon"};
    enum case_level level;
    enum case_state state;
    enum geo_crs crs;
    enum role role;
    int64_t t, n;
    double d;
    size_t i;
    const char *v;

    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        t = 0;
        (void)api_query_time(r, times[i], &t);
        free(r->resp);
        r->resp = NULL;
        r->answered = false;
    }
    for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        if ((v = http_query(r, ints[i])) != NULL)
            (void)str_to_i64(v, 1, INT64_MAX, &n);
    for (i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++)
        if ((v = http_query(r, doubles[i])) != NULL)
            (void)str_to_double(v, &d);
    if ((v = http_query(r, "crs")) != NULL)
        (void)geo_crs_parse(v, &crs);
    if ((v = http_query(r, "level")) != NULL)
        (void)level_parse(v, &level);
    if ((v = http_query(r, "state")) != NULL)
        (void)case_state_parse(v, &state);
    if ((v = http_query(r, "scope")) != NULL)
        (void)role_parse(v, &role);
    if ((v = http_query(r, "start_date")) != NULL)
        (void)cgtime_parse(v, cgtime_display_offset, &t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct MHD_Connection conn;
    struct http_req r;
    const uint8_t *q;
    char *path;
    size_t plen;

    /* The server hands the path on as a C string. */
    q = memchr(data, '?', size);
    plen = q ? (size_t)(q - data) : size;
    path = harness_strndup(data, plen);
    match_routes(path);
    free(path);

    memset(&conn, 0, sizeof(conn));
    harness_req_init(&r, &conn, NULL, 0);
    if (q && harness_query_parse(&conn, (const char *)q + 1, size - plen - 1) ==
                 CG_OK)
        query_values(&r);
    harness_req_free(&r);
    return 0;
}
