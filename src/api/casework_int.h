/*
 * casework_int.h - what the casework files share and nobody else uses:
 * casework.c (reporting and acting), casework_route.c (owner, deadline,
 * level), casework_classify.c (the category of a report left without one)
 * and casework_follow.c (events the platform writes on a case).
 *
 * The public interface is casework.h; this header is not for callers.
 */
#ifndef CG_CASEWORK_INT_H
#define CG_CASEWORK_INT_H

#include <stdint.h>

#include "api/casework.h"

/* Fills err with an HTTP status, a stable code and a message, and
 * returns the project error that status maps to. */
int cw_fail(struct cw_error *err, int status, const char *code, const char *fmt,
            ...) __attribute__((format(printf, 4, 5)));

/* cw_fail for a refusal of the lifecycle table. */
int cw_lc_fail(struct cw_error *err, enum lc_result r, const char *why);

/* Writes an event on each case merged into `parent`, which has just
 * closed or reopened by event pe, in the caller's transaction
 * (casework_follow.c). */
int cw_follow_parent(struct app *a, const struct case_row *parent,
                     const struct case_event *pe, struct cw_error *err);

/* Accepts case `id` because the model's top suggestion reached
 * `threshold`, in the caller's transaction (casework_classify.c). */
int cw_accept_by_model(struct app *a, int64_t id, int64_t at,
                       const struct cw_suggest *sug, double threshold);

#endif
