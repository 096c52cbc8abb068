/*
 * demo_rollup.h - the statistics' rollups of a bulk load of cases, added
 * up in memory while the cases are made and written once at the end, in
 * place of the triggers the load sets aside.
 */
#ifndef CG_DEMO_ROLLUP_H
#define CG_DEMO_ROLLUP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/lifecycle.h"

struct db;

/* What the statistics read of a case: its place, category and unit, and
 * the stat_* columns as the schema's triggers would set them. */
struct rollup_case {
    const char *area_path; /* lives until rollup_write() */
    const char *category;  /* likewise */
    int64_t unit_id;       /* 0 for none */
    int64_t reported_at;
    enum case_state state;
    int64_t due_at, closed_at; /* 0 for none */
    enum rating rating;
    bool handled, reworked;
};

struct rollup {
    struct rollup_row *rows;
    size_t n, cap;
};

/* Adds case c's share. */
void rollup_add(struct rollup *r, const struct rollup_case *c);
/* Adds the shares to stats_day and stats_month, in the caller's
 * transaction; the rows there already count the cases that were there
 * before. */
int rollup_write(struct rollup *r, struct db *db);
void rollup_free(struct rollup *r);

#endif
