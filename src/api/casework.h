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
#include "core/level.h"
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
    /* History only: the deadline the old system set, kept as it was
     * instead of one counted from the catalogue; 0 with due_given: the
     * old system set none. */
    bool due_given;
    int64_t due_at;
    const char *const *photos;
    size_t nphotos;
    bool self_handle; /* a grid worker fixed it on the spot */
    const char *note; /* what was done, for self_handle */
    const char *idem_key;
    const char *idem_fp;
};

struct cw_action {
    enum case_action action;
    const char *category; /* accept: file it under this small class */
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

/* ---- the category of a case reported without one ------------------------ */

#define CW_SUGGEST_MAX 3

/* Where a suggestion came from. */
enum cw_suggest_by {
    CW_SUGGEST_NONE,     /* nothing to go by */
    CW_SUGGEST_MODEL,    /* the model learnt from the closed cases */
    CW_SUGGEST_KEYWORDS, /* no model yet: the catalogue's names */
};

struct cw_suggestion {
    char code[16];
    char name[NAME_LEN];
    double p;
    char word[48]; /* by keywords: the word of the text that named it */
};

struct cw_suggest {
    enum cw_suggest_by by;
    int64_t model_id;         /* CW_SUGGEST_MODEL */
    int64_t model_trained_at; /* CW_SUGGEST_MODEL */
    struct cw_suggestion top[CW_SUGGEST_MAX];
    size_t n;
    char reason[320]; /* why top[0], in Chinese, for staff */
};

/*
 * The three most likely small classes of a case from its title and
 * description: by the newest stored model when there is one (checked
 * for a newer one at most once a minute), else by the catalogue's names
 * and keywords.  out->n is 0 when neither finds anything.
 */
int casework_suggest(struct app *a, const char *title, const char *description,
                     struct cw_suggest *out);

/* The suggestions as JSON: {by, model_id?, reason, items: [{code, name,
 * p}]}. */
json_t *casework_suggest_json(const struct cw_suggest *s);

/* The confidence from which a case is accepted without a person: the
 * setting "classify.auto_accept" (0 < x <= 1; 0.85 unless set). */
double casework_auto_accept(struct app *a);

int casework_submit(struct app *a, const struct cw_actor *who,
                    const struct cw_report *rep, int64_t *id,
                    struct cw_error *err);
int casework_act(struct app *a, const struct cw_actor *who, int64_t case_id,
                 const struct cw_action *act, struct cw_error *err);

/*
 * A resident joins an open case instead of reporting it again ("me too"):
 * counted once per person, and the case then shows in their own list.
 * *added is false when they had joined already (the call still
 * succeeds).  Refused with 409 on a case that is not open and to the
 * person who reported it, with 403 to staff.
 */
int casework_support(struct app *a, const struct cw_actor *who, int64_t case_id,
                     bool *added, struct cw_error *err);

/* Why this person may not join the case, or NULL when they may. */
const char *casework_support_refusal(const struct cw_actor *who,
                                     const struct case_row *c, int *status);

/* Adds a note from an outside system (an Open311 client) to a case's
 * history, as the platform, inside the caller's transaction if one is
 * open; the case's state is unchanged. */
int casework_outside_note(struct app *a, int64_t case_id, const char *note,
                          struct cw_error *err);

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

/* The same for a case whose text made it more urgent than its category:
 * the earlier of the category's deadline and the level's limit. */
int64_t casework_deadline_at(struct app *a, const struct category *k,
                             const struct area *area, enum case_level level,
                             int64_t from);

/* How long a level may take: the setting "deadline.<level>" when it is
 * set and valid, else the default (a bad setting is logged and ignored,
 * so that a typo cannot stop the intake). */
void casework_level_limit(struct app *a, enum case_level level,
                          struct level_limit *out);

/* The level of a new case of category k from its title and description. */
void casework_level(const struct category *k, const char *title,
                    const char *description, struct level_decision *out);

/* How a case found its owner. */
enum cw_route_by {
    CW_BY_RULE,     /* the most specific routing rule */
    CW_BY_CATEGORY, /* no rule: the category's department */
    CW_BY_TERRITORY /* neither: the area's territorial office */
};

/* Where a new case goes, with the whole reasoning. */
struct cw_route {
    struct unit unit;
    enum cw_route_by by;
    char grade; /* the grid grade that applies to the area */
    /* The rules that apply, most specific first; rules[0] won when by
     * is CW_BY_RULE. */
    struct routing_rule rules[ROUTING_MAX_MATCH];
    size_t nrules;
    char why[320];
};

/*
 * Routes a case of small class k in `area`: the most specific routing
 * rule, else the category's department, else the territorial office
 * nearest above the area.  CG_ENOTFOUND only when the area has no
 * territorial office above it either.
 */
int casework_route_plan(struct app *a, const struct category *k,
                        const struct area *area, struct cw_route *out);

/* A rule for people: "06010 暴露垃圾 在 回民区（A类网格）". */
void casework_rule_text(const struct routing_rule *r, char *out, size_t outlen);

/* Where a new case of `category` in `area` goes, and why. */
int casework_route(struct app *a, const char *category, const struct area *area,
                   struct unit *unit, char *why, size_t whylen);

#endif
