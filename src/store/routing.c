/*
 * routing.c - the routing table (which unit handles a category in an area
 * subtree on a grid grade) and the deadline settings of the levels.
 */
#include <string.h>

#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "core/route.h"
#include "store/store.h"

static void rule_from_row(struct db_stmt *st, struct routing_rule *r);
static void rule_view(const struct routing_rule *r, struct route_rule *v);
static void rules_rank(struct routing_rule *rules, size_t n,
                       const struct route_query *q);

/* Columns read by rule_from_row, in its order. */
#define RULE_COLS                                                              \
    "r.id, r.category, k.name, r.area_code, a.name, a.path, a.level,"          \
    " r.grade, r.unit_id, u.code, u.name"
#define RULE_FROM                                                              \
    " FROM routing_rules r JOIN units u ON u.id = r.unit_id"                   \
    " LEFT JOIN categories k ON k.code = r.category"                           \
    " LEFT JOIN areas a ON a.code = r.area_code"

static void
rule_from_row(struct db_stmt *st, struct routing_rule *r)
{
    const char *g;

    memset(r, 0, sizeof(*r));
    r->id = db_col_int(st, 0);
    if (!db_col_null(st, 1))
        str_copy(r->category, sizeof(r->category), db_col_text(st, 1));
    if (!db_col_null(st, 2))
        str_copy(r->category_name, sizeof(r->category_name),
                 db_col_text(st, 2));
    if (!db_col_null(st, 3))
        str_copy(r->area_code, sizeof(r->area_code), db_col_text(st, 3));
    if (!db_col_null(st, 4))
        str_copy(r->area_name, sizeof(r->area_name), db_col_text(st, 4));
    if (!db_col_null(st, 5))
        str_copy(r->area_path, sizeof(r->area_path), db_col_text(st, 5));
    r->area_level = db_col_null(st, 6) ? -1 : (int)db_col_int(st, 6);
    g = db_col_text(st, 7);
    r->grade = g ? g[0] : 0;
    r->unit_id = db_col_int(st, 8);
    str_copy(r->unit_code, sizeof(r->unit_code), db_col_text(st, 9));
    str_copy(r->unit_name, sizeof(r->unit_name), db_col_text(st, 10));
}

/* Rule r as the routing decision sees it; v borrows r's strings. */
static void
rule_view(const struct routing_rule *r, struct route_rule *v)
{
    v->id = r->id;
    v->category = r->category;
    v->area_path = r->area_path;
    v->grade = r->grade;
    v->unit_id = r->unit_id;
}

/* Orders rules[0 .. n), all applicable to q, most specific first: each
 * place goes to route_pick's choice among the rules not yet placed.  n is
 * at most ROUTING_MAX_MATCH. */
static void
rules_rank(struct routing_rule *rules, size_t n, const struct route_query *q)
{
    struct route_rule v[ROUTING_MAX_MATCH];
    struct routing_rule t;
    size_t i;
    long w;

    for (i = 0; i < n; i++)
        rule_view(&rules[i], &v[i]);
    for (i = 0; i + 1 < n; i++) {
        w = route_pick(&v[i], n - i, q, NULL);
        if (w <= 0)
            continue;
        t = rules[i];
        rules[i] = rules[i + (size_t)w];
        rules[i + (size_t)w] = t;
        /* The views borrow the strings of the places they were made for. */
        rule_view(&rules[i], &v[i]);
        rule_view(&rules[i + (size_t)w], &v[i + (size_t)w]);
    }
}

int
store_routing_match(struct db *db, const char *small, const char *big,
                    const struct area *a, char grade, struct routing_rule *out,
                    size_t max, size_t *n)
{
    struct route_query q = {small, big, a->path, grade};
    struct route_rule v, pair[2];
    struct routing_rule r;
    struct db_stmt *st;
    int rc;

    /* The candidates are the rules for the case's area, an area above it
     * or anywhere; which of them apply and which wins is route_pick's. */
    rc = db_prepare(db,
                    "SELECT " RULE_COLS RULE_FROM " WHERE r.area_code IS NULL"
                    " OR substr(?, 1, length(a.path)) = a.path"
                    " ORDER BY r.id",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, a->path);
    if (max > ROUTING_MAX_MATCH)
        max = ROUTING_MAX_MATCH;
    *n = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        rule_from_row(st, &r);
        rule_view(&r, &v);
        if (!route_applies(&v, &q))
            continue;
        if (*n < max) {
            out[(*n)++] = r;
            continue;
        }
        /* Full, which the table's key rules out for ROUTING_MAX_MATCH:
         * keep the most specific, as a caller with a short list expects. */
        if (max == 0)
            continue;
        rules_rank(out, *n, &q);
        rule_view(&out[max - 1], &pair[0]);
        pair[1] = v;
        if (route_pick(pair, 2, &q, NULL) == 1)
            out[max - 1] = r;
    }
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    rules_rank(out, *n, &q);
    return CG_OK;
}

int
store_routing_get(struct db *db, int64_t id, struct routing_rule *out)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db, "SELECT " RULE_COLS RULE_FROM " WHERE r.id = ?", &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, id);
    rc = db_step(st);
    if (rc == DB_ROW)
        rule_from_row(st, out);
    db_finalize(st);
    return rc == DB_ROW ? CG_OK : rc == DB_DONE ? CG_ENOTFOUND : rc;
}

int
store_routing_add(struct db *db, const struct routing_rule *r, const char *note,
                  int64_t created_by, int64_t *id)
{
    char g[2] = {r->grade, 0};
    struct db_stmt *st;
    int64_t have = 0;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO routing_rules (category, area_code, grade,"
                    " unit_id, note, created_by, created_at)"
                    " VALUES (?,?,?,?,?,?,?)",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, r->category[0] ? r->category : NULL);
    db_bind_text(st, 2, r->area_code[0] ? r->area_code : NULL);
    db_bind_text(st, 3, r->grade ? g : NULL);
    db_bind_int(st, 4, r->unit_id);
    db_bind_text(st, 5, note);
    if (created_by)
        db_bind_int(st, 6, created_by);
    db_bind_int(st, 7, cgtime_now());
    rc = db_step(st);
    db_finalize(st);
    if (rc == DB_DONE) {
        *id = db_last_id(db);
        return CG_OK;
    }
    if (rc != CG_ECONFLICT)
        return rc;
    /* Name the rule that is in the way, so the caller can point at it. */
    if (db_scalar_int(db, 0, &have,
                      "SELECT id FROM routing_rules"
                      " WHERE COALESCE(category, '') = ?"
                      " AND COALESCE(area_code, '') = ?"
                      " AND COALESCE(grade, '') = ?",
                      r->category, r->area_code, g,
                      (const char *)NULL) == CG_OK)
        *id = have;
    return CG_ECONFLICT;
}

int
store_routing_set_unit(struct db *db, int64_t id, int64_t unit_id,
                       const char *note)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "UPDATE routing_rules SET unit_id = ?,"
                    " note = COALESCE(?, note) WHERE id = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, unit_id);
    db_bind_text(st, 2, note);
    db_bind_int(st, 3, id);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    return db_changes(db) > 0 ? CG_OK : CG_ENOTFOUND;
}

int
store_routing_delete(struct db *db, int64_t id)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db, "DELETE FROM routing_rules WHERE id = ?", &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, id);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    return db_changes(db) > 0 ? CG_OK : CG_ENOTFOUND;
}

json_t *
store_routing_list(struct db *db, const char *scope_path)
{
    json_t *arr = json_array();
    struct routing_rule r;
    struct db_stmt *st;
    char when[CGTIME_LEN];
    const char *scope = scope_path ? scope_path : "";

    if (db_prepare(db,
                   "SELECT " RULE_COLS ", r.note, r.created_at" RULE_FROM
                   " WHERE r.area_code IS NULL"
                   " OR substr(a.path, 1, length(?)) = ?"
                   " OR substr(?, 1, length(a.path)) = a.path"
                   " ORDER BY r.id",
                   &st) != CG_OK)
        return arr;
    db_bind_text(st, 1, scope);
    db_bind_text(st, 2, scope);
    db_bind_text(st, 3, scope);
    while (db_step(st) == DB_ROW) {
        char g[2];

        rule_from_row(st, &r);
        g[0] = r.grade;
        g[1] = '\0';
        cgtime_display(db_col_int(st, 12), when);
        json_array_append_new(
            arr, json_pack(
                     "{s:I, s:o, s:o, s:s?, s:{s:s, s:s}, s:s?, s:s}", "id",
                     (json_int_t)r.id, "category",
                     r.category[0] ? json_pack("{s:s, s:s}", "code", r.category,
                                               "name", r.category_name)
                                   : json_null(),
                     "area",
                     r.area_code[0]
                         ? json_pack("{s:s, s:s, s:s}", "code", r.area_code,
                                     "name", r.area_name, "path", r.area_path)
                         : json_null(),
                     "grade", r.grade ? g : NULL, "unit", "code", r.unit_code,
                     "name", r.unit_name, "note", db_col_text(st, 11),
                     "created_at", when));
    }
    db_finalize(st);
    return arr;
}

int
store_level_deadline(struct db *db, const char *level, char *out, size_t outlen)
{
    char key[64];

    if (str_fmt(key, sizeof(key), "deadline.%s", level) != CG_OK)
        return CG_EINVAL;
    return store_setting_get(db, key, out, outlen);
}
