/*
 * response.c - building answers, and the one place where errors become
 * HTTP status codes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "http/http.h"

int
http_raw(struct http_req *r, int status, const char *content_type,
         const void *data, size_t len)
{
    free(r->resp);
    r->resp = xmalloc(len + 1);
    memcpy(r->resp, data, len);
    r->resp[len] = '\0';
    r->resp_len = len;
    r->status = status;
    r->content_type = content_type;
    r->answered = true;
    return CG_OK;
}

int
http_json(struct http_req *r, int status, json_t *body)
{
    char *s;

    if (!body)
        return http_error(r, 500, "internal", "the answer could not be built");
    s = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12));
    json_decref(body);
    if (!s)
        CG_FATAL("json_dumps");
    free(r->resp);
    r->resp = s;
    r->resp_len = strlen(s);
    r->status = status;
    r->content_type = "application/json; charset=utf-8";
    r->answered = true;
    return CG_OK;
}

int
http_status_err(int status)
{
    switch (status) {
    case 401:
    case 403:
        return CG_EFORBIDDEN;
    case 404:
        return CG_ENOTFOUND;
    case 409:
        return CG_ECONFLICT;
    case 413:
        return CG_ETOOBIG;
    case 415:
        return CG_EUNSUPPORTED;
    default:
        return status >= 500 ? CG_ERR : CG_EINVAL;
    }
}

int
http_error(struct http_req *r, int status, const char *code, const char *fmt,
           ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* A message may quote what the client sent, in any encoding. */
    str_utf8_clean(msg);
    if (status >= 500)
        log_error("msg=\"request failed\" status=%d code=%s detail=\"%s\"",
                  status, code, msg);
    http_json(
        r, status,
        json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
    return http_status_err(status);
}

void
http_set_cookie(struct http_req *r, const char *cookie)
{
    if (r->ncookies < 2)
        str_copy(r->set_cookie[r->ncookies++], sizeof(r->set_cookie[0]),
                 cookie);
}
