/*
 * test_core_gazetteer.c - which area an address in words names, as one
 * table: the areas whose names occur in the text, and the area expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "core/gazetteer.h"

#define CITY                                                                   \
    {                                                                          \
        "150100", "/150100/", 0                                                \
    }
#define HUIMIN                                                                 \
    {                                                                          \
        "150103", "/150100/150103/", 1                                         \
    }
#define XINCHENG                                                               \
    {                                                                          \
        "150102", "/150100/150102/", 1                                         \
    }
#define STREET_H                                                               \
    {                                                                          \
        "150103007", "/150100/150103/150103007/", 2                            \
    }
#define COMM_H                                                                 \
    {                                                                          \
        "150103007004", "/150100/150103/150103007/150103007004/", 3            \
    }
#define GRID_H3                                                                \
    {                                                                          \
        "150103007004003",                                                     \
            "/150100/150103/150103007/150103007004/"                           \
            "150103007004003/",                                                \
            4                                                                  \
    }
#define GRID_X3                                                                \
    {                                                                          \
        "150102001002003",                                                     \
            "/150100/150102/150102001/150102001002/"                           \
            "150102001002003/",                                                \
            4                                                                  \
    }
#define GRID_H5                                                                \
    {                                                                          \
        "150103007004005",                                                     \
            "/150100/150103/150103007/150103007004/"                           \
            "150103007004005/",                                                \
            4                                                                  \
    }
/* A street of the same name in two districts. */
#define SAME_H                                                                 \
    {                                                                          \
        "150103009", "/150100/150103/150103009/", 2                            \
    }
#define SAME_X                                                                 \
    {                                                                          \
        "150102009", "/150100/150102/150102009/", 2                            \
    }

#define MAX 8

struct row {
    const char *what;
    struct gaz_candidate c[MAX];
    size_t n;
    int rc;
    const char *code;
};

static const struct row table[] = {
    {"nothing named", {{0}}, 0, CG_ENOTFOUND, NULL},
    {"the city alone", {CITY}, 1, CG_OK, "150100"},
    {"a district", {CITY, HUIMIN}, 2, CG_OK, "150103"},
    {"district, street, community, grid",
     {CITY, HUIMIN, STREET_H, COMM_H, GRID_H3},
     5,
     CG_OK,
     "150103007004003"},
    {"a community without its district", {COMM_H}, 1, CG_OK, "150103007004"},
    {"the deepest of a consistent chain wins over a stray name",
     {HUIMIN, COMM_H, XINCHENG},
     3,
     CG_OK,
     "150103007004"},
    {"a grid name under two districts, one of them named",
     {XINCHENG, GRID_H3, GRID_X3},
     3,
     CG_OK,
     "150102001002003"},
    {"a grid name under two districts, neither named",
     {GRID_H3, GRID_X3},
     2,
     CG_ECONFLICT,
     NULL},
    {"two grids of one community: the community",
     {GRID_H3, GRID_H5},
     2,
     CG_OK,
     "150103007004"},
    {"a street name in two districts", {SAME_H, SAME_X}, 2, CG_ECONFLICT, NULL},
    {"a street name in two districts and one district",
     {SAME_H, SAME_X, HUIMIN},
     3,
     CG_OK,
     "150103009"},
};

static void
test_table(void **state)
{
    size_t i;
    char out[24];
    int rc;

    (void)state;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const struct row *t = &table[i];

        memset(out, 0, sizeof(out));
        rc = gazetteer_pick(t->c, t->n, out, sizeof(out));
        if (rc != t->rc)
            fail_msg("%s: rc %d, expected %d", t->what, rc, t->rc);
        if (t->code && strcmp(out, t->code) != 0)
            fail_msg("%s: %s, expected %s", t->what, out, t->code);
    }
}

static void
test_small_buffer(void **state)
{
    struct gaz_candidate c[] = {GRID_H3, GRID_H5};
    char out[6];

    (void)state;
    assert_int_equal(gazetteer_pick(c, 2, out, sizeof(out)), CG_ETOOBIG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_small_buffer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
