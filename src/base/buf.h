/*
 * buf.h - growable byte buffers with a hard ceiling.
 *
 * A buffer never grows past the maximum given to buf_init(); appending past
 * it fails with CG_ETOOBIG and leaves the buffer as it was.  The data is
 * always NUL-terminated so text can be used in place.
 */
#ifndef CG_BUF_H
#define CG_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Hands the data over to the caller (free() it) and empties the buffer. */
char *buf_steal(struct buf *b);

#endif
