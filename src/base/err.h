/*
 * err.h - the project's one error type.
 *
 * Every function that can fail returns an int: CG_OK (zero) on success or
 * one of the negative codes below.  The HTTP layer maps them to status codes
 * in one place (http/response.c); everything else only passes them up.
 */
#ifndef CG_ERR_H
#define CG_ERR_H

enum {
    CG_OK = 0,
    CG_ERR = -1,         /* runtime failure (I/O, library); see the log */
    CG_ENOMEM = -2,      /* allocation failed */
    CG_ETOOBIG = -3,     /* input over a configured limit */
    CG_EINVAL = -4,      /* malformed or out-of-range input */
    CG_ENOTFOUND = -5,   /* the thing asked for does not exist */
    CG_ECONFLICT = -6,   /* state changed under us, or duplicate key */
    CG_EFORBIDDEN = -7,  /* role or area scope does not allow it */
    CG_EDB = -8,         /* the database refused or failed */
    CG_EUNSUPPORTED = -9 /* a type or format this build does not take */
};

/* Short stable name of an error code ("too_big"), for logs. */
const char *cg_strerror(int err);

#endif
