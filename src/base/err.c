/* err.c - names of the project's error codes. */
#include "base/err.h"

const char *
cg_strerror(int err)
{
    switch (err) {
    case CG_OK:
        return "ok";
    case CG_ENOMEM:
        return "out_of_memory";
    case CG_ETOOBIG:
        return "too_big";
    case CG_EINVAL:
        return "invalid";
    case CG_ENOTFOUND:
        return "not_found";
    case CG_ECONFLICT:
        return "conflict";
    case CG_EFORBIDDEN:
        return "forbidden";
    case CG_EDB:
        return "database";
    case CG_EUNSUPPORTED:
        return "unsupported";
    default:
        return "error";
    }
}
