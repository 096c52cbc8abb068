/*
 * casework.h - reporting a case and taking an action on it: the one path
 * that the HTTP API, the history importer and the demo all go through.
 *
 * Each call asks the lifecycle table and the permission check, routes and
 * sets deadlines, and writes the change and its event in one transaction
 * (the caller's, if it holds one).
 */
#ifndef CG_CASEWORK_H
#define CG_CASEWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "api/app.h"
#include "auth/auth.h"
#include "core/lifecycle.h"
#include "geo/geo.h"

/* Why a call failed: an HTTP status, a stable code and a sentence. */
struct cw_error {
    int status;
    const char *code;
    char message[320];
};

/* Who acts.  A replay of trusted history acts as `history`: the reporter
 * and the owning unit are taken to be whoever the history says. */
struct cw_actor {
    struct principal p;
    bool history;
};

struct cw_report {
    const char *ref;
    const char *title;
    const char *description;
    const char *category;
    const char *area_code; /* or a point: */
    bool has_point;
    double lon, lat;
    enum geo_crs crs;
    const char *address;
    const char *channel;
    const char *reporter_name;
    const char *reporter_phone;
    int64_t reported_at; /* 0: now */
    const char *const *photos;
    size_t nphotos;
    bool self_handle; /* a grid worker fixed it on the spot */
    const char *note; /* what was done, for self_handle */
    const char *idem_key;
    const char *idem_fp;
};

struct cw_action {
    enum case_action action;
    const char *note;
    const char *const *photos;
    size_t nphotos;
    const char *unit_code; /* dispatch: the unit; default the routed one */
    int64_t target;        /* merge: the case to merge into */
    enum rating rating;
    int days;
    int64_t version; /* 0: whatever the case is at */
    int64_t at;      /* 0: now */
    const char *idem_key;
    const char *idem_fp;
};

int casework_submit(struct app *a, const struct cw_actor *who,
                    const struct cw_report *rep, int64_t *id,
                    struct cw_error *err);
int casework_act(struct app *a, const struct cw_actor *who, int64_t case_id,
                 const struct cw_action *act, struct cw_error *err);

/* What the lifecycle table needs to know about the actor and the case
 * (the request's own fields left empty). */
void casework_facts(const struct cw_actor *who, const struct case_row *c,
                    struct lc_facts *f);

/* The deadline of a case of category k in `area` reported at `from`: the
 * category's limit for the grid's grade, counted in working time (in
 * clock hours for an emergency); five working days for a category without
 * one. */
int64_t casework_deadline(struct app *a, const struct category *k,
                          const struct area *area, int64_t from);

/* Where a new case of `category` in `area` goes, and why. */
int casework_route(struct app *a, const char *category, const struct area *area,
                   struct unit *unit, char *why, size_t whylen);

#endif
