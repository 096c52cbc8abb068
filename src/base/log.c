/* log.c - levelled key=value log lines on standard error. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/str.h"

static enum log_level min_level = LOG_INFO;
static _Thread_local char request_id[32];
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
log_set_level(enum log_level level)
{
    min_level = level;
}

int
log_parse_level(const char *s, enum log_level *out)
{
    int i;

    for (i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    return -1;
}

void
log_set_request_id(const char *id)
{
    str_copy(request_id, sizeof(request_id), id ? id : "");
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    char stamp[32], line[2048];
    struct timespec ts;
    struct tm tm;
    va_list ap;

    if (level < min_level)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_lock);
    if (request_id[0])
        fprintf(stderr, "%s.%03ldZ level=%s req=%s %s\n", stamp,
                ts.tv_nsec / 1000000, level_names[level], request_id, line);
    else
        fprintf(stderr, "%s.%03ldZ level=%s %s\n", stamp, ts.tv_nsec / 1000000,
                level_names[level], line);
    pthread_mutex_unlock(&log_lock);
}

_Noreturn void
cg_fatal(const char *file, int line, const char *what)
{
    fprintf(stderr, "fatal: %s at %s:%d\n", what, file, line);
    abort();
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        CG_FATAL("out of memory");
    return p;
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p)
        CG_FATAL("out of memory");
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (!q)
        CG_FATAL("out of memory");
    return q;
}
