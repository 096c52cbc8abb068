/*
 * route.h - which routing rule decides where a new case goes.
 *
 * A rule names a category (a small class, a big class or any), an area
 * subtree (or anywhere) and a grid grade (or any), and the unit that
 * handles such cases.  A rule applies to a case when each of the three
 * covers it; of the rules that apply, the most specific wins, compared
 * part by part:
 *
 *   1. the category: the case's small class before its big class before
 *      any category;
 *   2. the area: the deeper area before the shallower, anywhere last;
 *   3. the grade: a rule for the case's grade before a rule for any grade.
 *
 * The database keeps one rule per (category, area, grade) and an area has
 * one ancestor at each depth, so two applicable rules never compare equal;
 * should they, the lower id wins, so the answer never depends on the
 * order the rules were read in.
 *
 * This module only decides.  Reading the rules, and what happens when
 * none applies (the category's department, then the territorial office),
 * belong to the callers.
 */
#ifndef CG_ROUTE_H
#define CG_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A rule as the decision sees it.  The strings are borrowed: they stay
 * the caller's.  NULL reads as "". */
struct route_rule {
    int64_t id;
    const char *category;  /* a small or big class code; "" for any */
    const char *area_path; /* "/150100/150103/"; "" for anywhere */
    char grade;            /* 'A', 'B' or 'C'; 0 for any */
    int64_t unit_id;
};

/* The case being routed. */
struct route_query {
    const char *small;     /* its small class, "06010" */
    const char *big;       /* the big class above it, "06" */
    const char *area_path; /* the path of the case's area */
    char grade;            /* the grade of the grid it lies in; 0 if none */
};

/* How a rule's category matched the case, least specific first. */
enum route_category {
    ROUTE_CATEGORY_ANY,
    ROUTE_CATEGORY_BIG,
    ROUTE_CATEGORY_SMALL
};

/* The parts of an applicable rule's specificity, in the order they are
 * compared. */
struct route_specificity {
    enum route_category category;
    size_t depth; /* levels of the rule's area path; 0 for anywhere */
    bool graded;  /* the rule names the case's grade */
};

/* Whether rule r covers the case q in category, area and grade. */
bool route_applies(const struct route_rule *r, const struct route_query *q);

/* The specificity of rule r for the case q; false, with *out untouched,
 * when r does not apply. */
bool route_specificity(const struct route_rule *r, const struct route_query *q,
                       struct route_specificity *out);

/*
 * The index in rules[0 .. n) of the rule that routes the case q: the most
 * specific of those that apply.  -1 when none applies; the caller then
 * falls back to the category's department.  When why is not NULL and a
 * rule won, *why is its specificity.
 */
long route_pick(const struct route_rule *rules, size_t n,
                const struct route_query *q, struct route_specificity *why);

/*
 * Every rule of rules[0 .. n) that applies to q, most specific first, for
 * a reader who wants to see what competed: order[i] is an index into
 * rules, and order[0] is route_pick's answer.  Writes at most max indices
 * and returns how many rules apply (which may be more than max).
 */
size_t route_rank(const struct route_rule *rules, size_t n,
                  const struct route_query *q, size_t *order, size_t max);

#endif
