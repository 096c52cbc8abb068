/*
 * demo_csv.c - a small reader of CSV as RFC 4180 defines it, for the data
 * files the demo loads.
 *
 * Fields are separated by commas and records by CRLF or LF.  A field in
 * double quotes may hold commas, line breaks and doubled quotes ("" for
 * one ").  The whole file is read at once, up to a limit, and each record
 * is split in place: quotes are removed and every field is terminated
 * where it lies, so the fields handed out point into the file's buffer and
 * stay valid until demo_csv_close.  A UTF-8 byte order mark is skipped and
 * blank lines between records are ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "cmd/demo_city.h"

static int split_field(struct demo_csv *c, size_t *w);

int
demo_csv_open(struct demo_csv *c, const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    long size;

    memset(c, 0, sizeof(*c));
    if (!f)
        return CG_ENOTFOUND;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return CG_ERR;
    }
    if ((size_t)size > max) {
        fclose(f);
        return CG_ETOOBIG;
    }
    c->buf = malloc((size_t)size + 1);
    if (!c->buf) {
        fclose(f);
        return CG_ENOMEM;
    }
    c->len = fread(c->buf, 1, (size_t)size, f);
    fclose(f);
    c->buf[c->len] = '\0';
    if (c->len >= 3 && memcmp(c->buf, "\xEF\xBB\xBF", 3) == 0)
        c->pos = 3;
    c->line = 1;
    return CG_OK;
}

void
demo_csv_close(struct demo_csv *c)
{
    free(c->buf);
    memset(c, 0, sizeof(*c));
}

/* Copies one field from pos down to w, unquoting it, and leaves pos on the
 * character that ends it (a comma, a line break, or the end). */
static int
split_field(struct demo_csv *c, size_t *w)
{
    char *b = c->buf;

    if (c->pos < c->len && b[c->pos] == '"') {
        c->pos++;
        for (;;) {
            if (c->pos >= c->len)
                return CG_EINVAL; /* a quote is never closed */
            if (b[c->pos] == '"') {
                if (c->pos + 1 < c->len && b[c->pos + 1] == '"') {
                    b[(*w)++] = '"';
                    c->pos += 2;
                    continue;
                }
                c->pos++;
                break;
            }
            if (b[c->pos] == '\n')
                c->line++;
            b[(*w)++] = b[c->pos++];
        }
        if (c->pos < c->len && b[c->pos] != ',' && b[c->pos] != '\r' &&
            b[c->pos] != '\n')
            return CG_EINVAL; /* text after the closing quote */
        return CG_OK;
    }
    while (c->pos < c->len && b[c->pos] != ',' && b[c->pos] != '\r' &&
           b[c->pos] != '\n')
        b[(*w)++] = b[c->pos++];
    return CG_OK;
}

/*
 * Splits the next record into fields[0..*n).  Returns CG_OK, CG_ENOTFOUND
 * after the last record, or CG_EINVAL when the record is malformed or has
 * more than nmax fields (c->line says where).
 */
int
demo_csv_next(struct demo_csv *c, char **fields, size_t nmax, size_t *n)
{
    size_t w;
    char end;
    int rc;

    *n = 0;
    while (c->pos < c->len &&
           (c->buf[c->pos] == '\n' || c->buf[c->pos] == '\r')) {
        if (c->buf[c->pos] == '\n')
            c->line++;
        c->pos++;
    }
    if (c->pos >= c->len || nmax == 0)
        return CG_ENOTFOUND;
    w = c->pos;
    for (;;) {
        if (*n == nmax)
            return CG_EINVAL;
        fields[(*n)++] = c->buf + w;
        if ((rc = split_field(c, &w)) != CG_OK)
            return rc;
        /* The field is written at or before the character that ends it,
         * so read that character before terminating the field. */
        end = c->pos < c->len ? c->buf[c->pos] : '\0';
        c->buf[w++] = '\0';
        if (end != ',')
            break;
        c->pos++;
    }
    if (end == '\r') {
        c->pos++;
        if (c->pos < c->len && c->buf[c->pos] == '\n')
            c->pos++;
        c->line++;
    } else if (end == '\n') {
        c->pos++;
        c->line++;
    }
    return CG_OK;
}
