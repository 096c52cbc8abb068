/*
 * log.h - one logging function with levels and key=value fields.
 *
 * Lines go to standard error as
 *   2026-12-04T14:55:32.120Z level=info req=7f3a msg="..." key=value
 * The request id is per thread and set by the HTTP layer for the duration
 * of a request, so every line written while answering carries it.
 */
#ifndef CG_LOG_H
#define CG_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
int log_parse_level(const char *s, enum log_level *out);
void log_set_request_id(const char *id);

void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* Broken invariant or out of memory: log with context and abort. */
_Noreturn void cg_fatal(const char *file, int line, const char *what);
#define CG_FATAL(what) cg_fatal(__FILE__, __LINE__, (what))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);

#endif
