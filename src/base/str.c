/* str.c - bounded string helpers. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

int
str_copy(char *dst, size_t dstlen, const char *src)
{
    size_t n = strlen(src);

    if (dstlen == 0)
        return CG_ETOOBIG;
    if (n >= dstlen) {
        memcpy(dst, src, dstlen - 1);
        dst[dstlen - 1] = '\0';
        return CG_ETOOBIG;
    }
    memcpy(dst, src, n + 1);
    return CG_OK;
}

int
str_fmt(char *dst, size_t dstlen, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(dst, dstlen, fmt, ap);
    va_end(ap);
    if (n < 0)
        return CG_EINVAL;
    return (size_t)n < dstlen ? CG_OK : CG_ETOOBIG;
}

int
str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v;

    if (!s || !*s)
        return CG_EINVAL;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max)
        return CG_EINVAL;
    *out = (int64_t)v;
    return CG_OK;
}

int
str_to_double(const char *s, double *out)
{
    char *end;
    double v;

    if (!s || !*s)
        return CG_EINVAL;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || end == s || !isfinite(v))
        return CG_EINVAL;
    *out = v;
    return CG_OK;
}

bool
str_is_digits(const char *s, size_t len)
{
    size_t i;

    if (len == 0)
        return false;
    for (i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool
str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *
str_dup(const char *s)
{
    return str_ndup(s, strlen(s));
}

char *
str_ndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

long
str_utf8_len(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    long n = 0;

    while (i < len) {
        unsigned char c = p[i];
        size_t k, extra;

        if (c < 0x80)
            extra = 0;
        else if ((c & 0xe0) == 0xc0 && c >= 0xc2)
            extra = 1;
        else if ((c & 0xf0) == 0xe0)
            extra = 2;
        else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
            extra = 3;
        else
            return -1;
        if (extra && i + extra >= len)
            return -1;
        for (k = 1; k <= extra; k++)
            if ((p[i + k] & 0xc0) != 0x80)
                return -1;
        i += extra + 1;
        n++;
    }
    return n;
}

void
str_size(uint64_t bytes, char *out, size_t outlen)
{
    if (bytes < 1024)
        str_fmt(out, outlen, "%llu bytes", (unsigned long long)bytes);
    else if (bytes < 1024 * 1024)
        str_fmt(out, outlen, "%.3g KiB", (double)bytes / 1024);
    else
        str_fmt(out, outlen, "%.3g MiB", (double)bytes / (1024 * 1024));
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if none. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
    size_t extra, k;

    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2)
        extra = 1;
    else if ((p[0] & 0xf0) == 0xe0)
        extra = 2;
    else if ((p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4)
        extra = 3;
    else
        return 0;
    if (extra >= n)
        return 0;
    for (k = 1; k <= extra; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    return extra + 1;
}

void
str_utf8_clean(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n = strlen(s), i = 0;

    while (i < n) {
        size_t len = utf8_seq(p + i, n - i);
        if (len) {
            i += len;
            continue;
        }
        /* A lead byte whose sequence runs past the end was cut short. */
        if (p[i] >= 0xc2 && p[i] <= 0xf4 && n - i < 4) {
            size_t k = i + 1;
            while (k < n && (p[k] & 0xc0) == 0x80)
                k++;
            if (k == n) {
                p[i] = '\0';
                return;
            }
        }
        p[i++] = '?';
    }
}

void
str_hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}
