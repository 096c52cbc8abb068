/*
 * test_core_lifecycle.c - the case state machine against an expectation
 * table written here, independently of src/core/lifecycle.c.
 *
 * Every action is tried from every state by every role; the expected
 * answer comes from the table of allowed steps below, so a step the table
 * does not list must be refused for the right reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "core/lifecycle.h"

/* One allowed step: an action, the states and roles that may take it (as
 * space-separated names) and the state it leads to ("same" to stay). */
struct step {
    const char *action;
    const char *from;
    const char *roles;
    const char *to;
    enum rating last_rating; /* a rating history under which it is allowed */
};

static const struct step steps[] = {
    {"submit", "none", "resident grid_worker dispatcher admin", "submitted",
     RATING_NONE},
    {"accept", "submitted", "dispatcher supervisor admin", "filed",
     RATING_NONE},
    {"reject", "submitted", "dispatcher supervisor admin", "rejected",
     RATING_NONE},
    {"dispatch", "filed", "dispatcher admin", "dispatched", RATING_NONE},
    {"sign", "dispatched", "unit", "handling", RATING_NONE},
    {"return", "dispatched handling", "unit", "filed", RATING_NONE},
    {"handle", "handling", "unit grid_worker", "handled", RATING_NONE},
    {"close", "handled", "supervisor admin", "closed", RATING_NONE},
    {"rework", "handled", "supervisor admin", "handling", RATING_NONE},
    {"withdraw", "submitted filed dispatched", "resident grid_worker",
     "withdrawn", RATING_NONE},
    {"self_handle", "none", "grid_worker", "closed", RATING_NONE},
    {"extend", "handling", "unit", "extension_pending", RATING_NONE},
    {"approve_extension", "extension_pending", "supervisor admin", "handling",
     RATING_NONE},
    {"deny_extension", "extension_pending", "supervisor admin", "handling",
     RATING_NONE},
    {"suspend", "handling", "supervisor admin", "suspended", RATING_NONE},
    {"resume", "suspended", "supervisor admin", "handling", RATING_NONE},
    {"merge", "submitted filed", "dispatcher admin", "merged", RATING_NONE},
    {"escalate",
     "filed dispatched handling extension_pending handled suspended",
     "supervisor admin", "same", RATING_NONE},
    {"rate", "closed", "resident grid_worker", "same", RATING_NONE},
    {"reopen", "closed", "resident grid_worker", "dispatched",
     RATING_UNSATISFIED},
    /* The platform's own: no role may take it (see test_platform). */
    {"follow_parent", "merged", "", "same", RATING_NONE},
    {"outside_note",
     "submitted filed dispatched handling extension_pending handled closed "
     "rejected withdrawn suspended merged",
     "", "same", RATING_NONE},
};

#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

static const char *const state_names[ST__COUNT] = {
    "none",     "submitted",         "filed",     "dispatched",
    "handling", "extension_pending", "handled",   "closed",
    "rejected", "withdrawn",         "suspended", "merged",
};

static const char *const state_labels[ST__COUNT] = {
    NULL,     "待受理", "已立案", "已派遣", "处置中", "延期审批中",
    "待核查", "已结案", "已驳回", "已撤回", "已挂账", "已合并",
};

static const char *const action_names[ACT__COUNT] = {
    "submit",
    "accept",
    "reject",
    "dispatch",
    "sign",
    "handle",
    "close",
    "rework",
    "withdraw",
    "self_handle",
    "return",
    "extend",
    "approve_extension",
    "deny_extension",
    "suspend",
    "resume",
    "merge",
    "escalate",
    "rate",
    "reopen",
    "follow_parent",
    "outside_note",
};

static const char *const action_labels[ACT__COUNT] = {
    "上报",     "立案",     "驳回",     "派遣",     "签收", "处置反馈",
    "核查结案", "返工",     "撤回",     "自处理",   "退单", "申请延期",
    "批准延期", "驳回延期", "挂账",     "恢复",     "合并", "督办",
    "评价",     "重新办理", "随主案件", "外部补充",
};

static const char *const role_names[ROLE__COUNT] = {
    "resident", "grid_worker", "dispatcher", "unit", "supervisor", "admin",
};

/* True when the space-separated list has the word. */
static bool
list_has(const char *list, const char *word)
{
    size_t n = strlen(word);
    const char *p = list;

    while (*p != '\0') {
        const char *e = strchr(p, ' ');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, word, n) == 0)
            return true;
        p += len + (e != NULL);
    }
    return false;
}

static const struct step *
step_of(const char *action)
{
    size_t i;

    for (i = 0; i < NSTEPS; i++)
        if (strcmp(steps[i].action, action) == 0)
            return &steps[i];
    return NULL;
}

/* Facts under which every guard and need of any action holds. */
static struct lc_facts
good_facts(enum case_state s, enum role r, enum rating last)
{
    struct lc_facts f;

    memset(&f, 0, sizeof(f));
    f.state = s;
    f.role = r;
    f.is_reporter = true;
    f.is_owner_unit = true;
    f.last_rating = last;
    f.has_note = true;
    f.nphotos = 1;
    f.has_unit = true;
    f.has_target = true;
    f.rating = RATING_SATISFIED;
    f.days = 5;
    return f;
}

/* Every action x state x role against the step table. */
static void
test_every_transition(void **state)
{
    unsigned a, s, r;
    int allowed = 0;

    (void)state;
    for (a = 0; a < ACT__COUNT; a++) {
        const char *an = action_names[a];
        const struct step *st = step_of(an);

        assert_non_null(st);
        for (s = 0; s < ST__COUNT; s++) {
            for (r = 0; r < ROLE__COUNT; r++) {
                struct lc_facts f =
                    good_facts(s, (enum role)r, st->last_rating);
                enum case_state to = ST__COUNT + 1, want_to = ST_NONE;
                const char *why = NULL;
                enum lc_result want, got;

                if (!list_has(st->from, state_names[s]))
                    want = LC_ESTATE;
                else if (!list_has(st->roles, role_names[r]))
                    want = LC_EROLE;
                else
                    want = LC_OK;
                got = lifecycle_check(&lc_complaint, (enum case_action)a, &f,
                                      &to, &why);
                if (got != want)
                    fail_msg("%s from %s by %s: got %d, want %d (%s)", an,
                             state_names[s], role_names[r], got, want,
                             why ? why : "");
                if (want != LC_OK) {
                    assert_non_null(why);
                    assert_true(strlen(why) > 10);
                    continue;
                }
                allowed++;
                if (strcmp(st->to, "same") == 0)
                    want_to = (enum case_state)s;
                else
                    assert_int_equal(case_state_parse(st->to, &want_to), CG_OK);
                if (to != want_to)
                    fail_msg("%s from %s by %s: went to %s, want %s", an,
                             state_names[s], role_names[r], case_state_name(to),
                             st->to);
            }
        }
    }
    /* Sum over the table of |from| x |roles|. */
    assert_int_equal(allowed, 4 + 3 + 3 + 2 + 1 + 2 + 2 + 2 + 2 + 6 + 1 + 1 +
                                  2 + 2 + 2 + 2 + 4 + 12 + 2 + 2);
}

struct guard_case {
    const char *name;
    enum case_action action;
    enum case_state state;
    enum role role;
    bool reporter, owner;
    enum rating last;
    bool note;
    int photos;
    bool unit, target;
    enum rating rating;
    int days;
    enum lc_result want;
    enum case_state want_to;
    const char *why_has;
};

#define YES true
#define NO  false

static const struct guard_case guard_cases[] = {
    {"rate once", ACT_RATE, ST_CLOSED, ROLE_RESIDENT, YES, NO, RATING_NONE, NO,
     0, NO, NO, RATING_SATISFIED, 0, LC_OK, ST_CLOSED, NULL},
    {"rate twice", ACT_RATE, ST_CLOSED, ROLE_RESIDENT, YES, NO,
     RATING_SATISFIED, NO, 0, NO, NO, RATING_UNSATISFIED, 0, LC_ERATED, 0,
     "already rated"},
    {"rate by someone else", ACT_RATE, ST_CLOSED, ROLE_RESIDENT, NO, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_SATISFIED, 0, LC_EGUARD, 0, "reported"},
    {"rate without rating", ACT_RATE, ST_CLOSED, ROLE_GRID_WORKER, YES, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_EMISSING, 0, "rating"},
    {"reopen after satisfied", ACT_REOPEN, ST_CLOSED, ROLE_RESIDENT, YES, NO,
     RATING_SATISFIED, YES, 0, NO, NO, RATING_NONE, 0, LC_ERATED, 0,
     "'satisfied'"},
    {"reopen after basically", ACT_REOPEN, ST_CLOSED, ROLE_RESIDENT, YES, NO,
     RATING_BASIC, YES, 0, NO, NO, RATING_NONE, 0, LC_ERATED, 0,
     "'basically_satisfied'"},
    {"reopen unrated", ACT_REOPEN, ST_CLOSED, ROLE_RESIDENT, YES, NO,
     RATING_NONE, YES, 0, NO, NO, RATING_NONE, 0, LC_ERATED, 0,
     "not been rated"},
    {"reopen after unsatisfied", ACT_REOPEN, ST_CLOSED, ROLE_RESIDENT, YES, NO,
     RATING_UNSATISFIED, YES, 0, NO, NO, RATING_NONE, 0, LC_OK, ST_DISPATCHED,
     NULL},
    {"reopen without note", ACT_REOPEN, ST_CLOSED, ROLE_RESIDENT, YES, NO,
     RATING_UNSATISFIED, NO, 0, NO, NO, RATING_NONE, 0, LC_EMISSING, 0, "note"},
    {"sign by another unit", ACT_SIGN, ST_DISPATCHED, ROLE_UNIT, NO, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_EGUARD, 0, "only the unit"},
    {"sign by owner", ACT_SIGN, ST_DISPATCHED, ROLE_UNIT, NO, YES, RATING_NONE,
     NO, 0, NO, NO, RATING_NONE, 0, LC_OK, ST_HANDLING, NULL},
    {"handle without photo", ACT_HANDLE, ST_HANDLING, ROLE_UNIT, NO, YES,
     RATING_NONE, YES, 0, NO, NO, RATING_NONE, 0, LC_EMISSING, 0, "photo"},
    {"handle without note", ACT_HANDLE, ST_HANDLING, ROLE_UNIT, NO, YES,
     RATING_NONE, NO, 2, NO, NO, RATING_NONE, 0, LC_EMISSING, 0, "note"},
    {"handle by grid worker of another grid", ACT_HANDLE, ST_HANDLING,
     ROLE_GRID_WORKER, NO, NO, RATING_NONE, YES, 1, NO, NO, RATING_NONE, 0,
     LC_EGUARD, 0, "only the unit"},
    {"reject without note", ACT_REJECT, ST_SUBMITTED, ROLE_DISPATCHER, NO, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_EMISSING, 0, "note"},
    {"reject with note", ACT_REJECT, ST_SUBMITTED, ROLE_DISPATCHER, NO, NO,
     RATING_NONE, YES, 0, NO, NO, RATING_NONE, 0, LC_OK, ST_REJECTED, NULL},
    {"extend 0 days", ACT_EXTEND, ST_HANDLING, ROLE_UNIT, NO, YES, RATING_NONE,
     YES, 0, NO, NO, RATING_NONE, 0, LC_EMISSING, 0, "days"},
    {"extend 61 days", ACT_EXTEND, ST_HANDLING, ROLE_UNIT, NO, YES, RATING_NONE,
     YES, 0, NO, NO, RATING_NONE, 61, LC_EMISSING, 0, "days"},
    {"extend 60 days", ACT_EXTEND, ST_HANDLING, ROLE_UNIT, NO, YES, RATING_NONE,
     YES, 0, NO, NO, RATING_NONE, 60, LC_OK, ST_EXTENSION_PENDING, NULL},
    {"extend 1 day without note", ACT_EXTEND, ST_HANDLING, ROLE_UNIT, NO, YES,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 1, LC_EMISSING, 0, "note"},
    {"dispatch without unit", ACT_DISPATCH, ST_FILED, ROLE_DISPATCHER, NO, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_EMISSING, 0, "unit"},
    {"merge without target", ACT_MERGE, ST_FILED, ROLE_ADMIN, NO, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_EMISSING, 0, "merge"},
    {"self handle without photo", ACT_SELF_HANDLE, ST_NONE, ROLE_GRID_WORKER,
     YES, NO, RATING_NONE, YES, 0, NO, NO, RATING_NONE, 0, LC_EMISSING, 0,
     "photo"},
    {"withdraw by someone else", ACT_WITHDRAW, ST_FILED, ROLE_RESIDENT, NO, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_EGUARD, 0, "reported"},
    {"return without note", ACT_RETURN, ST_HANDLING, ROLE_UNIT, NO, YES,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_EMISSING, 0, "note"},
    {"escalate keeps the state", ACT_ESCALATE, ST_SUSPENDED, ROLE_SUPERVISOR,
     NO, NO, RATING_NONE, YES, 0, NO, NO, RATING_NONE, 0, LC_OK, ST_SUSPENDED,
     NULL},
    /* the order of the checks */
    {"state before role", ACT_DISPATCH, ST_SUBMITTED, ROLE_RESIDENT, NO, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_ESTATE, 0,
     "cannot dispatch a case that is 'submitted'; it must be 'filed'"},
    {"role before guard", ACT_SIGN, ST_DISPATCHED, ROLE_DISPATCHER, NO, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_EROLE, 0, "only unit can"},
    {"guard before needs", ACT_RETURN, ST_DISPATCHED, ROLE_UNIT, NO, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_EGUARD, 0, NULL},
    {"sign a handled case", ACT_SIGN, ST_HANDLED, ROLE_UNIT, NO, YES,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_ESTATE, 0,
     "cannot sign for a case that is 'handled'; it must be 'dispatched'"},
    {"withdraw a closed case", ACT_WITHDRAW, ST_CLOSED, ROLE_RESIDENT, YES, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_ESTATE, 0,
     "it must be 'submitted', 'filed' or 'dispatched'"},
    {"submit twice", ACT_SUBMIT, ST_SUBMITTED, ROLE_RESIDENT, YES, NO,
     RATING_NONE, NO, 0, NO, NO, RATING_NONE, 0, LC_ESTATE, 0,
     "already exists"},
    {"unknown action", ACT__COUNT, ST_FILED, ROLE_ADMIN, NO, NO, RATING_NONE,
     NO, 0, NO, NO, RATING_NONE, 0, LC_EUNKNOWN, 0, "no action"},
};

static void
test_guards_and_needs(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(guard_cases) / sizeof(guard_cases[0]); i++) {
        const struct guard_case *g = &guard_cases[i];
        struct lc_facts f;
        enum case_state to = ST_NONE;
        const char *why = NULL;
        enum lc_result got;

        memset(&f, 0, sizeof(f));
        f.state = g->state;
        f.role = g->role;
        f.is_reporter = g->reporter;
        f.is_owner_unit = g->owner;
        f.last_rating = g->last;
        f.has_note = g->note;
        f.nphotos = g->photos;
        f.has_unit = g->unit;
        f.has_target = g->target;
        f.rating = g->rating;
        f.days = g->days;
        got = lifecycle_check(&lc_complaint, g->action, &f, &to, &why);
        if (got != g->want)
            fail_msg("%s: got %d, want %d (%s)", g->name, got, g->want,
                     why ? why : "");
        if (got == LC_OK && to != g->want_to)
            fail_msg("%s: went to %s", g->name, case_state_name(to));
        if (got != LC_OK && why == NULL)
            fail_msg("%s: no reason given", g->name);
        if (g->why_has != NULL && strstr(why, g->why_has) == NULL)
            fail_msg("%s: reason '%s' lacks '%s'", g->name, why, g->why_has);
    }
}

/* Passing NULL for to and why is allowed. */
static void
test_check_without_outputs(void **state)
{
    struct lc_facts f = good_facts(ST_FILED, ROLE_ADMIN, RATING_NONE);

    (void)state;
    assert_int_equal(
        lifecycle_check(&lc_complaint, ACT_DISPATCH, &f, NULL, NULL), LC_OK);
    assert_int_equal(lifecycle_check(&lc_complaint, ACT_SIGN, &f, NULL, NULL),
                     LC_ESTATE);
}

struct platform_case {
    const char *name;
    enum case_action action;
    enum case_state state;
    bool note;
    enum lc_result want;
    const char *why_has;
};

/* What the platform itself may do, and that no person may do it. */
static const struct platform_case platform_cases[] = {
    {"follows the parent", ACT_FOLLOW_PARENT, ST_MERGED, YES, LC_OK, NULL},
    {"only a merged case follows", ACT_FOLLOW_PARENT, ST_FILED, YES, LC_ESTATE,
     "must be 'merged'"},
    {"closed merged case follows again", ACT_FOLLOW_PARENT, ST_CLOSED, YES,
     LC_ESTATE, NULL},
    {"says why", ACT_FOLLOW_PARENT, ST_MERGED, NO, LC_EMISSING, "note"},
    {"an outside note on an open case", ACT_OUTSIDE_NOTE, ST_HANDLING, YES,
     LC_OK, NULL},
    {"an outside note on a closed case", ACT_OUTSIDE_NOTE, ST_CLOSED, YES,
     LC_OK, NULL},
    {"an outside note needs its text", ACT_OUTSIDE_NOTE, ST_FILED, NO,
     LC_EMISSING, "note"},
    {"no note before the case exists", ACT_OUTSIDE_NOTE, ST_NONE, YES,
     LC_ESTATE, NULL},
    {"the platform closes nothing by itself", ACT_CLOSE, ST_HANDLED, YES,
     LC_EROLE, "platform does not"},
};

static void
test_platform(void **state)
{
    size_t i;
    int r;

    (void)state;
    for (i = 0; i < sizeof(platform_cases) / sizeof(platform_cases[0]); i++) {
        const struct platform_case *c = &platform_cases[i];
        struct lc_facts f;
        enum case_state to = ST_NONE;
        const char *why = NULL;
        enum lc_result got;

        memset(&f, 0, sizeof(f));
        f.state = c->state;
        f.by_platform = true;
        f.has_note = c->note;
        got = lifecycle_check(&lc_complaint, c->action, &f, &to, &why);
        if (got != c->want)
            fail_msg("%s: got %d, want %d (%s)", c->name, got, c->want,
                     why ? why : "");
        if (got == LC_OK && to != c->state)
            fail_msg("%s: went to %s", c->name, case_state_name(to));
        if (c->why_has && (!why || !strstr(why, c->why_has)))
            fail_msg("%s: reason '%s' lacks '%s'", c->name, why ? why : "",
                     c->why_has);
    }
    /* No person sees it among their actions, whatever their role. */
    for (r = 0; r < ROLE__COUNT; r++) {
        struct lc_facts f = good_facts(ST_MERGED, (enum role)r, RATING_NONE);
        const char *why = NULL;

        assert_int_equal(lifecycle_allowed(&lc_complaint, &f) &
                             (1ull << ACT_FOLLOW_PARENT),
                         0);
        assert_int_equal(
            lifecycle_check(&lc_complaint, ACT_FOLLOW_PARENT, &f, NULL, &why),
            LC_EROLE);
        assert_non_null(strstr(why, "by hand"));
    }
}

#define A(x) (1ull << ACT_##x)

struct allowed_case {
    enum case_state state;
    enum role role;
    bool reporter, owner;
    enum rating last;
    uint64_t want;
};

static const struct allowed_case allowed_cases[] = {
    {ST_NONE, ROLE_GRID_WORKER, NO, NO, RATING_NONE,
     A(SUBMIT) | A(SELF_HANDLE)},
    {ST_NONE, ROLE_RESIDENT, NO, NO, RATING_NONE, A(SUBMIT)},
    {ST_NONE, ROLE_UNIT, NO, NO, RATING_NONE, 0},
    {ST_SUBMITTED, ROLE_DISPATCHER, NO, NO, RATING_NONE,
     A(ACCEPT) | A(REJECT) | A(MERGE)},
    {ST_SUBMITTED, ROLE_SUPERVISOR, NO, NO, RATING_NONE, A(ACCEPT) | A(REJECT)},
    {ST_SUBMITTED, ROLE_RESIDENT, YES, NO, RATING_NONE, A(WITHDRAW)},
    {ST_SUBMITTED, ROLE_RESIDENT, NO, NO, RATING_NONE, 0},
    {ST_FILED, ROLE_ADMIN, NO, NO, RATING_NONE,
     A(DISPATCH) | A(MERGE) | A(ESCALATE)},
    {ST_DISPATCHED, ROLE_UNIT, NO, YES, RATING_NONE, A(SIGN) | A(RETURN)},
    {ST_DISPATCHED, ROLE_UNIT, NO, NO, RATING_NONE, 0},
    {ST_HANDLING, ROLE_UNIT, NO, YES, RATING_NONE,
     A(HANDLE) | A(RETURN) | A(EXTEND)},
    {ST_HANDLING, ROLE_SUPERVISOR, NO, NO, RATING_NONE,
     A(SUSPEND) | A(ESCALATE)},
    {ST_HANDLED, ROLE_ADMIN, NO, NO, RATING_NONE,
     A(CLOSE) | A(REWORK) | A(ESCALATE)},
    {ST_EXTENSION_PENDING, ROLE_SUPERVISOR, NO, NO, RATING_NONE,
     A(APPROVE_EXTENSION) | A(DENY_EXTENSION) | A(ESCALATE)},
    {ST_CLOSED, ROLE_RESIDENT, YES, NO, RATING_NONE, A(RATE)},
    {ST_CLOSED, ROLE_RESIDENT, YES, NO, RATING_UNSATISFIED, A(REOPEN)},
    {ST_CLOSED, ROLE_RESIDENT, YES, NO, RATING_SATISFIED, 0},
    {ST_CLOSED, ROLE_ADMIN, NO, NO, RATING_NONE, 0},
    {ST_MERGED, ROLE_ADMIN, NO, NO, RATING_NONE, 0},
};

static void
test_allowed(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(allowed_cases) / sizeof(allowed_cases[0]); i++) {
        const struct allowed_case *c = &allowed_cases[i];
        struct lc_facts f;
        uint64_t got;

        memset(&f, 0, sizeof(f));
        f.state = c->state;
        f.role = c->role;
        f.is_reporter = c->reporter;
        f.is_owner_unit = c->owner;
        f.last_rating = c->last;
        got = lifecycle_allowed(&lc_complaint, &f);
        if (got != c->want)
            fail_msg("row %zu (%s, %s): got %#llx, want %#llx", i,
                     case_state_name(c->state), role_names[c->role],
                     (unsigned long long)got, (unsigned long long)c->want);
    }
}

static void
test_names(void **state)
{
    unsigned i;
    enum case_state s;
    enum case_action a;
    enum role r;
    enum rating rt;

    (void)state;
    for (i = 0; i < ST__COUNT; i++) {
        assert_string_equal(case_state_name(i), state_names[i]);
        assert_int_equal(case_state_parse(state_names[i], &s), CG_OK);
        assert_int_equal(s, i);
        if (state_labels[i] != NULL)
            assert_string_equal(case_state_label_zh(i), state_labels[i]);
    }
    for (i = 0; i < ACT__COUNT; i++) {
        assert_string_equal(case_action_name(i), action_names[i]);
        assert_int_equal(case_action_parse(action_names[i], &a), CG_OK);
        assert_int_equal(a, i);
        assert_string_equal(case_action_label_zh(i), action_labels[i]);
        assert_non_null(lifecycle_rule(&lc_complaint, i));
    }
    for (i = 0; i < ROLE__COUNT; i++) {
        assert_string_equal(role_name(i), role_names[i]);
        assert_int_equal(role_parse(role_names[i], &r), CG_OK);
        assert_int_equal(r, i);
    }
    assert_int_equal(rating_parse("satisfied", &rt), CG_OK);
    assert_int_equal(rt, RATING_SATISFIED);
    assert_int_equal(rating_parse("basically_satisfied", &rt), CG_OK);
    assert_int_equal(rt, RATING_BASIC);
    assert_int_equal(rating_parse("unsatisfied", &rt), CG_OK);
    assert_int_equal(rt, RATING_UNSATISFIED);
    assert_string_equal(rating_name(RATING_BASIC), "basically_satisfied");
    assert_string_equal(rating_name(RATING_UNSATISFIED), "unsatisfied");

    assert_int_equal(case_state_parse("Filed", &s), CG_EINVAL);
    assert_int_equal(case_state_parse("", &s), CG_EINVAL);
    assert_int_equal(case_action_parse("sign ", &a), CG_EINVAL);
    assert_int_equal(case_action_parse(NULL, &a), CG_EINVAL);
    assert_int_equal(role_parse("root", &r), CG_EINVAL);
    assert_int_equal(rating_parse("none", &rt), CG_EINVAL);
    assert_string_equal(case_state_name(ST__COUNT + 3), "unknown");
    assert_string_equal(case_action_name(ACT__COUNT), "unknown");
    assert_null(lifecycle_rule(&lc_complaint, ACT__COUNT));
    assert_string_equal(lc_complaint.kind, "complaint");
}

static void
test_is_open(void **state)
{
    static const struct {
        enum case_state s;
        bool open;
    } t[] = {
        {ST_NONE, false},     {ST_SUBMITTED, true},
        {ST_FILED, true},     {ST_DISPATCHED, true},
        {ST_HANDLING, true},  {ST_EXTENSION_PENDING, true},
        {ST_HANDLED, true},   {ST_CLOSED, false},
        {ST_REJECTED, false}, {ST_WITHDRAWN, false},
        {ST_SUSPENDED, true}, {ST_MERGED, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (case_state_is_open(t[i].s) != t[i].open)
            fail_msg("%s", case_state_name(t[i].s));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_transition),
        cmocka_unit_test(test_guards_and_needs),
        cmocka_unit_test(test_check_without_outputs),
        cmocka_unit_test(test_allowed),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_platform),
        cmocka_unit_test(test_is_open),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
