/*
 * role.h - who a user is in the grid.  Roles are domain facts (the
 * lifecycle table names them), so they live in core/.
 */
#ifndef CG_ROLE_H
#define CG_ROLE_H

#include <stdint.h>

enum role {
    ROLE_RESIDENT,    /* 居民: reports, follows, withdraws, rates */
    ROLE_GRID_WORKER, /* 网格员: reports for residents, fixes on the spot */
    ROLE_DISPATCHER, /* 受理/派遣员: accepts, rejects, dispatches, merges */
    ROLE_UNIT, /* 处置单位: signs for, handles, returns, asks extension */
    ROLE_SUPERVISOR, /* 监督/核查: verifies and closes, escalates */
    ROLE_ADMIN,      /* 管理员: areas, categories, users */
    ROLE__COUNT
};

#define ROLE_BIT(r) (1u << (r))
#define ROLES_STAFF                                                            \
    (ROLE_BIT(ROLE_GRID_WORKER) | ROLE_BIT(ROLE_DISPATCHER) |                  \
     ROLE_BIT(ROLE_UNIT) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_ADMIN))

/* "resident", "grid_worker", "dispatcher", "unit", "supervisor", "admin" */
const char *role_name(enum role r);
int role_parse(const char *s, enum role *out); /* CG_OK or CG_EINVAL */

#endif
