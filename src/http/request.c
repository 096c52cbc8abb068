/*
 * request.c - reading what a client sent: headers, query arguments,
 * cookies, urlencoded forms and multipart/form-data bodies.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "http/http.h"

static const char *find_bytes(const char *hay, size_t haylen,
                              const char *needle, size_t nlen);
static int part_headers(struct multipart_part *part, const char *h, size_t len);
static int url_decode(const char *s, size_t len, char **out);
static int hex_digit(char c);

struct form_find {
    const char *name;
    char *out;
    size_t outlen;
};

static int form_find_cb(const char *name, const char *value, void *ctx);

const char *
http_header(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
http_query(struct http_req *r, const char *name)
{
    const char *v =
        MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);

    /* An empty argument is the same as an absent one. */
    return v && *v ? v : NULL;
}

const char *
http_cookie(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

static const char *
find_bytes(const char *hay, size_t haylen, const char *needle, size_t nlen)
{
    return memmem(hay, haylen, needle, nlen);
}

/* Copies the value of `key="..."` from a Content-Disposition line. */
static void
disposition_param(const char *line, size_t len, const char *key, char *out,
                  size_t outlen)
{
    char pat[32];
    const char *p, *q;
    size_t n;

    out[0] = '\0';
    str_fmt(pat, sizeof(pat), "%s=\"", key);
    p = find_bytes(line, len, pat, strlen(pat));
    /* "name=" must not match inside "filename=". */
    while (p && p > line && p[-1] != ' ' && p[-1] != ';') {
        size_t off = (size_t)(p - line) + 1;
        p = find_bytes(line + off, len - off, pat, strlen(pat));
    }
    if (!p)
        return;
    p += strlen(pat);
    q = memchr(p, '"', len - (size_t)(p - line));
    if (!q)
        return;
    n = (size_t)(q - p);
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static int
part_headers(struct multipart_part *part, const char *h, size_t len)
{
    const char *line = h, *end = h + len;

    while (line < end) {
        const char *eol = find_bytes(line, (size_t)(end - line), "\r\n", 2);
        size_t n = eol ? (size_t)(eol - line) : (size_t)(end - line);

        if (n > 20 && strncasecmp(line, "content-disposition:", 20) == 0) {
            disposition_param(line, n, "name", part->name, sizeof(part->name));
            disposition_param(line, n, "filename", part->filename,
                              sizeof(part->filename));
        } else if (n > 13 && strncasecmp(line, "content-type:", 13) == 0) {
            size_t k = n - 13;
            const char *v = line + 13;
            while (k && *v == ' ') {
                v++;
                k--;
            }
            if (k >= sizeof(part->content_type))
                k = sizeof(part->content_type) - 1;
            memcpy(part->content_type, v, k);
            part->content_type[k] = '\0';
        }
        line += n + 2;
    }
    return part->name[0] ? CG_OK : CG_EINVAL;
}

int
http_parse_multipart(struct http_req *r, char *err, size_t errlen)
{
    const char *ct = http_header(r, "Content-Type"), *b;
    char delim[128];
    const char *p, *end;
    size_t dlen, n = 0;

    if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0) {
        str_copy(err, errlen, "the body must be multipart/form-data");
        return CG_EINVAL;
    }
    /* boundary=TOKEN or boundary="TOKEN", up to the next parameter. */
    b = strstr(ct, "boundary=");
    if (b) {
        b += 9;
        n = *b == '"' ? strcspn(++b, "\"") : strcspn(b, "; \t");
    }
    if (!b || n == 0 || n > 70 ||
        str_fmt(delim, sizeof(delim), "\r\n--%.*s", (int)n, b) != CG_OK) {
        str_copy(err, errlen, "the multipart boundary is missing or too long");
        return CG_EINVAL;
    }
    dlen = strlen(delim);
    r->nparts = 0;
    if (!r->body.data || r->body.len < dlen - 2 ||
        memcmp(r->body.data, delim + 2, dlen - 2) != 0) {
        str_copy(err, errlen, "the body does not start with the boundary");
        return CG_EINVAL;
    }
    p = r->body.data + dlen - 2;
    end = r->body.data + r->body.len;
    for (;;) {
        const char *hend, *next;
        struct multipart_part *part;

        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return CG_OK; /* closing delimiter */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            break;
        p += 2;
        hend = find_bytes(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hend)
            break;
        next = find_bytes(hend + 4, (size_t)(end - hend - 4), delim, dlen);
        if (!next)
            break;
        if (r->nparts == MULTIPART_MAX_PARTS) {
            str_fmt(err, errlen, "at most %d form fields are accepted",
                    MULTIPART_MAX_PARTS);
            return CG_ETOOBIG;
        }
        part = &r->parts[r->nparts];
        memset(part, 0, sizeof(*part));
        if (part_headers(part, p, (size_t)(hend - p) + 2) != CG_OK) {
            str_copy(err, errlen, "a form field has no name");
            return CG_EINVAL;
        }
        part->data = hend + 4;
        part->len = (size_t)(next - part->data);
        r->nparts++;
        p = next + dlen;
    }
    str_copy(err, errlen, "the multipart body is truncated or malformed");
    return CG_EINVAL;
}

const struct multipart_part *
http_part(struct http_req *r, const char *name)
{
    int i;

    for (i = 0; i < r->nparts; i++)
        if (strcmp(r->parts[i].name, name) == 0)
            return &r->parts[i];
    return NULL;
}

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes one urlencoded name or value into a new string (the caller's to
 * free).  A '%' not followed by two hex digits is an error. */
static int
url_decode(const char *s, size_t len, char **out)
{
    char *d = xmalloc(len + 1);
    size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            d[n++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < len ? hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < len ? hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(d);
                return CG_EINVAL;
            }
            d[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            d[n++] = s[i];
        }
    }
    d[n] = '\0';
    *out = d;
    return CG_OK;
}

int
http_form_each(struct http_req *r, http_form_cb cb, void *ctx)
{
    const char *p, *end;
    int i, rc;

    if (r->nparts) {
        for (i = 0; i < r->nparts; i++) {
            const struct multipart_part *part = &r->parts[i];
            char *v;
            if (part->filename[0])
                continue;
            v = str_ndup(part->data, part->len);
            rc = cb(part->name, v, ctx);
            free(v);
            if (rc)
                return rc;
        }
        return CG_OK;
    }
    if (!r->body.data)
        return CG_OK;
    p = r->body.data;
    end = p + r->body.len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        char *name = NULL, *value = NULL;

        if (stop > p) {
            const char *nend = eq ? eq : stop;
            if (url_decode(p, (size_t)(nend - p), &name) != CG_OK)
                return CG_EINVAL;
            if (url_decode(eq ? eq + 1 : stop, eq ? (size_t)(stop - eq - 1) : 0,
                           &value) != CG_OK) {
                free(name);
                return CG_EINVAL;
            }
            rc = cb(name, value, ctx);
            free(name);
            free(value);
            if (rc)
                return rc;
        }
        p = stop + 1;
    }
    return CG_OK;
}

/* Stops the walk at the first non-empty field of the name asked for:
 * CG_OK + 1 when found, so a clean walk (0) means absent. */
static int
form_find_cb(const char *name, const char *value, void *ctx)
{
    struct form_find *f = ctx;

    if (strcmp(name, f->name) != 0 || !*value)
        return 0;
    return str_copy(f->out, f->outlen, value) == CG_OK ? 1 : CG_ETOOBIG;
}

int
http_form_value(struct http_req *r, const char *name, char *out, size_t outlen)
{
    struct form_find f = {name, out, outlen};
    int rc = http_form_each(r, form_find_cb, &f);

    if (rc == 1)
        return CG_OK;
    out[0] = '\0';
    return rc == CG_OK ? CG_ENOTFOUND : rc;
}
