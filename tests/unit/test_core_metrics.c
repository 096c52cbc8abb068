/*
 * test_core_metrics.c - figures from counts, checked against the year one
 * service center published, and the rounding of percentages.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/metrics.h"

/* The published year: 5,239 reported, 5,058 closed, 164 open, 17
 * rejected, 822 withdrawn, closure rate 96.6%, satisfaction 100%. */
static const struct metric_counts published = {
    .reported = 5239,
    .withdrawn = 822,
    .merged = 0,
    .rejected = 17,
    .closed = 5058,
    .closed_on_time = 5000,
    .open = 164,
    .overdue = 161,
    .handled = 5058,
    .reworked = 0,
    .rated = 5058,
    .satisfied = 5058,
    .basically_satisfied = 0,
    .unsatisfied = 0,
    .close_hours_sum = 5058 * 20.0,
};

struct want {
    const char *key;
    const char *label_zh;
    bool is_rate;
    bool has_value;
    long num, den;
    const char *percent; /* for rates; NULL for counts */
};

static const struct want published_wants[] = {
    {"reported", "上报数", false, true, 5239, 0, NULL},
    {"rejected", "驳回数", false, true, 17, 0, NULL},
    {"withdrawn", "撤回数", false, true, 822, 0, NULL},
    {"merged", "合并数", false, true, 0, 0, NULL},
    {"closed", "结案数", false, true, 5058, 0, NULL},
    {"open", "未结案数", false, true, 164, 0, NULL},
    {"overdue", "超期数", false, true, 161, 0, NULL},
    {"should_close", "应结案数", false, true, 5236, 0, NULL},
    {"closure_rate", "结案率", true, true, 5058, 5236, "96.6%"},
    {"ontime_rate", "按期结案率", true, true, 5000, 5236, "95.5%"},
    {"rework_rate", "返工率", true, true, 0, 5058, "0.0%"},
    {"satisfaction_rate", "满意率", true, true, 5058, 5058, "100.0%"},
    {"avg_close_hours", "平均办结时长(小时)", false, true, 0, 5058, NULL},
};

#define NWANTS (sizeof(published_wants) / sizeof(published_wants[0]))

static void
test_published_year(void **state)
{
    struct metric m[METRICS_MAX];
    size_t n = metrics_compute(&published, m), i;
    char pct[16];

    (void)state;
    assert_int_equal(n, NWANTS);
    for (i = 0; i < n; i++) {
        const struct want *w = &published_wants[i];

        assert_string_equal(m[i].key, w->key);
        assert_string_equal(m[i].label_zh, w->label_zh);
        assert_non_null(m[i].label_en);
        assert_non_null(m[i].formula);
        if (m[i].is_rate != w->is_rate || m[i].has_value != w->has_value ||
            m[i].num != w->num || m[i].den != w->den)
            fail_msg("%s: rate %d value %d %ld/%ld", w->key, m[i].is_rate,
                     m[i].has_value, m[i].num, m[i].den);
        if (!w->is_rate && w->den == 0)
            assert_true(m[i].value == (double)w->num);
        if (w->percent != NULL) {
            metrics_percent(m[i].value, pct, sizeof(pct));
            if (strcmp(pct, w->percent) != 0)
                fail_msg("%s: %s, want %s", w->key, pct, w->percent);
        }
    }
    assert_true(fabs(m[8].value - 5058.0 / 5236.0) < 1e-12);
    assert_true(fabs(m[12].value - 20.0) < 1e-9);
    assert_string_equal(m[8].formula, "closed / should_close, should_close = "
                                      "closed + rejected + overdue");
    assert_string_equal(m[5].formula, "reported - closed - rejected");
    assert_string_equal(m[11].formula,
                        "(satisfied + basically_satisfied) / rated");
}

/* Nothing to divide by: the rates and the average have no value. */
static void
test_zero_denominators(void **state)
{
    static const struct metric_counts zero;
    struct metric m[METRICS_MAX];
    size_t n = metrics_compute(&zero, m), i;

    (void)state;
    assert_int_equal(n, NWANTS);
    for (i = 0; i < n; i++) {
        bool counted = !m[i].is_rate && strcmp(m[i].key, "avg_close_hours");
        if (m[i].has_value != counted)
            fail_msg("%s: has_value %d", m[i].key, m[i].has_value);
    }
}

/* A rate over some denominators and not others. */
static void
test_partial_values(void **state)
{
    struct metric_counts c;
    struct metric m[METRICS_MAX];
    char pct[16];

    (void)state;
    memset(&c, 0, sizeof(c));
    c.reported = 3;
    c.handled = 4;
    c.reworked = 1;
    c.open = 3;
    metrics_compute(&c, m);
    assert_false(m[8].has_value); /* closure_rate: should_close is 0 */
    assert_true(m[10].has_value); /* rework_rate */
    metrics_percent(m[10].value, pct, sizeof(pct));
    assert_string_equal(pct, "25.0%");
    assert_false(m[11].has_value); /* nobody rated */
    assert_false(m[12].has_value);
}

static void
test_percent_rounding(void **state)
{
    static const struct {
        double frac;
        const char *want;
    } t[] = {
        {0.9655, "96.6%"},    {0.96549, "96.5%"},
        {0.0, "0.0%"},        {1.0, "100.0%"},
        {0.966004, "96.6%"},  {0.5, "50.0%"},
        {0.0005, "0.1%"},     {0.00049, "0.0%"},
        {0.1235, "12.4%"},    {0.12345, "12.3%"},
        {0.999, "99.9%"},     {0.9995, "100.0%"},
        {2.0 / 3.0, "66.7%"}, {1.0 / 3.0, "33.3%"},
        {-0.0, "0.0%"},       {5058.0 / 5236.0, "96.6%"},
        {NAN, "n/a"},         {INFINITY, "n/a"},
    };
    char out[16];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        metrics_percent(t[i].frac, out, sizeof(out));
        if (strcmp(out, t[i].want) != 0)
            fail_msg("%.10g: got %s, want %s", t[i].frac, out, t[i].want);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_year),
        cmocka_unit_test(test_zero_denominators),
        cmocka_unit_test(test_partial_values),
        cmocka_unit_test(test_percent_rounding),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
