/*
 * test_core_route.c - which routing rule wins for a case, as one table of
 * rule sets and cases: every step of the precedence, the rules that do not
 * apply, and the ties the table's unique key forbids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/route.h"

#define CITY      "/150100/"
#define DISTRICT  "/150100/150103/"
#define STREET    "/150100/150103/150103003/"
#define COMMUNITY "/150100/150103/150103003/150103003001/"
#define OTHER     "/150100/150104/"

#define SMALL "06010"
#define BIG   "06"

#define ANY ROUTE_CATEGORY_ANY
#define BC  ROUTE_CATEGORY_BIG
#define SC  ROUTE_CATEGORY_SMALL

#define MAX_RULES 8
#define SET(s)    s, sizeof(s) / sizeof(s[0])

/* The rule sets.  Ids follow the order of the table except for the ties,
 * units are arbitrary. */
static const struct route_rule strangers[] = {
    {1, "06011", COMMUNITY, 'A', 10},                /* another small class */
    {2, "07", "", 0, 11},                            /* another big class */
    {3, SMALL, OTHER, 0, 12},                        /* a sibling district */
    {4, SMALL, COMMUNITY "150103003001001/", 0, 13}, /* below the case */
    {5, SMALL, "", 'B', 14},                         /* another grade */
    {6, SMALL, "/150100/15010/", 0, 15}, /* a code that starts alike */
};
static const struct route_rule graded_a[] = {{1, SMALL, "", 'A', 10}};
static const struct route_rule catch_all[] = {{1, "", "", 0, 10}};
static const struct route_rule own_area[] = {{1, "", COMMUNITY, 0, 10}};
static const struct route_rule nulls[] = {{1, NULL, NULL, 0, 10}};
/* Each step of the precedence against a rule better in all later parts. */
static const struct route_rule small_big[] = {
    {1, BIG, COMMUNITY, 'A', 10},
    {2, SMALL, "", 0, 11},
};
static const struct route_rule big_any[] = {
    {1, "", COMMUNITY, 'A', 10},
    {2, BIG, "", 0, 11},
};
static const struct route_rule deeper[] = {
    {1, SMALL, CITY, 'A', 10},
    {2, SMALL, STREET, 0, 11},
};
static const struct route_rule area_anywhere[] = {
    {1, BIG, "", 'A', 10},
    {2, BIG, CITY, 0, 11},
};
static const struct route_rule graded[] = {
    {1, "", DISTRICT, 0, 10},
    {2, "", DISTRICT, 'A', 11},
};
/* Ties the unique key on (category, area, grade) forbids. */
static const struct route_rule tie[] = {
    {7, SMALL, DISTRICT, 'A', 10},
    {3, SMALL, DISTRICT, 'A', 11},
};
static const struct route_rule tie3[] = {
    {3, "", "", 0, 10},
    {7, "", "", 0, 11},
    {5, "", "", 0, 12},
};
/* A whole table. */
static const struct route_rule ladder[MAX_RULES] = {
    {1, "", "", 0, 10},           {2, BIG, "", 'A', 11},
    {3, BIG, COMMUNITY, 'A', 12}, {4, SMALL, CITY, 0, 13},
    {5, SMALL, STREET, 0, 14},    {6, SMALL, STREET, 'A', 15},
    {7, SMALL, STREET, 'B', 16},  {8, SMALL, OTHER, 'A', 17},
};

/* The cases: 06010 (big class 06) somewhere, on a grid of some grade. */
static const struct route_query comm_a = {SMALL, BIG, COMMUNITY, 'A'};
static const struct route_query comm_b = {SMALL, BIG, COMMUNITY, 'B'};
static const struct route_query ungraded = {SMALL, BIG, COMMUNITY, 0};
static const struct route_query no_big = {SMALL, "", COMMUNITY, 'A'};
static const struct route_query no_area = {SMALL, BIG, "", 'A'};
static const struct route_query city_a = {SMALL, BIG, CITY, 'A'};
static const struct route_query other_a = {SMALL, BIG, OTHER, 'A'};
static const struct route_query sibling_a = {"06011", BIG, COMMUNITY, 'A'};
static const struct route_query stranger_a = {"07001", "07", COMMUNITY, 'A'};

struct pick_case {
    const char *name;
    const struct route_rule *rules;
    size_t n;
    const struct route_query *q;
    long want; /* index of the winner, -1 for none */
    size_t applied;
    struct route_specificity why; /* the winner's, when there is one */
};

static const struct pick_case cases[] = {
    {"no rules", NULL, 0, &comm_a, -1, 0, {0}},
    {"no rule applies", SET(strangers), &comm_a, -1, 0, {0}},
    {"none applies, ungraded", SET(strangers), &ungraded, -1, 0, {0}},
    {"a graded rule on its grade", SET(graded_a), &comm_a, 0, 1, {SC, 0, 1}},
    {"a graded rule, ungraded grid", SET(graded_a), &ungraded, -1, 0, {0}},
    {"a case with no big class", SET(big_any), &no_big, 0, 1, {ANY, 4, 1}},
    {"the catch-all", SET(catch_all), &comm_a, 0, 1, {ANY, 0, 0}},
    {"the case's own area", SET(own_area), &comm_a, 0, 1, {ANY, 4, 0}},
    {"NULL is any and anywhere", SET(nulls), &comm_a, 0, 1, {ANY, 0, 0}},

    {"small class over big class", SET(small_big), &comm_a, 1, 2, {SC, 0, 0}},
    {"big class over any", SET(big_any), &comm_a, 1, 2, {BC, 0, 0}},
    {"deeper area over grade", SET(deeper), &comm_a, 1, 2, {SC, 3, 0}},
    {"an area over anywhere", SET(area_anywhere), &comm_a, 1, 2, {BC, 1, 0}},
    {"a grade over any grade", SET(graded), &comm_a, 1, 2, {ANY, 2, 1}},
    {"another grade is no contender", SET(graded), &comm_b, 0, 1, {ANY, 2, 0}},

    {"a tie goes to the lower id", SET(tie), &comm_a, 1, 2, {SC, 2, 1}},
    {"a three-way tie", SET(tie3), &comm_a, 0, 3, {ANY, 0, 0}},

    {"the table, grade A", SET(ladder), &comm_a, 5, 6, {SC, 3, 1}},
    {"the table, grade B", SET(ladder), &comm_b, 6, 4, {SC, 3, 1}},
    {"the table, ungraded", SET(ladder), &ungraded, 4, 3, {SC, 3, 0}},
    {"the table, sibling class", SET(ladder), &sibling_a, 2, 3, {BC, 4, 1}},
    {"the table, another class", SET(ladder), &stranger_a, 0, 1, {ANY, 0, 0}},
    {"the table, no area", SET(ladder), &no_area, 1, 2, {BC, 0, 1}},
    {"the table, the city", SET(ladder), &city_a, 3, 3, {SC, 1, 0}},
    {"the table, another district", SET(ladder), &other_a, 7, 4, {SC, 2, 1}},
};

/* Whether rule a, applicable to q, beats rule b, as route_pick sees it. */
static bool
beats(const struct route_rule *a, const struct route_rule *b,
      const struct route_query *q)
{
    struct route_rule pair[2] = {*b, *a};

    return route_pick(pair, 2, q, NULL) == 1;
}

static void
test_pick(void **state)
{
    struct route_rule reversed[MAX_RULES];
    struct route_specificity why, own;
    size_t order[MAX_RULES], i, j, k;
    long got;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct pick_case *c = &cases[i];

        memset(&why, 0xff, sizeof(why));
        got = route_pick(c->rules, c->n, c->q, &why);
        if (got != c->want)
            fail_msg("%s: rule %ld won, want %ld", c->name, got, c->want);
        if (got >= 0 &&
            (why.category != c->why.category || why.depth != c->why.depth ||
             why.graded != c->why.graded))
            fail_msg("%s: specificity %d/%zu/%d, want %d/%zu/%d", c->name,
                     (int)why.category, why.depth, why.graded,
                     (int)c->why.category, c->why.depth, c->why.graded);

        /* The order the rules are read in never matters. */
        for (j = 0; j < c->n; j++)
            reversed[j] = c->rules[c->n - 1 - j];
        got = route_pick(reversed, c->n, c->q, NULL);
        if (c->want < 0 ? got != -1
                        : got < 0 || reversed[got].id != c->rules[c->want].id)
            fail_msg("%s: a different winner when read backwards", c->name);

        /* The ranking starts with the winner and goes down strictly. */
        k = route_rank(c->rules, c->n, c->q, order, MAX_RULES);
        if (k != c->applied)
            fail_msg("%s: %zu rules apply, want %zu", c->name, k, c->applied);
        if (k > 0 && (long)order[0] != c->want)
            fail_msg("%s: the ranking starts with %zu", c->name, order[0]);
        for (j = 0; j < k; j++) {
            if (!route_applies(&c->rules[order[j]], c->q) ||
                !route_specificity(&c->rules[order[j]], c->q, &own))
                fail_msg("%s: ranked a rule that does not apply", c->name);
            if (j > 0 &&
                !beats(&c->rules[order[j - 1]], &c->rules[order[j]], c->q))
                fail_msg("%s: ranks %zu and %zu out of order", c->name, j - 1,
                         j);
        }
    }
}

static void
test_rank_short_list(void **state)
{
    const struct pick_case *c = NULL;
    size_t all[MAX_RULES], some[2] = {99, 99}, k;

    (void)state;
    for (k = 0; k < sizeof(cases) / sizeof(cases[0]) && !c; k++)
        if (strcmp(cases[k].name, "the table, grade A") == 0)
            c = &cases[k];
    assert_non_null(c);
    assert_int_equal(route_rank(c->rules, c->n, c->q, all, MAX_RULES), 6);
    /* Rules 6 to 1: the small class in the street graded, ungraded, in the
     * city; the big class in the community, anywhere; the catch-all. */
    for (k = 0; k < 6; k++)
        assert_int_equal(all[k], 5 - k);
    /* A short list keeps the head of the ranking. */
    assert_int_equal(route_rank(c->rules, c->n, c->q, some, 2), 6);
    assert_int_equal(some[0], 5);
    assert_int_equal(some[1], 4);
    assert_int_equal(route_rank(c->rules, c->n, c->q, NULL, 0), 6);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_rank_short_list),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
