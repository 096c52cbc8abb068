/* buf.c - growable byte buffers with a hard ceiling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"

static int buf_reserve(struct buf *b, size_t extra);

void
buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void
buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for extra bytes plus the terminator, doubling the capacity
 * but never past the ceiling. */
static int
buf_reserve(struct buf *b, size_t extra)
{
    size_t need, ncap;

    if (extra > b->max || b->len > b->max - extra)
        return CG_ETOOBIG;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return CG_OK;
    ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap *= 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    b->data = xrealloc(b->data, ncap);
    b->cap = ncap;
    return CG_OK;
}

int
buf_append(struct buf *b, const void *data, size_t len)
{
    int rc = buf_reserve(b, len);

    if (rc != CG_OK)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return CG_OK;
}

int
buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n, rc;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return CG_EINVAL;
    rc = buf_reserve(b, (size_t)n);
    if (rc != CG_OK)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return CG_OK;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *
buf_steal(struct buf *b)
{
    char *p = b->data;

    if (!p)
        p = xcalloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
