/*
 * catalog.c - the category tree: big classes and their small classes, each
 * small class with its default owner and its deadlines per grid grade.
 */
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "core/level.h"
#include "store/store.h"

static bool hours_by_clock(const char *level);

/* Whether a category's hours are counted day and night (see level.h). */
static bool
hours_by_clock(const char *level)
{
    enum case_level l;

    return level && level_parse(level, &l) == CG_OK && level_counts_clock(l);
}

int
store_category_get(struct db *db, const char *code, struct category *out)
{
    struct db_stmt *st;
    const char *u;
    int rc;

    rc = db_prepare(db,
                    "SELECT code, parent, name, unit_code, level, limit_unit,"
                    " limit_a, limit_b, limit_c FROM categories"
                    " WHERE code = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, code);
    rc = db_step(st);
    if (rc == DB_ROW) {
        memset(out, 0, sizeof(*out));
        str_copy(out->code, sizeof(out->code), db_col_text(st, 0));
        if (!db_col_null(st, 1))
            str_copy(out->parent, sizeof(out->parent), db_col_text(st, 1));
        str_copy(out->name, sizeof(out->name), db_col_text(st, 2));
        if (!db_col_null(st, 3))
            str_copy(out->unit_code, sizeof(out->unit_code),
                     db_col_text(st, 3));
        str_copy(out->level, sizeof(out->level), db_col_text(st, 4));
        u = db_col_text(st, 5);
        out->limit_unit = u ? u[0] : 0;
        out->limit[0] = (int)db_col_int(st, 6);
        out->limit[1] = (int)db_col_int(st, 7);
        out->limit[2] = (int)db_col_int(st, 8);
    }
    db_finalize(st);
    return rc == DB_ROW ? CG_OK : rc == DB_DONE ? CG_ENOTFOUND : rc;
}

int
store_category_put(struct db *db, const struct category *c, const char *name_en,
                   const char *file_cond, const char *close_cond)
{
    struct db_stmt *st;
    char unit[2] = {c->limit_unit, 0};
    int rc, i;

    rc = db_prepare(db,
                    "INSERT INTO categories (code, parent, name, name_en,"
                    " unit_code, level, limit_unit, limit_a, limit_b,"
                    " limit_c, file_condition, close_condition)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
                    " name_en = excluded.name_en,"
                    " unit_code = excluded.unit_code,"
                    " level = excluded.level,"
                    " limit_unit = excluded.limit_unit,"
                    " limit_a = excluded.limit_a, limit_b = excluded.limit_b,"
                    " limit_c = excluded.limit_c,"
                    " file_condition = excluded.file_condition,"
                    " close_condition = excluded.close_condition",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, c->code);
    db_bind_text(st, 2, c->parent[0] ? c->parent : NULL);
    db_bind_text(st, 3, c->name);
    db_bind_text(st, 4, name_en);
    db_bind_text(st, 5, c->unit_code[0] ? c->unit_code : NULL);
    db_bind_text(st, 6, c->level[0] ? c->level : "general");
    db_bind_text(st, 7, c->limit_unit ? unit : NULL);
    for (i = 0; i < 3; i++) {
        if (c->limit_unit)
            db_bind_int(st, 8 + i, c->limit[i]);
    }
    db_bind_text(st, 11, file_cond);
    db_bind_text(st, 12, close_cond);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

json_t *
store_category_tree(struct db *db)
{
    json_t *arr = json_array(), *big = NULL;
    struct db_stmt *st;

    /* Big classes sort before their small classes because a small class
     * code starts with its parent's code. */
    if (db_prepare(db,
                   "SELECT code, parent, name, name_en, unit_code, level,"
                   " limit_unit, limit_a, limit_b, limit_c, file_condition,"
                   " close_condition FROM categories ORDER BY code",
                   &st) != CG_OK)
        return arr;
    while (db_step(st) == DB_ROW) {
        if (db_col_null(st, 1)) {
            big = json_pack("{s:s, s:s, s:s?, s:[]}", "code",
                            db_col_text(st, 0), "name", db_col_text(st, 2),
                            "name_en", db_col_text(st, 3), "children");
            json_array_append_new(arr, big);
            continue;
        }
        if (!big)
            continue;
        json_array_append_new(
            json_object_get(big, "children"),
            json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:{s:s?, s:I, s:I, s:I},"
                      " s:s?, s:s?}",
                      "code", db_col_text(st, 0), "name", db_col_text(st, 2),
                      "name_en", db_col_text(st, 3), "unit", db_col_text(st, 4),
                      "level", db_col_text(st, 5), "deadline", "unit",
                      db_col_null(st, 6)                   ? NULL
                      : db_col_text(st, 6)[0] != 'h'       ? "working_days"
                      : hours_by_clock(db_col_text(st, 5)) ? "clock_hours"
                                                           : "working_hours",
                      "A", (json_int_t)db_col_int(st, 7), "B",
                      (json_int_t)db_col_int(st, 8), "C",
                      (json_int_t)db_col_int(st, 9), "file_condition",
                      db_col_text(st, 10), "close_condition",
                      db_col_text(st, 11)));
    }
    db_finalize(st);
    return arr;
}
