/*
 * harness.c - the request stand-in of the fuzz targets.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "harness.h"

static int query_arg_cb(const char *name, const char *value, void *ctx);

/* Replaces libmicrohttpd's lookup for everything linked into a target:
 * the readers in src/http only ever ask a connection for one value. */
const char *
MHD_lookup_connection_value(struct MHD_Connection *conn,
                            enum MHD_ValueKind kind, const char *key)
{
    int i;

    if (conn == NULL || key == NULL)
        return NULL;
    if (kind == MHD_HEADER_KIND)
        return strcasecmp(key, "Content-Type") == 0 ? conn->content_type : NULL;
    if (kind != MHD_GET_ARGUMENT_KIND)
        return NULL;
    for (i = 0; i < conn->nargs; i++)
        if (strcmp(conn->keys[i], key) == 0)
            return conn->values[i];
    return NULL;
}

void
harness_req_init(struct http_req *r, struct MHD_Connection *conn,
                 const uint8_t *body, size_t len)
{
    memset(r, 0, sizeof(*r));
    r->conn = conn;
    r->method = "POST";
    r->path = "/";
    buf_init(&r->body, len + 1);
    if (len > 0 && buf_append(&r->body, body, len) != CG_OK)
        abort();
}

void
harness_req_free(struct http_req *r)
{
    int i;

    buf_free(&r->body);
    json_decref(r->json);
    free(r->resp);
    if (r->conn) {
        for (i = 0; i < r->conn->nargs; i++) {
            free(r->conn->keys[i]);
            free(r->conn->values[i]);
        }
        r->conn->nargs = 0;
    }
    memset(r, 0, sizeof(*r));
}

static int
query_arg_cb(const char *name, const char *value, void *ctx)
{
    struct MHD_Connection *conn = ctx;

    if (conn->nargs == HARNESS_MAX_ARGS)
        return 1;
    conn->keys[conn->nargs] = str_dup(name);
    conn->values[conn->nargs] = str_dup(value);
    conn->nargs++;
    return 0;
}

int
harness_query_parse(struct MHD_Connection *conn, const char *q, size_t len)
{
    struct http_req r;
    int rc;

    harness_req_init(&r, NULL, (const uint8_t *)q, len);
    rc = http_form_each(&r, query_arg_cb, conn);
    buf_free(&r.body);
    return rc;
}

char *
harness_strndup(const uint8_t *data, size_t len)
{
    char *s = xmalloc(len + 1);

    if (len > 0)
        memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

void
harness_quiet(void)
{
    log_set_level(LOG_ERROR);
}
