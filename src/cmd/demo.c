/*
 * demo.c - `civicgrid demo`: a sample city to try the platform on, and
 * with --cases N a city's worth of cases on top of it.
 */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/err.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "cmd/demo_city.h"

#define MAX_CASES 100000000L

static void usage(void);
static int parse_cases(int *argc, char **argv, long *n);

static void
usage(void)
{
    printf("Usage: civicgrid demo [--db PATH] [--cases N]\n\nCreates a demo "
           "city in the database: the real Hohhot districts and\n"
           "streets with generated communities and grids, units, "
           "demo users and cases.\n\n"
           "  --cases N   then adds N cases reported over the past year, "
           "written in\n"
           "              bulk rather than one by one: real citizen messages "
           "when the\n"
           "              shared data is at hand, reporters, routing, "
           "deadlines, photos\n"
           "              and each case's history, in the mix of a published "
           "year\n"
           "              (of the reports not withdrawn 96%% closed, 3%% open, "
           "a few\n"
           "              rejected; 14%% withdrawn).  May be given again on a "
           "built\n"
           "              city to add more.\n\n");
    config_usage(SET_OPEN | SET_SHARED_DATA);
}

/* Takes --cases N (or --cases=N) out of argv. */
static int
parse_cases(int *argc, char **argv, long *n)
{
    const char *v = NULL;
    int64_t x;
    int i, j, take;

    *n = 0;
    for (i = 1; i < *argc; i++) {
        take = 0;
        if (strcmp(argv[i], "--cases") == 0 && i + 1 < *argc) {
            v = argv[i + 1];
            take = 2;
        } else if (str_has_prefix(argv[i], "--cases=")) {
            v = argv[i] + strlen("--cases=");
            take = 1;
        } else if (strcmp(argv[i], "--cases") == 0) {
            fprintf(stderr, "demo: --cases needs a number\n");
            return CG_EINVAL;
        }
        if (!take)
            continue;
        if (str_to_i64(v, 0, MAX_CASES, &x) != CG_OK) {
            fprintf(stderr, "demo: --cases wants a number from 0 to %ld\n",
                    MAX_CASES);
            return CG_EINVAL;
        }
        *n = (long)x;
        for (j = i; j + take <= *argc; j++)
            argv[j] = argv[j + take];
        *argc -= take;
        i--;
    }
    return CG_OK;
}

int
cmd_demo(int argc, char **argv)
{
    struct store *store;
    struct config cfg;
    struct app app;
    long ncases;
    int i, rc;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 0;
        }
    if (parse_cases(&argc, argv, &ncases) != CG_OK)
        return 2;
    if (config_load(&cfg, &argc, argv) != CG_OK)
        return 2;
    if (auth_init() != CG_OK || photo_init(argv[0]) != CG_OK)
        return 1;
    if (cmd_open(&cfg, &store, &app) != CG_OK)
        return 1;
    cmd_warn_calendar(&app);
    rc = seed_catalog(store_db(store));
    if (rc == CG_OK)
        rc = demo_build(&app, cfg.shared_data, false);
    if (rc == CG_OK && ncases > 0)
        rc = demo_load(&app, cfg.db, ncases, cfg.shared_data, false);
    /* The city is left searchable as it is, not for a server to finish. */
    if (rc == CG_OK)
        rc = store_search_settle(store);
    app_free(&app);
    store_close(store);
    return rc == CG_OK ? 0 : 1;
}
