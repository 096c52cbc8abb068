/*
 * test_core_dedupe.c - distance, text similarity and the verdict on
 * possible duplicates, as tables of cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/dedupe.h"

struct distance_case {
    const char *name;
    double lon1, lat1, lon2, lat2;
    double want, tolerance;
};

static const struct distance_case distance_cases[] = {
    {"same point", 111.67, 40.82, 111.67, 40.82, 0, 0.001},
    /* One thousandth of a degree of latitude is about 111 m anywhere. */
    {"0.001 deg north", 111.67, 40.82, 111.67, 40.821, 111.2, 0.5},
    /* A degree of longitude shrinks with the cosine of the latitude. */
    {"0.001 deg east at 40.82 N", 111.67, 40.82, 111.671, 40.82, 84.1, 0.5},
    {"one degree on the equator", 0, 0, 1, 0, 111195, 5},
    {"symmetric", 111.671, 40.82, 111.67, 40.82, 84.1, 0.5},
};

static void
test_distance(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(distance_cases) / sizeof(distance_cases[0]); i++) {
        const struct distance_case *c = &distance_cases[i];
        double got = dedupe_distance_m(c->lon1, c->lat1, c->lon2, c->lat2);
        if (got < c->want - c->tolerance || got > c->want + c->tolerance)
            fail_msg("%s: %.3f m, want %.3f", c->name, got, c->want);
    }
}

struct text_case {
    const char *name;
    const char *a, *b;
    double lo, hi; /* the similarity lies in [lo, hi] */
};

static const struct text_case text_cases[] = {
    {"identical", "小区门口垃圾堆放", "小区门口垃圾堆放", 1, 1},
    {"punctuation and spaces ignored", "路灯不亮！", "路 灯 不 亮", 1, 1},
    {"full-width and case folded", "ＡＢＣ路灯", "abc路灯", 1, 1},
    {"nothing in common", "路灯不亮", "噪音扰民", 0, 0},
    {"empty", "", "路灯不亮", 0, 0},
    {"null", NULL, "路灯不亮", 0, 0},
    {"single character", "灯", "灯", 1, 1},
    /* {垃圾, 圾堆, 堆放} against {门口, 口垃, 垃圾, 圾堆, 堆满}: 2 in
     * common, 2 * 2 / (3 + 5). */
    {"partly alike", "垃圾堆放", "门口垃圾堆满", 0.5, 0.5},
    {"same problem in other words", "楼下路灯坏了晚上很黑",
     "路灯坏了好几天，晚上看不见", 0.3, 0.6},
    {"English descriptors", "Loud Music/Party", "loud music party", 1, 1},
    {"invalid UTF-8 skipped", "路灯\xff不亮", "路灯不亮", 0.6, 1},
};

static void
test_text_similarity(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
        const struct text_case *c = &text_cases[i];
        double ab = dedupe_text_similarity(c->a, c->b);
        double ba = dedupe_text_similarity(c->b, c->a);
        if (ab < c->lo - 1e-9 || ab > c->hi + 1e-9)
            fail_msg("%s: %.3f, want %.2f..%.2f", c->name, ab, c->lo, c->hi);
        if (ab != ba)
            fail_msg("%s: not symmetric (%.3f, %.3f)", c->name, ab, ba);
    }
}

/* A description far longer than what is compared is cut, not overrun. */
static void
test_long_text(void **state)
{
    char big[DEDUPE_TEXT_MAX * 3 * 2 + 1];
    size_t i;

    (void)state;
    for (i = 0; i + 3 < sizeof(big); i += 3)
        memcpy(big + i, "灯", 3);
    big[i] = '\0';
    assert_true(dedupe_text_similarity(big, "灯灯") == 1);
}

struct judge_case {
    const char *name;
    struct dedupe_input in;
    bool suggest;
    const char *reason_has;
};

#define DAY 86400

static const struct judge_case judge_cases[] = {
    {"same, near, alike",
     {true, 80, 250, true, 0.6, 0, 3600, 0},
     true,
     "描述相似度 60%"},
    {"other category", {false, 10, 250, true, 1, 0, 0, 0}, false, "类别不同"},
    {"out of the radius",
     {true, 251, 250, true, 1, 0, 0, 0},
     false,
     "超出 250 米"},
    {"a category with a wider radius",
     {true, 400, 500, true, 0.5, 0, 0, 0},
     true,
     "相距约 400 米"},
    {"default radius when none is set",
     {true, 260, 0, true, 1, 0, 0, 0},
     false,
     "超出 250 米"},
    {"text too different",
     {true, 120, 250, true, 0.05, 0, 0, 0},
     false,
     "相似度仅 5%"},
    {"text different but a few doors away",
     {true, 30, 250, true, 0.05, 0, 0, 0},
     true,
     "相距仅约 30 米"},
    {"no text yet: place and category decide",
     {true, 200, 250, false, 0, 0, 0, 0},
     true,
     "同类问题，相距约 200 米"},
    {"a stricter threshold",
     {true, 120, 250, true, 0.3, 0.5, 0, 0},
     false,
     "相似度仅 30%"},
    {"too old for the window",
     {true, 10, 250, true, 1, 0, 8 * DAY, 7 * DAY},
     false,
     "超过 7 天"},
    {"within the window",
     {true, 10, 250, true, 1, 0, 6 * DAY, 7 * DAY},
     true,
     NULL},
    {"later, not earlier",
     {true, 10, 250, true, 1, 0, -60, 7 * DAY},
     false,
     "超过 7 天"},
};

static void
test_judge(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(judge_cases) / sizeof(judge_cases[0]); i++) {
        const struct judge_case *c = &judge_cases[i];
        struct dedupe_verdict v;

        dedupe_judge(&c->in, &v);
        if (v.suggest != c->suggest)
            fail_msg("%s: suggest %d, want %d (%s)", c->name, v.suggest,
                     c->suggest, v.reason);
        if (c->reason_has && strstr(v.reason, c->reason_has) == NULL)
            fail_msg("%s: reason '%s' lacks '%s'", c->name, v.reason,
                     c->reason_has);
        if (!v.suggest && v.score != 0)
            fail_msg("%s: score %.3f for a case not suggested", c->name,
                     v.score);
        if (v.suggest && (v.score < 0 || v.score > 1))
            fail_msg("%s: score %.3f out of 0..1", c->name, v.score);
    }
}

/* Closer and more alike ranks higher. */
static void
test_ranking(void **state)
{
    struct dedupe_input a = {true, 50, 250, true, 0.8, 0, 0, 0};
    struct dedupe_input b = {true, 200, 250, true, 0.8, 0, 0, 0};
    struct dedupe_input c = {true, 50, 250, true, 0.3, 0, 0, 0};
    struct dedupe_verdict va, vb, vc;

    (void)state;
    dedupe_judge(&a, &va);
    dedupe_judge(&b, &vb);
    dedupe_judge(&c, &vc);
    assert_true(va.score > vb.score);
    assert_true(va.score > vc.score);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_text_similarity),
        cmocka_unit_test(test_long_text),
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_ranking),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
