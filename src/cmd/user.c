/*
 * user.c - `civicgrid user add`: creating users from the command line, the
 * password read from standard input so it never shows in a process list.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "base/err.h"
#include "base/str.h"
#include "cmd/cmd.h"

static void
usage(void)
{
    printf("Usage: civicgrid user add USERNAME --role ROLE [--area CODE] "
           "[--unit CODE]\n"
           "                        [--name NAME] [--phone PHONE] "
           "[--db PATH]\n\n"
           "Reads the password (8 to 128 bytes) from the first line of "
           "standard input.\nRoles: resident, grid_worker, dispatcher, unit, "
           "supervisor, admin.\nStaff need --area (their scope); a unit's "
           "user needs --unit.\n");
}

int
cmd_user(int argc, char **argv)
{
    const char *role_s = NULL, *area = NULL, *unit_code = NULL, *name = NULL;
    const char *phone = NULL, *username = NULL, *why = "";
    char pw[256], hash[AUTH_HASH_LEN];
    struct store *store;
    struct config cfg;
    struct app app;
    struct area a;
    struct unit u;
    enum role role;
    int64_t unit_id = 0, id;
    size_t n;
    int i, rc;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 0;
        }
    if (config_load(&cfg, &argc, argv) != CG_OK)
        return 2;
    if (argc < 3 || strcmp(argv[1], "add") != 0) {
        usage();
        return 2;
    }
    username = argv[2];
    for (i = 3; i < argc; i++) {
        const char **dst = strcmp(argv[i], "--role") == 0    ? &role_s
                           : strcmp(argv[i], "--area") == 0  ? &area
                           : strcmp(argv[i], "--unit") == 0  ? &unit_code
                           : strcmp(argv[i], "--name") == 0  ? &name
                           : strcmp(argv[i], "--phone") == 0 ? &phone
                                                             : NULL;
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "user add: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
        *dst = argv[++i];
    }
    if (!role_s || role_parse(role_s, &role) != CG_OK) {
        fprintf(stderr, "user add: --role must be one of resident, "
                        "grid_worker, dispatcher, unit, supervisor, admin\n");
        return 2;
    }
    if (strlen(username) < 3 || strlen(username) > 64) {
        fprintf(stderr, "user add: the username must have 3 to 64 "
                        "characters\n");
        return 2;
    }
    if (!fgets(pw, sizeof(pw), stdin)) {
        fprintf(stderr, "user add: give the password on standard input\n");
        return 2;
    }
    n = strcspn(pw, "\r\n");
    pw[n] = '\0';
    if (auth_password_check(pw, &why) != CG_OK) {
        fprintf(stderr, "user add: %s\n", why);
        return 2;
    }
    if (auth_init() != CG_OK || cmd_open(&cfg, &store, &app) != CG_OK)
        return 1;
    rc = CG_EINVAL;
    if (area && store_area_get(store_db(store), area, &a) != CG_OK) {
        fprintf(stderr, "user add: there is no area %s\n", area);
        goto out;
    }
    if (!area && role != ROLE_RESIDENT && role != ROLE_UNIT) {
        fprintf(stderr, "user add: staff need --area CODE (their scope)\n");
        goto out;
    }
    if (unit_code) {
        if (store_unit_by_code(store_db(store), unit_code, &u) != CG_OK) {
            fprintf(stderr, "user add: there is no unit %s\n", unit_code);
            goto out;
        }
        unit_id = u.id;
    } else if (role == ROLE_UNIT) {
        fprintf(stderr, "user add: a unit's user needs --unit CODE\n");
        goto out;
    }
    if (auth_password_hash(pw, hash) != CG_OK) {
        fprintf(stderr, "user add: cannot hash the password\n");
        goto out;
    }
    rc = store_user_add(store_db(store), username, hash, role, area, unit_id,
                        name, phone, &id);
    if (rc == CG_ECONFLICT)
        fprintf(stderr, "user add: the username %s is taken\n", username);
    else if (rc == CG_OK)
        printf("added user %s (id %lld, role %s)\n", username, (long long)id,
               role_name(role));
out:
    sodium_memzero(pw, sizeof(pw));
    app_free(&app);
    store_close(store);
    return rc == CG_OK ? 0 : 1;
}
