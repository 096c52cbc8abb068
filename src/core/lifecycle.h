/*
 * lifecycle.h - the case state machine as one table.
 *
 * Every change of a case is an action applied to its current state.  The
 * table says, for each action, from which states it may be taken, the state
 * it leads to, which roles may take it and what it needs (a note, photos, a
 * rating, a unit ...).  Handlers and the history importer ask this table and
 * nothing else; there are no state checks scattered over the code.
 *
 * Each kind of case (a complaint today; a mediation or a subsidy
 * application later) has a machine of its own: the same structures with a
 * table of its own.
 */
#ifndef CG_LIFECYCLE_H
#define CG_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/role.h"

enum case_state {
    ST_NONE = 0,   /* before the first event */
    ST_SUBMITTED,  /* 待受理: reported, waiting for intake */
    ST_FILED,      /* 已立案: accepted, waiting for dispatch */
    ST_DISPATCHED, /* 已派遣: sent to a unit, waiting for it to sign */
    ST_HANDLING,   /* 处置中: the unit signed for it */
    ST_EXTENSION_PENDING, /* 延期审批中: the unit asked for more time */
    ST_HANDLED,           /* 待核查: the unit fed back, waiting to verify */
    ST_CLOSED,            /* 已结案 (terminal unless reopened) */
    ST_REJECTED,          /* 已驳回 (terminal) */
    ST_WITHDRAWN,         /* 已撤回 (terminal) */
    ST_SUSPENDED,         /* 挂账: long-term item, clock stopped */
    ST_MERGED,            /* 已合并: follows another case (terminal) */
    ST__COUNT
};

#define ST_SAME   ST__COUNT /* "to" of an action that keeps the state */
#define ST_BIT(s) (1u << (s))

enum case_action {
    ACT_SUBMIT,
    ACT_ACCEPT,
    ACT_REJECT,
    ACT_DISPATCH,
    ACT_SIGN,
    ACT_HANDLE,
    ACT_CLOSE,
    ACT_REWORK,
    ACT_WITHDRAW,
    ACT_SELF_HANDLE,
    ACT_RETURN,
    ACT_EXTEND,
    ACT_APPROVE_EXTENSION,
    ACT_DENY_EXTENSION,
    ACT_SUSPEND,
    ACT_RESUME,
    ACT_MERGE,
    ACT_ESCALATE,
    ACT_RATE,
    ACT_REOPEN,
    ACT_FOLLOW_PARENT, /* the platform's own: a merged case notes its
                        * parent's close or reopening */
    ACT_OUTSIDE_NOTE,  /* the platform's own: a note from an outside system
                        * (an Open311 client) joins the case's history */
    ACT__COUNT
};

enum rating {
    RATING_NONE = 0,
    RATING_SATISFIED,
    RATING_BASIC,
    RATING_UNSATISFIED
};

/* What an action needs from the request (bits of lc_rule.needs). */
#define LC_NEED_NOTE   (1u << 0) /* a non-empty note (reason, reply) */
#define LC_NEED_PHOTO  (1u << 1) /* at least one photo (closing photos) */
#define LC_NEED_UNIT   (1u << 2) /* a handling unit to dispatch to */
#define LC_NEED_TARGET (1u << 3) /* another case (merge) */
#define LC_NEED_RATING (1u << 4) /* a rating value */
#define LC_NEED_DAYS   (1u << 5) /* a number of extra working days */

/* Guards on facts about the case rather than the request. */
#define LC_GUARD_NOT_RATED   (1u << 0) /* no rating yet since last close */
#define LC_GUARD_UNSATISFIED (1u << 1) /* the last rating was unsatisfied */
#define LC_GUARD_REPORTER    (1u << 2) /* the actor reported the case */
#define LC_GUARD_OWNER_UNIT  (1u << 3) /* the actor is the case's unit */

/* In lc_rule.roles: the platform takes this action itself, as the
 * consequence of another one; no person can. */
#define LC_BY_PLATFORM (1u << 31)

struct lc_rule {
    enum case_action action;
    uint32_t from;      /* ST_BIT mask of states it may be taken from */
    enum case_state to; /* or ST_SAME */
    uint32_t roles;     /* ROLE_BIT mask of roles that may take it */
    uint32_t needs;     /* LC_NEED_* */
    uint32_t guards;    /* LC_GUARD_* */
};

struct lc_machine {
    const char *kind; /* "complaint" */
    const struct lc_rule *rules;
    size_t nrules;
};

/* The machine of ordinary cases (complaints, requests, reports). */
extern const struct lc_machine lc_complaint;

/* What the caller knows when asking whether an action may be taken. */
struct lc_facts {
    enum case_state state;
    enum role role;
    bool is_reporter;        /* the actor reported this case */
    bool is_owner_unit;      /* the actor belongs to the case's current unit */
    enum rating last_rating; /* RATING_NONE if not rated since last close */
    /* what the request carries */
    bool has_note;
    int nphotos;
    bool has_unit;
    bool has_target;
    enum rating rating;
    int days;
    bool by_platform; /* the platform acts, not a person (role ignored) */
};

enum lc_result {
    LC_OK = 0,
    LC_EUNKNOWN, /* no such action in this machine */
    LC_ESTATE,   /* not allowed from the current state (HTTP 409) */
    LC_EROLE,    /* the role may never take it (HTTP 403) */
    LC_EGUARD,   /* the person is not the one who may (HTTP 403) */
    LC_EMISSING, /* the request lacks what the action needs (HTTP 422) */
    LC_ERATED    /* the case's rating does not allow it (HTTP 409) */
};

/*
 * Decides whether action a may be taken given facts f.  On LC_OK *to is the
 * resulting state (ST_SAME already resolved to f->state).  On failure *why
 * points to a static English sentence a person can act on, e.g. "a case in
 * state 'handled' cannot be signed for; it must be 'dispatched'".  The
 * checks run in this order: unknown, state, role, guards, needs.
 */
enum lc_result lifecycle_check(const struct lc_machine *m, enum case_action a,
                               const struct lc_facts *f, enum case_state *to,
                               const char **why);

/* Mask of ACT_ bits that role r may take on a case in state s (guards on
 * reporter/unit/rating applied from f; request needs ignored).  Used to show
 * a person every allowed action and nothing else. */
uint64_t lifecycle_allowed(const struct lc_machine *m,
                           const struct lc_facts *f);

const struct lc_rule *lifecycle_rule(const struct lc_machine *m,
                                     enum case_action a);

const char *case_state_name(enum case_state s);     /* "submitted" */
const char *case_state_label_zh(enum case_state s); /* "待受理" */
int case_state_parse(const char *s, enum case_state *out);
const char *case_action_name(enum case_action a); /* "approve_extension" */
const char *case_action_label_zh(enum case_action a);
int case_action_parse(const char *s, enum case_action *out);
const char *rating_name(enum rating r); /* "satisfied", "basically_satisfied" */
int rating_parse(const char *s, enum rating *out);

/* Open = not closed, rejected, withdrawn or merged. */
bool case_state_is_open(enum case_state s);

#endif
