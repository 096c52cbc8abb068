/*
 * metrics.h - the server's own counters (metrics.c), for the server and
 * for the handler that shows them.
 */
#ifndef CG_HTTP_METRICS_H
#define CG_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

struct MHD_Daemon;

/* Microseconds on a clock that never goes back. */
int64_t http_metrics_clock(void);
void http_metrics_init(const struct route *routes, size_t nroutes,
                       struct MHD_Daemon *d);
void http_metrics_free(void);
/* One answered request of route (NULL: a file or an unknown path). */
void http_metrics_count(const struct route *route, int status,
                        int64_t started_us);

#endif
