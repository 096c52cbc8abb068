/*
 * test_auth_perm.c - the permission check as tables: who sees how much of
 * a case, who may act on it as far as area scope goes, and masking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "base/str.h"

#define STREET "/150100/150103/150103003/"
#define GRID   "/150100/150103/150103003/150103003001/150103003001001/"
#define OTHER  "/150100/150105/150105002/150105002001/"

/* The case under test: reported by user 7 in a grid of 光明路街道, and
 * dispatched to unit 3. */
static const struct case_scope the_case = {GRID, 7, 3};

struct view_row {
    const char *who;
    struct principal p;
    enum case_view want;
};

static const struct view_row views[] = {
    {"the reporter", {7, ROLE_RESIDENT, NULL, 0}, VIEW_FULL},
    {"another resident", {8, ROLE_RESIDENT, NULL, 0}, VIEW_PUBLIC},
    {"grid worker of the grid", {20, ROLE_GRID_WORKER, GRID, 0}, VIEW_FULL},
    {"grid worker elsewhere", {21, ROLE_GRID_WORKER, OTHER, 0}, VIEW_NONE},
    {"city dispatcher", {30, ROLE_DISPATCHER, "/150100/", 0}, VIEW_FULL},
    {"dispatcher of another district",
     {31, ROLE_DISPATCHER, "/150100/150105/", 0},
     VIEW_NONE},
    {"the owning unit", {40, ROLE_UNIT, NULL, 3}, VIEW_MASKED},
    {"another unit", {41, ROLE_UNIT, NULL, 4}, VIEW_NONE},
    {"street supervisor", {50, ROLE_SUPERVISOR, STREET, 0}, VIEW_FULL},
    {"supervisor elsewhere", {51, ROLE_SUPERVISOR, OTHER, 0}, VIEW_NONE},
    {"city admin", {60, ROLE_ADMIN, "/150100/", 0}, VIEW_FULL},
    {"a staff member who reported it",
     {7, ROLE_DISPATCHER, OTHER, 0},
     VIEW_FULL},
};

static void
test_case_view(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
        enum case_view got = perm_case_view(&views[i].p, &the_case);
        if (got != views[i].want)
            fail_msg("%s: view %d, expected %d", views[i].who, got,
                     views[i].want);
    }
}

struct action_row {
    const char *who;
    struct principal p;
    enum case_action action;
    bool want;
};

static const struct action_row actions[] = {
    {"resident: the table decides",
     {8, ROLE_RESIDENT, NULL, 0},
     ACT_RATE,
     true},
    {"owning unit signs", {40, ROLE_UNIT, NULL, 3}, ACT_SIGN, true},
    {"other unit signs", {41, ROLE_UNIT, NULL, 4}, ACT_SIGN, false},
    {"city dispatcher accepts",
     {30, ROLE_DISPATCHER, "/150100/", 0},
     ACT_ACCEPT,
     true},
    {"district dispatcher elsewhere",
     {31, ROLE_DISPATCHER, "/150100/150105/", 0},
     ACT_ACCEPT,
     false},
    {"supervisor in street closes",
     {50, ROLE_SUPERVISOR, STREET, 0},
     ACT_CLOSE,
     true},
    {"supervisor elsewhere closes",
     {51, ROLE_SUPERVISOR, OTHER, 0},
     ACT_CLOSE,
     false},
    {"grid worker handles in grid",
     {20, ROLE_GRID_WORKER, GRID, 0},
     ACT_HANDLE,
     true},
    {"grid worker handles elsewhere",
     {21, ROLE_GRID_WORKER, OTHER, 0},
     ACT_HANDLE,
     false},
    {"staff who reported it rates",
     {7, ROLE_DISPATCHER, OTHER, 0},
     ACT_RATE,
     true},
    {"staff elsewhere rates", {31, ROLE_DISPATCHER, OTHER, 0}, ACT_RATE, false},
};

static void
test_case_action(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        const char *why = NULL;
        bool got =
            perm_case_action(&actions[i].p, &the_case, actions[i].action, &why);
        if (got != actions[i].want)
            fail_msg("%s: got %d", actions[i].who, got);
        if (!got && (!why || !*why))
            fail_msg("%s: refused without a reason", actions[i].who);
    }
}

static void
test_allow(void **state)
{
    const struct principal admin = {1, ROLE_ADMIN, "/150100/", 0};
    const struct principal disp = {2, ROLE_DISPATCHER, "/150100/150103/", 0};
    const struct principal res = {3, ROLE_RESIDENT, NULL, 0};
    const struct principal unit = {4, ROLE_UNIT, NULL, 9};
    const char *why;

    (void)state;
    assert_true(perm_allow(&admin, PERM_USERS, STREET, &why));
    assert_false(perm_allow(&disp, PERM_USERS, STREET, &why));
    assert_true(perm_allow(&disp, PERM_STATS, STREET, &why));
    assert_false(perm_allow(&disp, PERM_STATS, OTHER, &why));
    assert_true(perm_allow(&res, PERM_STATS, OTHER, &why));
    assert_false(perm_allow(&res, PERM_QUEUE, OTHER, &why));
    assert_true(perm_allow(&unit, PERM_QUEUE, NULL, &why));
    assert_false(perm_in_scope(&disp, "/150100/150105/"));
    /* A prefix of the path, not of the code: 1501030 is not in 150103. */
    assert_false(perm_in_scope(&disp, "/150100/1501030/"));
}

struct mask_row {
    const char *in, *phone, *name;
};

static const struct mask_row masks[] = {
    {"13800138001", "138****8001", "1**"},
    {"张女士", "****", "张**"},
    {"", "", ""},
    {"12345", "****", "1**"},
};

static void
test_masks(void **state)
{
    char out[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
        perm_mask_phone(masks[i].in, out, sizeof(out));
        assert_string_equal(out, masks[i].phone);
        perm_mask_name(masks[i].in, out, sizeof(out));
        assert_string_equal(out, masks[i].name);
    }
}

struct text_row {
    const char *in, *want;
    size_t hidden;
};

static const struct text_row texts[] = {
    {"我是3号楼502的张女士，电话13912345678，谢谢",
     "我是3号楼502的张女士，电话139****5678，谢谢", 1},
    {"座机0471-6512345或6512345", "座机047*-***2345或*****45", 2},
    {"身份证11010519491231002X", "身份证110***********002X", 1},
    {"卡号6222021234567890123", "卡号622************0123", 1},
    {"2019-04-25 9:32 报修，50元", "2019-04-25 9:32 报修，50元", 0},
    {"A2区景蓉华苑3栋", "A2区景蓉华苑3栋", 0},
    {"", "", 0},
    {"1234567", "*****67", 1},
    {"123456", "123456", 0},
    {"电话１３９１２３４５６７８", "电话１３９＊＊＊＊５６７８", 1},
    {"139 1234 5678 或 139-1234-5678", "139 **** 5678 或 139-****-5678", 2},
    {"身份证 110105 19491231 002X", "身份证 110*** ******** 002X", 1},
    {"2019-04-25 与 0471-6512345", "2019-04-25 与 047*-***2345", 1},
};

static void
test_mask_text(void **state)
{
    char buf[256];
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        str_copy(buf, sizeof(buf), texts[i].in);
        n = perm_mask_text(buf);
        if (strcmp(buf, texts[i].want) != 0 || n != texts[i].hidden)
            fail_msg("row %zu: \"%s\" -> \"%s\" (%zu), want \"%s\" (%zu)", i,
                     texts[i].in, buf, n, texts[i].want, texts[i].hidden);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask_text),   cmocka_unit_test(test_case_view),
        cmocka_unit_test(test_case_action), cmocka_unit_test(test_allow),
        cmocka_unit_test(test_masks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
