/*
 * stats.c - the figures, each with its formula, for an area, a category, a
 * unit and a period, as they stood at any moment.
 */
#include <string.h>

#include "api/api.h"
#include "api/app.h"
#include "api/validate.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "core/metrics.h"

struct group_ctx {
    struct http_req *r;
    const char *by;
    json_t *rows;
};

static json_t *figures_json(const struct metric_counts *c, json_t *top);
static int add_group(const char *key, const struct metric_counts *c, void *ctx);
static int add_total(const char *key, const struct metric_counts *c, void *ctx);

/* The figures as a list of {key, label, value, formula, ...}; when top is
 * given each value is also set there under its key. */
static json_t *
figures_json(const struct metric_counts *c, json_t *top)
{
    struct metric m[METRICS_MAX];
    size_t n = metrics_compute(c, m), i;
    json_t *arr = json_array();
    char pct[16];

    for (i = 0; i < n; i++) {
        json_t *v = !m[i].has_value ? json_null()
                    : m[i].is_rate || strcmp(m[i].key, "avg_close_hours") == 0
                        ? json_real(m[i].value)
                        : json_integer((json_int_t)m[i].value);
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "key", m[i].key,
                              "label_zh", m[i].label_zh, "label_en",
                              m[i].label_en, "formula", m[i].formula,
                              "formula_zh", m[i].formula_zh, "value", v);
        if (m[i].is_rate) {
            json_object_set_new(o, "numerator", json_integer(m[i].num));
            json_object_set_new(o, "denominator", json_integer(m[i].den));
            if (m[i].has_value) {
                metrics_percent(m[i].value, pct, sizeof(pct));
                json_object_set_new(o, "percent", json_string(pct));
            }
        }
        if (top)
            json_object_set(top, m[i].key, v);
        json_decref(v);
        json_array_append_new(arr, o);
    }
    return arr;
}

static int
add_total(const char *key, const struct metric_counts *c, void *ctx)
{
    json_t *top = ctx;

    (void)key;
    json_object_set_new(top, "figures", figures_json(c, top));
    return CG_OK;
}

static int
add_group(const char *key, const struct metric_counts *c, void *ctx)
{
    struct group_ctx *g = ctx;
    struct db *db = api_db(g->r);
    char name[NAME_LEN] = "";
    json_t *row = json_object();
    struct area a;
    struct category k;
    struct unit u;
    int64_t id;

    if (strcmp(g->by, "area") == 0 && store_area_get(db, key, &a) == CG_OK)
        str_copy(name, sizeof(name), a.name);
    else if (strcmp(g->by, "category") == 0 &&
             store_category_get(db, key, &k) == CG_OK)
        str_copy(name, sizeof(name), k.name);
    else if (strcmp(g->by, "unit") == 0 &&
             str_to_i64(key, 0, INT64_MAX, &id) == CG_OK &&
             store_unit_get(db, id, &u) == CG_OK)
        str_copy(name, sizeof(name), u.name);
    json_object_set_new(row, "key", json_string(key));
    json_object_set_new(row, "name", json_string(name[0] ? name : key));
    json_object_set_new(row, "figures", figures_json(c, row));
    json_array_append_new(g->rows, row);
    return CG_OK;
}

int
api_stats(struct http_req *r)
{
    struct stats_query q;
    struct principal p;
    struct area area;
    struct group_ctx g;
    const char *s, *by = http_query(r, "by"), *why = "";
    char path[PATH_LEN] = "", when[CGTIME_LEN];
    json_t *top;
    int64_t v;
    int rc;

    memset(&q, 0, sizeof(q));
    api_principal(r, &p);
    q.as_of = cgtime_now();
    if ((rc = api_query_time(r, "as_of", &q.as_of)) != CG_OK ||
        (rc = api_query_time(r, "from", &q.from)) != CG_OK ||
        (rc = api_query_time(r, "to", &q.to)) != CG_OK)
        return rc;
    if ((s = http_query(r, "area"))) {
        if (store_area_get(api_db(r), s, &area) != CG_OK)
            return http_error(r, 404, "not_found", "there is no area %.24s", s);
        str_copy(path, sizeof(path), area.path);
    } else if (p.role != ROLE_RESIDENT && p.role != ROLE_UNIT && p.area_path) {
        /* Staff see their territory; a unit sees its own cases, wherever
         * they were sent from. */
        str_copy(path, sizeof(path), p.area_path);
    }
    if (p.role == ROLE_UNIT) {
        /* A unit's figures are those of its own cases. */
        q.unit_id = p.unit_id;
    } else if (!perm_allow(&p, PERM_STATS, path[0] ? path : "/", &why)) {
        return http_error(r, 403, "forbidden", "%s", why);
    }
    q.area_path = path[0] ? path : NULL;
    q.category = http_query(r, "category");
    /* A unit by its id, or by its code as a step names it. */
    if ((s = http_query(r, "unit")) && p.role != ROLE_UNIT) {
        struct unit u;
        if (str_to_i64(s, 1, INT64_MAX, &v) == CG_OK &&
            store_unit_get(api_db(r), v, &u) == CG_OK)
            q.unit_id = u.id;
        else if (store_unit_by_code(api_db(r), s, &u) == CG_OK)
            q.unit_id = u.id;
        else
            return http_error(r, 404, "not_found",
                              "there is no unit %.64s (give its id or code)",
                              s);
    }
    if (by && strcmp(by, "area") != 0 && strcmp(by, "category") != 0 &&
        strcmp(by, "unit") != 0)
        return http_error(r, 400, "invalid_query",
                          "by must be 'area', 'category' or 'unit'");
    top = json_object();
    cgtime_display(q.as_of, when);
    json_object_set_new(top, "as_of", json_string(when));
    json_object_set_new(
        top, "filters",
        json_pack("{s:s?, s:s?, s:o}", "area", http_query(r, "area"),
                  "category", q.category, "unit",
                  q.unit_id ? json_integer(q.unit_id) : json_null()));
    rc = store_stats(api_db(r), &q, NULL, add_total, top);
    if (rc == CG_OK && by) {
        g.r = r;
        g.by = by;
        g.rows = json_array();
        rc = store_stats(api_db(r), &q, by, add_group, &g);
        json_object_set_new(top, "by", json_string(by));
        json_object_set_new(top, "groups", g.rows);
    }
    if (rc != CG_OK) {
        json_decref(top);
        return http_error(r, 503, "unavailable",
                          "the figures could not be computed; try again");
    }
    return http_json(r, 200, top);
}
