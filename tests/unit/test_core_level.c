/*
 * test_core_level.c - the urgency of a case from its category and text,
 * and the limits of each level, as tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "core/level.h"

struct text_case {
    const char *name;
    enum case_level category;
    const char *title;
    const char *description;
    enum case_level want;
    bool from_text;
    const char *reason; /* a part the reason must contain */
};

#define EM LEVEL_EMERGENCY
#define UT LEVEL_UTILITY
#define GE LEVEL_GENERAL
#define CX LEVEL_COMPLEX

static const struct text_case texts[] = {
    {"a gas leak", GE, NULL, "楼道里燃气泄漏，味道很大", EM, true,
     "文本含“燃气泄漏”：紧急"},
    {"the common misspelling", GE, NULL, "厨房燃气泄露", EM, true,
     "“燃气泄露”"},
    {"in the title only", GE, "煤气泄漏", "请尽快处理", EM, true, "“煤气泄漏”"},
    {"a smell of gas", GE, NULL, "单元门口闻到很重的燃气味", EM, true,
     "“燃气味”"},
    {"fire", GE, NULL, "小区垃圾堆起火了", EM, true, "“起火”"},
    {"smoke", GE, NULL, "配电箱在冒烟", EM, true, "“冒烟”"},
    {"a live wire", GE, NULL, "路边电线裸露，有小孩经过", EM, true,
     "“电线裸露”"},
    {"electric leakage", GE, NULL, "路灯杆漏电", EM, true, "“漏电”"},
    {"a collapse", GE, NULL, "围墙倒塌压住了车", EM, true, "“倒塌”"},
    {"a sinking road", GE, NULL, "人行道塌陷一个大坑", EM, true, "“塌陷”"},
    {"an explosion", GE, NULL, "听到爆炸声", EM, true, "“爆炸”"},
    {"an open manhole on a road", GE, NULL, "新华大街井盖缺失", EM, true,
     "“井盖缺失”"},
    {"an open manhole indoors is not an emergency", GE, NULL, "地下室井盖缺失",
     GE, false, "类别“测试类别”：一般"},
    {"no gas leak", GE, NULL, "没有燃气泄漏，只是有点异味", GE, false,
     "“燃气泄漏”前有否定词“没有”，不计"},
    {"no leak found", GE, NULL, "检查后未发现明显燃气泄漏", GE, false,
     "否定词“未”"},
    {"without a leak", GE, NULL, "无燃气泄漏", GE, false, "否定词“无”"},
    {"not a fire", GE, NULL, "不是着火，是烧烤的烟", GE, false, "否定词“不是”"},
    {"a negation in another clause does not count", GE, NULL,
     "没有人来看，燃气泄漏越来越严重", EM, true, "“燃气泄漏”"},
    {"nobody handles it is no negation", GE, NULL, "无人处理燃气泄漏", EM, true,
     "“燃气泄漏”"},
    {"a negation far before does not count", GE, NULL,
     "没有物业的老旧小区里面楼道燃气泄漏", EM, true, "“燃气泄漏”"},
    {"negated once, stated once", GE, NULL, "昨天没有燃气泄漏，今天燃气泄漏了",
     EM, true, "“燃气泄漏”"},
    {"denied emergency, real outage", GE, NULL, "没有燃气泄漏，但是停水了", UT,
     true, "否定词“没有”"},
    {"water outage", GE, NULL, "整栋楼停水两天", UT, true,
     "文本含“停水”：水电气暖"},
    {"power outage", GE, NULL, "小区突然停电", UT, true, "“停电”"},
    {"cold radiators", GE, NULL, "家里暖气不热，室温只有十五度", UT, true,
     "“暖气不热”"},
    {"no heating is an outage, not a negation", GE, NULL,
     "已经十一月了还没有供暖", UT, true, "“没有供暖”"},
    {"no water outage", GE, NULL, "没有停水", GE, false, "否定词“没有”"},
    {"emergency beats utility", GE, NULL, "停电后配电室起火", EM, true,
     "“起火”"},
    {"the category is already an emergency", EM, NULL, "闻到燃气味", EM, false,
     "类别“测试类别”：紧急"},
    {"the text never lowers the category", EM, NULL, "路灯不亮", EM, false,
     "类别“测试类别”：紧急"},
    {"a utility word under an emergency category", EM, NULL, "停电了", EM,
     false, "不比类别紧急"},
    {"a complex case with a gas leak", CX, NULL, "违建里燃气泄漏", EM, true,
     "本身为复杂"},
    {"a complex case stays complex", CX, NULL, "历史遗留的违章建筑", CX, false,
     "类别“测试类别”：复杂"},
    {"plain text", GE, "垃圾", "路边堆放垃圾", GE, false,
     "类别“测试类别”：一般"},
    {"empty text", GE, NULL, NULL, GE, false, "一般"},
};

static void
test_levels_from_text(void **state)
{
    struct level_decision d;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        const struct text_case *t = &texts[i];

        level_decide(t->category, "测试类别", t->title, t->description, &d);
        if (d.level != t->want || d.from_text != t->from_text)
            fail_msg("%s: got %s (from text %d), want %s (from text %d); %s",
                     t->name, level_name(d.level), d.from_text,
                     level_name(t->want), t->from_text, d.reason);
        if (!strstr(d.reason, t->reason))
            fail_msg("%s: reason \"%s\" lacks \"%s\"", t->name, d.reason,
                     t->reason);
    }
}

static void
test_names(void **state)
{
    enum case_level l;
    int i;

    (void)state;
    for (i = 0; i < LEVEL_COUNT; i++) {
        assert_int_equal(level_parse(level_name((enum case_level)i), &l),
                         CG_OK);
        assert_int_equal(l, i);
    }
    assert_int_equal(level_parse("urgent", &l), CG_EINVAL);
    assert_int_equal(level_parse(NULL, &l), CG_EINVAL);
    assert_string_equal(level_label(LEVEL_EMERGENCY), "紧急");
}

static void
test_limits(void **state)
{
    static const struct {
        const char *text;
        int rc;
        int amount;
        enum level_unit unit;
    } t[] = {
        {"2h", CG_OK, 2, LEVEL_CLOCK_HOURS},
        {"24h", CG_OK, 24, LEVEL_CLOCK_HOURS},
        {"8wh", CG_OK, 8, LEVEL_WORK_HOURS},
        {"7d", CG_OK, 7, LEVEL_WORK_DAYS},
        {"9999d", CG_OK, 9999, LEVEL_WORK_DAYS},
        {"0h", CG_EINVAL, 0, 0},
        {"10000d", CG_EINVAL, 0, 0},
        {"h", CG_EINVAL, 0, 0},
        {"2", CG_EINVAL, 0, 0},
        {"2 h", CG_EINVAL, 0, 0},
        {"2days", CG_EINVAL, 0, 0},
        {"-2h", CG_EINVAL, 0, 0},
        {"", CG_EINVAL, 0, 0},
    };
    static const struct level_limit defaults[LEVEL_COUNT] = {
        {2, LEVEL_CLOCK_HOURS},
        {24, LEVEL_CLOCK_HOURS},
        {7, LEVEL_WORK_DAYS},
        {15, LEVEL_WORK_DAYS},
    };
    struct level_limit l;
    char text[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        l.amount = -1;
        if (level_limit_parse(t[i].text, &l) != t[i].rc)
            fail_msg("\"%s\": wrong result", t[i].text);
        if (t[i].rc == CG_OK &&
            (l.amount != t[i].amount || l.unit != t[i].unit))
            fail_msg("\"%s\": got %d/%d", t[i].text, l.amount, (int)l.unit);
        if (t[i].rc != CG_OK && l.amount != -1)
            fail_msg("\"%s\": changed the limit on error", t[i].text);
    }
    for (i = 0; i < LEVEL_COUNT; i++) {
        level_default_limit((enum case_level)i, &l);
        assert_int_equal(l.amount, defaults[i].amount);
        assert_int_equal(l.unit, defaults[i].unit);
    }
    level_default_limit(LEVEL_EMERGENCY, &l);
    level_limit_format(&l, text, sizeof(text));
    assert_non_null(strstr(text, "2 小时"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_from_text),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
