/*
 * harness.h - what the fuzz targets share: a stand-in for the one
 * libmicrohttpd call the request readers make, so header and query
 * lookups can be fed from the input without a server, and small helpers.
 */
#ifndef CG_FUZZ_HARNESS_H
#define CG_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

#define HARNESS_MAX_ARGS 32

/* A connection as the stand-in sees it: one Content-Type header and the
 * arguments of the query string, already decoded. */
struct MHD_Connection {
    const char *content_type;
    int nargs;
    char *keys[HARNESS_MAX_ARGS];
    char *values[HARNESS_MAX_ARGS];
};

/* A request over conn with the given body (copied; not terminated, as a
 * body read from the network is not). */
void harness_req_init(struct http_req *r, struct MHD_Connection *conn,
                      const uint8_t *body, size_t len);
/* Frees the body, the answer and the parsed arguments. */
void harness_req_free(struct http_req *r);
/* Fills conn's arguments from an urlencoded query string through the
 * form reader, as a server would before the handler runs. */
int harness_query_parse(struct MHD_Connection *conn, const char *q, size_t len);
/* A NUL-terminated copy of data (the caller frees it). */
char *harness_strndup(const uint8_t *data, size_t len);
/* Keeps only the program's error lines; the rest would slow the run. */
void harness_quiet(void);

#endif
