/*
 * fuzz_form.c - form bodies: multipart/form-data split into parts, and
 * the fields of a form (urlencoded, or the text parts of a multipart
 * body) walked and looked up.
 *
 * Input: the Content-Type header value, a line feed, then the body.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_cb(const char *name, const char *value, void *ctx);
static void check_parts(const struct http_req *r);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    harness_quiet();
    return 0;
}

static int
count_cb(const char *name, const char *value, void *ctx)
{
    size_t *n = ctx;

    *n += strlen(name) + strlen(value);
    return 0;
}

/* Every part lies inside the body and its names are terminated where
 * their fields end. */
static void
check_parts(const struct http_req *r)
{
    const char *lo = r->body.data, *hi = r->body.data + r->body.len;
    int i;

    if (r->nparts < 0 || r->nparts > MULTIPART_MAX_PARTS)
        abort();
    for (i = 0; i < r->nparts; i++) {
        const struct multipart_part *p = &r->parts[i];

        if (p->data < lo || p->data > hi || p->len > (size_t)(hi - p->data))
            abort();
        if (!memchr(p->name, '\0', sizeof(p->name)) ||
            !memchr(p->filename, '\0', sizeof(p->filename)) ||
            !memchr(p->content_type, '\0', sizeof(p->content_type)) ||
            p->name[0] == '\0')
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct MHD_Connection conn;
    struct http_req r;
    const uint8_t *nl = memchr(data, '\n', size);
    char *ct, err[160] = "", value[256];
    size_t hlen = nl ? (size_t)(nl - data) : size, total = 0;
    const uint8_t *body = nl ? nl + 1 : data + size;
    int rc;

    ct = harness_strndup(data, hlen);
    memset(&conn, 0, sizeof(conn));
    conn.content_type = ct;
    harness_req_init(&r, &conn, body, size - hlen - (nl ? 1 : 0));

    rc = http_parse_multipart(&r, err, sizeof(err));
    if (!memchr(err, '\0', sizeof(err)))
        abort();
    if (rc == CG_OK) {
        check_parts(&r);
        (void)http_part(&r, "photo");
        (void)http_part(&r, "description");
    } else {
        /* The server refuses the request here; what follows reads the
         * same bytes as an urlencoded form instead. */
        r.nparts = 0;
    }
    (void)http_form_each(&r, count_cb, &total);
    (void)http_form_value(&r, "description", value, sizeof(value));
    (void)http_form_value(&r, "category", value, 2);

    harness_req_free(&r);
    free(ct);
    return 0;
}
