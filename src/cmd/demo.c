/*
 * demo.c - `civicgrid demo`: a sample city to try the platform on.
 */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/err.h"
#include "cmd/cmd.h"

int
cmd_demo(int argc, char **argv)
{
    struct store *store;
    struct config cfg;
    struct app app;
    int i, rc;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("Usage: civicgrid demo [--db PATH]\n\nCreates a demo "
                   "city in the database: the real Hohhot districts and\n"
                   "streets with generated communities and grids, units, "
                   "demo users and cases.\n\n");
            config_usage();
            return 0;
        }
    if (config_load(&cfg, &argc, argv) != CG_OK)
        return 2;
    if (auth_init() != CG_OK || photo_init(argv[0]) != CG_OK)
        return 1;
    if (cmd_open(&cfg, &store, &app) != CG_OK)
        return 1;
    rc = seed_catalog(store_db(store));
    if (rc == CG_OK)
        rc = demo_build(&app, cfg.shared_data, false);
    app_free(&app);
    store_close(store);
    return rc == CG_OK ? 0 : 1;
}
