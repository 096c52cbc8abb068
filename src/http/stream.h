/*
 * stream.h - what the server itself needs of open streams (stream.c);
 * handlers use the part declared in http.h.
 */
#ifndef CG_HTTP_STREAM_H
#define CG_HTTP_STREAM_H

#include <microhttpd.h>

#include "http/http.h"

/* The answer that reads r's stream; the stream joins the registry. */
struct MHD_Response *http_stream_response(struct http_req *r);
/* Lets go of r's stream when its answer was never made. */
void http_stream_abandon(struct http_req *r);
/* Starts the keep-alive; closes every stream and waits (briefly) for their
 * ends to be sent, before the server may stop. */
int http_streams_start(void);
void http_streams_stop(void);

#endif
