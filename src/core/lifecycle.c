/*
 * lifecycle.c - the state machine of ordinary cases, and the one function
 * that judges an action against it.
 *
 * The table below is the whole of the rules: which states an action starts
 * from, where it leads, who may take it, which facts about the case must
 * hold and what the request must carry.  Everything else in this file only
 * reads the table.
 */
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "core/lifecycle.h"

#define R(x) ROLE_BIT(ROLE_##x)
#define S(x) ST_BIT(ST_##x)

#define WHY_LEN 256

static const char *rule_verb(enum case_action a);
static void join_states(uint32_t mask, char *out, size_t outlen);
static void join_roles(uint32_t mask, char *out, size_t outlen);
static const char *why_state(const struct lc_rule *r, enum case_state s);
static const char *why_role(const struct lc_rule *r, const struct lc_facts *f);
static enum lc_result check_guards(const struct lc_rule *r,
                                   const struct lc_facts *f, const char **why);
static enum lc_result check_needs(const struct lc_rule *r,
                                  const struct lc_facts *f, const char **why);
static bool state_ok(const struct lc_rule *r, enum case_state s);
static bool role_ok(const struct lc_rule *r, const struct lc_facts *f);
static const char *name_at(const char *const *names, unsigned n, unsigned i,
                           const char *dflt);
static int name_index(const char *const *names, unsigned first, unsigned n,
                      const char *s);

/* One buffer per thread for the sentences that name states or roles. */
static _Thread_local char why_buf[WHY_LEN];

static const struct lc_rule complaint_rules[] = {
    {ACT_SUBMIT, S(NONE), ST_SUBMITTED,
     R(RESIDENT) | R(GRID_WORKER) | R(DISPATCHER) | R(ADMIN), 0, 0},
    {ACT_ACCEPT, S(SUBMITTED), ST_FILED,
     R(DISPATCHER) | R(SUPERVISOR) | R(ADMIN), 0, 0},
    {ACT_REJECT, S(SUBMITTED), ST_REJECTED,
     R(DISPATCHER) | R(SUPERVISOR) | R(ADMIN), LC_NEED_NOTE, 0},
    {ACT_DISPATCH, S(FILED), ST_DISPATCHED, R(DISPATCHER) | R(ADMIN),
     LC_NEED_UNIT, 0},
    {ACT_SIGN, S(DISPATCHED), ST_HANDLING, R(UNIT), 0, LC_GUARD_OWNER_UNIT},
    {ACT_HANDLE, S(HANDLING), ST_HANDLED, R(UNIT) | R(GRID_WORKER),
     LC_NEED_NOTE | LC_NEED_PHOTO, LC_GUARD_OWNER_UNIT},
    {ACT_CLOSE, S(HANDLED), ST_CLOSED, R(SUPERVISOR) | R(ADMIN), 0, 0},
    {ACT_REWORK, S(HANDLED), ST_HANDLING, R(SUPERVISOR) | R(ADMIN),
     LC_NEED_NOTE, 0},
    {ACT_WITHDRAW, S(SUBMITTED) | S(FILED) | S(DISPATCHED), ST_WITHDRAWN,
     R(RESIDENT) | R(GRID_WORKER), 0, LC_GUARD_REPORTER},
    {ACT_SELF_HANDLE, S(NONE), ST_CLOSED, R(GRID_WORKER),
     LC_NEED_NOTE | LC_NEED_PHOTO, 0},
    {ACT_RETURN, S(DISPATCHED) | S(HANDLING), ST_FILED, R(UNIT), LC_NEED_NOTE,
     LC_GUARD_OWNER_UNIT},
    {ACT_EXTEND, S(HANDLING), ST_EXTENSION_PENDING, R(UNIT),
     LC_NEED_NOTE | LC_NEED_DAYS, LC_GUARD_OWNER_UNIT},
    {ACT_APPROVE_EXTENSION, S(EXTENSION_PENDING), ST_HANDLING,
     R(SUPERVISOR) | R(ADMIN), 0, 0},
    {ACT_DENY_EXTENSION, S(EXTENSION_PENDING), ST_HANDLING,
     R(SUPERVISOR) | R(ADMIN), LC_NEED_NOTE, 0},
    {ACT_SUSPEND, S(HANDLING), ST_SUSPENDED, R(SUPERVISOR) | R(ADMIN),
     LC_NEED_NOTE, 0},
    {ACT_RESUME, S(SUSPENDED), ST_HANDLING, R(SUPERVISOR) | R(ADMIN), 0, 0},
    {ACT_MERGE, S(SUBMITTED) | S(FILED), ST_MERGED, R(DISPATCHER) | R(ADMIN),
     LC_NEED_TARGET, 0},
    {ACT_ESCALATE,
     S(FILED) | S(DISPATCHED) | S(HANDLING) | S(EXTENSION_PENDING) |
         S(HANDLED) | S(SUSPENDED),
     ST_SAME, R(SUPERVISOR) | R(ADMIN), LC_NEED_NOTE, 0},
    {ACT_RATE, S(CLOSED), ST_SAME, R(RESIDENT) | R(GRID_WORKER), LC_NEED_RATING,
     LC_GUARD_REPORTER | LC_GUARD_NOT_RATED},
    {ACT_REOPEN, S(CLOSED), ST_DISPATCHED, R(RESIDENT) | R(GRID_WORKER),
     LC_NEED_NOTE, LC_GUARD_REPORTER | LC_GUARD_UNSATISFIED},
    /* A merged case keeps its state, so that the figures count one
     * problem once, but its history says what became of its parent. */
    {ACT_FOLLOW_PARENT, S(MERGED), ST_SAME, LC_BY_PLATFORM, LC_NEED_NOTE, 0},
    /* What an outside system adds to a case is kept in its history for the
     * people handling it; it changes nothing else. */
    {ACT_OUTSIDE_NOTE,
     S(SUBMITTED) | S(FILED) | S(DISPATCHED) | S(HANDLING) |
         S(EXTENSION_PENDING) | S(HANDLED) | S(CLOSED) | S(REJECTED) |
         S(WITHDRAWN) | S(SUSPENDED) | S(MERGED),
     ST_SAME, LC_BY_PLATFORM, LC_NEED_NOTE, 0},
};

const struct lc_machine lc_complaint = {
    "complaint",
    complaint_rules,
    sizeof(complaint_rules) / sizeof(complaint_rules[0]),
};

static const char *const state_names[ST__COUNT] = {
    [ST_NONE] = "none",           [ST_SUBMITTED] = "submitted",
    [ST_FILED] = "filed",         [ST_DISPATCHED] = "dispatched",
    [ST_HANDLING] = "handling",   [ST_EXTENSION_PENDING] = "extension_pending",
    [ST_HANDLED] = "handled",     [ST_CLOSED] = "closed",
    [ST_REJECTED] = "rejected",   [ST_WITHDRAWN] = "withdrawn",
    [ST_SUSPENDED] = "suspended", [ST_MERGED] = "merged",
};

static const char *const state_labels[ST__COUNT] = {
    [ST_NONE] = "未上报",      [ST_SUBMITTED] = "待受理",
    [ST_FILED] = "已立案",     [ST_DISPATCHED] = "已派遣",
    [ST_HANDLING] = "处置中",  [ST_EXTENSION_PENDING] = "延期审批中",
    [ST_HANDLED] = "待核查",   [ST_CLOSED] = "已结案",
    [ST_REJECTED] = "已驳回",  [ST_WITHDRAWN] = "已撤回",
    [ST_SUSPENDED] = "已挂账", [ST_MERGED] = "已合并",
};

static const char *const action_names[ACT__COUNT] = {
    [ACT_SUBMIT] = "submit",
    [ACT_ACCEPT] = "accept",
    [ACT_REJECT] = "reject",
    [ACT_DISPATCH] = "dispatch",
    [ACT_SIGN] = "sign",
    [ACT_HANDLE] = "handle",
    [ACT_CLOSE] = "close",
    [ACT_REWORK] = "rework",
    [ACT_WITHDRAW] = "withdraw",
    [ACT_SELF_HANDLE] = "self_handle",
    [ACT_RETURN] = "return",
    [ACT_EXTEND] = "extend",
    [ACT_APPROVE_EXTENSION] = "approve_extension",
    [ACT_DENY_EXTENSION] = "deny_extension",
    [ACT_SUSPEND] = "suspend",
    [ACT_RESUME] = "resume",
    [ACT_MERGE] = "merge",
    [ACT_ESCALATE] = "escalate",
    [ACT_RATE] = "rate",
    [ACT_REOPEN] = "reopen",
    [ACT_FOLLOW_PARENT] = "follow_parent",
    [ACT_OUTSIDE_NOTE] = "outside_note",
};

static const char *const action_labels[ACT__COUNT] = {
    [ACT_SUBMIT] = "上报",
    [ACT_ACCEPT] = "立案",
    [ACT_REJECT] = "驳回",
    [ACT_DISPATCH] = "派遣",
    [ACT_SIGN] = "签收",
    [ACT_HANDLE] = "处置反馈",
    [ACT_CLOSE] = "核查结案",
    [ACT_REWORK] = "返工",
    [ACT_WITHDRAW] = "撤回",
    [ACT_SELF_HANDLE] = "自处理",
    [ACT_RETURN] = "退单",
    [ACT_EXTEND] = "申请延期",
    [ACT_APPROVE_EXTENSION] = "批准延期",
    [ACT_DENY_EXTENSION] = "驳回延期",
    [ACT_SUSPEND] = "挂账",
    [ACT_RESUME] = "恢复",
    [ACT_MERGE] = "合并",
    [ACT_ESCALATE] = "督办",
    [ACT_RATE] = "评价",
    [ACT_REOPEN] = "重新办理",
    [ACT_FOLLOW_PARENT] = "随主案件",
    [ACT_OUTSIDE_NOTE] = "外部补充",
};

/* What the action does to a case, as a verb phrase that reads after
 * "cannot" in the sentences given back to people. */
static const char *const action_verbs[ACT__COUNT] = {
    [ACT_SUBMIT] = "submit",
    [ACT_ACCEPT] = "accept",
    [ACT_REJECT] = "reject",
    [ACT_DISPATCH] = "dispatch",
    [ACT_SIGN] = "sign for",
    [ACT_HANDLE] = "report the handling of",
    [ACT_CLOSE] = "close",
    [ACT_REWORK] = "send back for rework",
    [ACT_WITHDRAW] = "withdraw",
    [ACT_SELF_HANDLE] = "handle on the spot",
    [ACT_RETURN] = "return",
    [ACT_EXTEND] = "ask for an extension of",
    [ACT_APPROVE_EXTENSION] = "approve the extension of",
    [ACT_DENY_EXTENSION] = "deny the extension of",
    [ACT_SUSPEND] = "suspend",
    [ACT_RESUME] = "resume",
    [ACT_MERGE] = "merge",
    [ACT_ESCALATE] = "escalate",
    [ACT_RATE] = "rate",
    [ACT_REOPEN] = "reopen",
    [ACT_FOLLOW_PARENT] = "update along with its parent",
    [ACT_OUTSIDE_NOTE] = "add a note from an outside system to",
};

static const char *const rating_names[] = {
    [RATING_NONE] = "none",
    [RATING_SATISFIED] = "satisfied",
    [RATING_BASIC] = "basically_satisfied",
    [RATING_UNSATISFIED] = "unsatisfied",
};

#define NRATINGS (sizeof(rating_names) / sizeof(rating_names[0]))

const struct lc_rule *
lifecycle_rule(const struct lc_machine *m, enum case_action a)
{
    size_t i;

    for (i = 0; i < m->nrules; i++)
        if (m->rules[i].action == a)
            return &m->rules[i];
    return NULL;
}

/*
 * Judges action a against the facts.  The order of the checks is fixed so
 * that the answer names the most basic obstacle first: a state conflict
 * before a permission problem, a permission problem before a missing field.
 * to and why may be NULL when the caller does not want them.
 */
enum lc_result
lifecycle_check(const struct lc_machine *m, enum case_action a,
                const struct lc_facts *f, enum case_state *to, const char **why)
{
    const struct lc_rule *r = lifecycle_rule(m, a);
    const char *dummy;
    enum lc_result res;

    if (why == NULL)
        why = &dummy;
    *why = NULL;
    if (r == NULL) {
        str_fmt(why_buf, sizeof(why_buf), "a %s case has no action '%s'",
                m->kind, case_action_name(a));
        *why = why_buf;
        return LC_EUNKNOWN;
    }
    if (!state_ok(r, f->state)) {
        *why = why_state(r, f->state);
        return LC_ESTATE;
    }
    if (!role_ok(r, f)) {
        *why = why_role(r, f);
        return LC_EROLE;
    }
    res = check_guards(r, f, why);
    if (res != LC_OK)
        return res;
    res = check_needs(r, f, why);
    if (res != LC_OK)
        return res;
    if (to != NULL)
        *to = r->to == ST_SAME ? f->state : r->to;
    return LC_OK;
}

/* Every action whose state, role and guards pass; what the request would
 * carry is not known yet, so needs are not looked at. */
uint64_t
lifecycle_allowed(const struct lc_machine *m, const struct lc_facts *f)
{
    uint64_t mask = 0;
    const char *why;
    size_t i;

    for (i = 0; i < m->nrules; i++) {
        const struct lc_rule *r = &m->rules[i];
        if (!state_ok(r, f->state) || !role_ok(r, f))
            continue;
        if (check_guards(r, f, &why) != LC_OK)
            continue;
        if ((unsigned)r->action < 64)
            mask |= 1ull << r->action;
    }
    return mask;
}

static bool
state_ok(const struct lc_rule *r, enum case_state s)
{
    return (unsigned)s < ST__COUNT && (r->from & ST_BIT(s)) != 0;
}

/* A person's action needs their role in the rule; the platform's own
 * actions are taken by the platform alone. */
static bool
role_ok(const struct lc_rule *r, const struct lc_facts *f)
{
    if (f->by_platform)
        return (r->roles & LC_BY_PLATFORM) != 0;
    return (unsigned)f->role < ROLE__COUNT &&
           (r->roles & ROLE_BIT(f->role)) != 0;
}

static enum lc_result
check_guards(const struct lc_rule *r, const struct lc_facts *f,
             const char **why)
{
    const char *verb = rule_verb(r->action);

    if ((r->guards & LC_GUARD_REPORTER) && !f->is_reporter) {
        str_fmt(why_buf, sizeof(why_buf),
                "only the person who reported this case can %s it", verb);
        *why = why_buf;
        return LC_EGUARD;
    }
    if ((r->guards & LC_GUARD_OWNER_UNIT) && !f->is_owner_unit) {
        str_fmt(why_buf, sizeof(why_buf),
                "only the unit the case is dispatched to can %s it", verb);
        *why = why_buf;
        return LC_EGUARD;
    }
    if ((r->guards & LC_GUARD_NOT_RATED) && f->last_rating != RATING_NONE) {
        str_fmt(why_buf, sizeof(why_buf),
                "cannot %s this case again; it was already rated '%s' "
                "since it was closed",
                verb, rating_name(f->last_rating));
        *why = why_buf;
        return LC_ERATED;
    }
    if ((r->guards & LC_GUARD_UNSATISFIED) &&
        f->last_rating != RATING_UNSATISFIED) {
        if (f->last_rating == RATING_NONE)
            str_fmt(why_buf, sizeof(why_buf),
                    "cannot %s a case that has not been rated; rate it "
                    "'unsatisfied' first",
                    verb);
        else
            str_fmt(why_buf, sizeof(why_buf),
                    "cannot %s a case rated '%s'; only a case rated "
                    "'unsatisfied' can be",
                    verb, rating_name(f->last_rating));
        *why = why_buf;
        return LC_ERATED;
    }
    return LC_OK;
}

static enum lc_result
check_needs(const struct lc_rule *r, const struct lc_facts *f, const char **why)
{
    const char *what = NULL;

    if ((r->needs & LC_NEED_NOTE) && !f->has_note)
        what = "a note giving the reason";
    else if ((r->needs & LC_NEED_PHOTO) && f->nphotos <= 0)
        what = "at least one photo";
    else if ((r->needs & LC_NEED_UNIT) && !f->has_unit)
        what = "a handling unit";
    else if ((r->needs & LC_NEED_TARGET) && !f->has_target)
        what = "the case to merge it into";
    else if ((r->needs & LC_NEED_RATING) &&
             (f->rating == RATING_NONE || (unsigned)f->rating >= NRATINGS))
        what = "a rating ('satisfied', 'basically_satisfied' or "
               "'unsatisfied')";
    else if ((r->needs & LC_NEED_DAYS) && (f->days < 1 || f->days > 60))
        what = "a number of extra working days from 1 to 60";
    if (what == NULL)
        return LC_OK;
    str_fmt(why_buf, sizeof(why_buf), "cannot %s a case without %s",
            rule_verb(r->action), what);
    *why = why_buf;
    return LC_EMISSING;
}

/* "cannot sign for a case that is 'handled'; it must be 'dispatched'". */
static const char *
why_state(const struct lc_rule *r, enum case_state s)
{
    char list[160];

    if (r->from == ST_BIT(ST_NONE)) {
        str_fmt(why_buf, sizeof(why_buf),
                "cannot %s a case that already exists (it is '%s'); this "
                "action only starts a new case",
                rule_verb(r->action), case_state_name(s));
        return why_buf;
    }
    join_states(r->from, list, sizeof(list));
    str_fmt(why_buf, sizeof(why_buf),
            "cannot %s a case that is '%s'; it must be %s",
            rule_verb(r->action), case_state_name(s), list);
    return why_buf;
}

/* "a resident cannot dispatch a case; only dispatcher or admin can". */
static const char *
why_role(const struct lc_rule *r, const struct lc_facts *f)
{
    enum role role = f->role;
    char list[160];

    if (f->by_platform) {
        str_fmt(why_buf, sizeof(why_buf),
                "the platform does not %s a case on its own; a person must",
                rule_verb(r->action));
        return why_buf;
    }
    if ((r->roles & ~LC_BY_PLATFORM) == 0) {
        str_fmt(why_buf, sizeof(why_buf),
                "no one can %s a case by hand; the platform does it when "
                "the case it was merged into closes or reopens",
                rule_verb(r->action));
        return why_buf;
    }
    join_roles(r->roles, list, sizeof(list));
    str_fmt(why_buf, sizeof(why_buf),
            "the role '%s' cannot %s a case; only %s can", role_name(role),
            rule_verb(r->action), list);
    return why_buf;
}

/* Writes the names in mask as "'a', 'b' or 'c'". */
static void
join_states(uint32_t mask, char *out, size_t outlen)
{
    size_t len = 0, n = 0, k = 0;
    unsigned s;

    for (s = 0; s < ST__COUNT; s++)
        n += (mask & ST_BIT(s)) != 0;
    out[0] = '\0';
    for (s = 0; s < ST__COUNT && len < outlen; s++) {
        if (!(mask & ST_BIT(s)))
            continue;
        k++;
        str_fmt(out + len, outlen - len, "%s'%s'",
                k == 1 ? "" : (k == n ? " or " : ", "),
                case_state_name((enum case_state)s));
        len += strlen(out + len);
    }
}

/* Writes the role names in mask as "a, b or c". */
static void
join_roles(uint32_t mask, char *out, size_t outlen)
{
    size_t len = 0, n = 0, k = 0;
    unsigned r;

    for (r = 0; r < ROLE__COUNT; r++)
        n += (mask & ROLE_BIT(r)) != 0;
    out[0] = '\0';
    for (r = 0; r < ROLE__COUNT && len < outlen; r++) {
        if (!(mask & ROLE_BIT(r)))
            continue;
        k++;
        str_fmt(out + len, outlen - len, "%s%s",
                k == 1 ? "" : (k == n ? " or " : ", "),
                role_name((enum role)r));
        len += strlen(out + len);
    }
}

static const char *
rule_verb(enum case_action a)
{
    if ((unsigned)a >= ACT__COUNT)
        return "act on";
    return action_verbs[a];
}

/* The name at index i of a table of n, or dflt past its end. */
static const char *
name_at(const char *const *names, unsigned n, unsigned i, const char *dflt)
{
    return i < n ? names[i] : dflt;
}

/* The index of s in a table of n names, from `first`; -1 if absent. */
static int
name_index(const char *const *names, unsigned first, unsigned n, const char *s)
{
    unsigned i;

    for (i = first; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

const char *
case_state_name(enum case_state s)
{
    return name_at(state_names, ST__COUNT, (unsigned)s, "unknown");
}

const char *
case_state_label_zh(enum case_state s)
{
    return name_at(state_labels, ST__COUNT, (unsigned)s, "未知");
}

int
case_state_parse(const char *s, enum case_state *out)
{
    int i = name_index(state_names, 0, ST__COUNT, s);

    if (i < 0)
        return CG_EINVAL;
    *out = (enum case_state)i;
    return CG_OK;
}

const char *
case_action_name(enum case_action a)
{
    return name_at(action_names, ACT__COUNT, (unsigned)a, "unknown");
}

const char *
case_action_label_zh(enum case_action a)
{
    return name_at(action_labels, ACT__COUNT, (unsigned)a, "未知");
}

int
case_action_parse(const char *s, enum case_action *out)
{
    int i = name_index(action_names, 0, ACT__COUNT, s);

    if (i < 0)
        return CG_EINVAL;
    *out = (enum case_action)i;
    return CG_OK;
}

/* RATING_NONE is named "none" for logs, but rating_parse() does not take
 * it: a request that carries a rating must carry a real one. */
const char *
rating_name(enum rating r)
{
    return name_at(rating_names, NRATINGS, (unsigned)r, "unknown");
}

int
rating_parse(const char *s, enum rating *out)
{
    int i = name_index(rating_names, RATING_SATISFIED, NRATINGS, s);

    if (i < 0)
        return CG_EINVAL;
    *out = (enum rating)i;
    return CG_OK;
}

bool
case_state_is_open(enum case_state s)
{
    switch (s) {
    case ST_NONE:
    case ST_CLOSED:
    case ST_REJECTED:
    case ST_WITHDRAWN:
    case ST_MERGED:
        return false;
    default:
        return (unsigned)s < ST__COUNT;
    }
}
