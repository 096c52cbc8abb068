/*
 * defer.h - the workers for slow requests and for writes (defer.c),
 * started and stopped with the server.
 */
#ifndef CG_HTTP_DEFER_H
#define CG_HTTP_DEFER_H

#include <stddef.h>

#include "http/http.h"

int http_defer_start(enum http_pool which, size_t workers, size_t max_queued);
/* Waits for the deferred requests to be answered, then stops. */
void http_defer_stop(enum http_pool which);

#endif
