/*
 * str.h - bounded string helpers used instead of the unbounded libc ones.
 */
#ifndef CG_STR_H
#define CG_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies at most dstlen-1 bytes and terminates; returns CG_ETOOBIG when the
 * source did not fit (the truncated copy is still terminated). */
int str_copy(char *dst, size_t dstlen, const char *src);

/* snprintf that reports truncation as CG_ETOOBIG. */
int str_fmt(char *dst, size_t dstlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses a whole decimal integer in [min, max]; CG_EINVAL otherwise. */
int str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int str_to_double(const char *s, double *out);

bool str_is_digits(const char *s, size_t len);
bool str_has_prefix(const char *s, const char *prefix);

/* strdup that aborts on out-of-memory. */
char *str_dup(const char *s);
char *str_ndup(const char *s, size_t n);

/* Number of Unicode code points in valid UTF-8, or -1 if not valid UTF-8. */
long str_utf8_len(const char *s, size_t len);

/* A size for people: "523 bytes", "64 KiB", "10.5 MiB". */
void str_size(uint64_t bytes, char *out, size_t outlen);

/* Makes s valid UTF-8 in place: an invalid byte becomes '?', and a
 * character cut short at the end (by truncation) is dropped. */
void str_utf8_clean(char *s);

/* Lower-case hex encoding; out must hold 2*len+1 bytes. */
void str_hex(const unsigned char *in, size_t len, char *out);

#endif
