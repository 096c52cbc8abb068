/*
 * role.c - names of the roles, as used in the API, the database and the
 * lifecycle table.
 */
#include <string.h>

#include "base/err.h"
#include "core/role.h"

static const char *const role_names[ROLE__COUNT] = {
    [ROLE_RESIDENT] = "resident",     [ROLE_GRID_WORKER] = "grid_worker",
    [ROLE_DISPATCHER] = "dispatcher", [ROLE_UNIT] = "unit",
    [ROLE_SUPERVISOR] = "supervisor", [ROLE_ADMIN] = "admin",
};

/* The stable lower-case name of r, or "unknown" for a value out of range
 * (never NULL, so it is safe in log lines). */
const char *
role_name(enum role r)
{
    if ((unsigned)r >= ROLE__COUNT)
        return "unknown";
    return role_names[r];
}

int
role_parse(const char *s, enum role *out)
{
    unsigned i;

    if (s == NULL)
        return CG_EINVAL;
    for (i = 0; i < ROLE__COUNT; i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (enum role)i;
            return CG_OK;
        }
    }
    return CG_EINVAL;
}
