/*
 * routing.c - the routing table as administrators edit it, and the dry run
 * that tells staff where a case would go, how urgent it would be, by when
 * it would be due, and why.
 *
 * Only administrators edit rules (PERM_AREAS_EDIT), and only inside their
 * scope: a rule bound to an area needs the area in scope; a rule for
 * anywhere needs an administrator of a whole city, because it reaches
 * every district.
 */
#include <string.h>

#include "api/api.h"
#include "api/app.h"
#include "api/casework.h"
#include "api/validate.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

static json_t *rule_json(const struct routing_rule *r);
static json_t *specificity_json(const struct routing_rule *r);
static bool may_edit(const struct principal *p, const char *area_path,
                     const char **why);
static int dry_run_area(struct http_req *r, struct area *area);
static json_t *deadline_json(struct app *a, const struct category *k,
                             const struct area *area, char grade,
                             const struct level_decision *lv);

/* The order in which rules compete, for the dry run's answer. */
static const char order_text[] =
    "类别精确匹配优先于大类，大类优先于任何类别；同一类别层次下，"
    "区域更深者优先（任何地区最后）；再同则指定网格等级者优先。"
    "无适用规则时由类别的主管部门处置，再无则由所在区域的属地单位兜底。";

static const char *const by_names[] = {
    [CW_BY_RULE] = "rule",
    [CW_BY_CATEGORY] = "category",
    [CW_BY_TERRITORY] = "territorial",
};

static json_t *
rule_json(const struct routing_rule *r)
{
    char g[2] = {r->grade, 0};

    return json_pack(
        "{s:I, s:o, s:o, s:s?, s:{s:s, s:s}}", "id", (json_int_t)r->id,
        "category",
        r->category[0] ? json_pack("{s:s, s:s}", "code", r->category, "name",
                                   r->category_name)
                       : json_null(),
        "area",
        r->area_code[0] ? json_pack("{s:s, s:s}", "code", r->area_code, "name",
                                    r->area_name)
                        : json_null(),
        "grade", r->grade ? g : NULL, "unit", "code", r->unit_code, "name",
        r->unit_name);
}

/* Each part of a rule's specificity, in the order they are compared. */
static json_t *
specificity_json(const struct routing_rule *r)
{
    const char *cat = !r->category[0]           ? "any"
                      : strlen(r->category) > 2 ? "small_class"
                                                : "big_class";
    char g[2] = {r->grade, 0};

    return json_pack("{s:s, s:s, s:s}", "category", cat, "area",
                     r->area_level < 0 ? "anywhere"
                                       : area_level_name(r->area_level),
                     "grade", r->grade ? g : "any");
}

static bool
may_edit(const struct principal *p, const char *area_path, const char **why)
{
    const char *s;
    int slashes = 0;

    if (!perm_allow(p, PERM_AREAS_EDIT, p->area_path, why))
        return false;
    if (area_path)
        return perm_allow(p, PERM_AREAS_EDIT, area_path, why);
    for (s = p->area_path; s && *s; s++)
        slashes += *s == '/';
    if (slashes == 2)
        return true; /* "/150100/": the scope is a root of the tree */
    *why = "a rule for anywhere reaches every district: only an "
           "administrator of the whole city may change it; bind the rule "
           "to an area in your scope";
    return false;
}

int
api_routing_rules_list(struct http_req *r)
{
    struct principal p;
    const char *why = "", *path;
    json_t *items, *it, *area;
    size_t i;

    api_principal(r, &p);
    if (!perm_allow(&p, PERM_AREAS_EDIT, p.area_path, &why))
        return http_error(r, 403, "forbidden", "%s", why);
    items = store_routing_list(api_db(r), p.area_path);
    json_array_foreach(items, i, it)
    {
        area = json_object_get(it, "area");
        path = json_string_value(json_object_get(area, "path"));
        json_object_set_new(it, "editable",
                            json_boolean(may_edit(&p, path, &why)));
        if (json_is_object(area))
            json_object_del(area, "path");
    }
    return http_json(
        r, 200, json_pack("{s:o, s:s}", "items", items, "order", order_text));
}

int
api_routing_rules_create(struct http_req *r)
{
    static const struct field fields[] = {
        {"category", F_STRING, false, 1, 15}, {"area", F_STRING, false, 1, 23},
        {"grade", F_STRING, false, 1, 1},     {"unit", F_STRING, true, 1, 47},
        {"note", F_STRING, false, 1, 200},    FIELDS_END,
    };
    struct db *db = api_db(r);
    const char *cat = NULL, *area_code = NULL, *grade = NULL, *why = "";
    struct routing_rule rule;
    struct principal p;
    struct category k;
    struct area area;
    struct unit unit;
    int64_t id = 0;
    int rc;

    /* Who may ask comes before what is asked: a dispatcher learns
     * nothing about the catalogue from a refused rule. */
    api_principal(r, &p);
    if (!perm_allow(&p, PERM_AREAS_EDIT, p.area_path, &why))
        return http_error(r, 403, "forbidden", "%s", why);
    if ((rc = validate_body(r, r->json, fields)) != CG_OK)
        return rc;
    memset(&rule, 0, sizeof(rule));
    if ((cat = body_str(r->json, "category"))) {
        if (store_category_get(db, cat, &k) != CG_OK)
            return http_error(r, 422, "unknown_category",
                              "there is no category %.16s; give a small "
                              "class (06010) or a big class (06), see GET "
                              "/api/v1/categories",
                              cat);
        str_copy(rule.category, sizeof(rule.category), k.code);
    }
    if ((area_code = body_str(r->json, "area"))) {
        if (store_area_get(db, area_code, &area) != CG_OK)
            return http_error(r, 422, "unknown_area", "there is no area %.24s",
                              area_code);
        str_copy(rule.area_code, sizeof(rule.area_code), area.code);
    }
    if ((grade = body_str(r->json, "grade"))) {
        if (strcmp(grade, "A") != 0 && strcmp(grade, "B") != 0 &&
            strcmp(grade, "C") != 0)
            return http_error(r, 422, "invalid_field",
                              "grade must be A, B or C (or left out for any "
                              "grade)");
        rule.grade = grade[0];
    }
    if (store_unit_by_code(db, body_str(r->json, "unit"), &unit) != CG_OK)
        return http_error(r, 422, "unknown_unit",
                          "there is no unit %.48s; see GET /api/v1/units",
                          body_str(r->json, "unit"));
    rule.unit_id = unit.id;
    if (!cat && !area_code)
        return http_error(r, 422, "too_broad",
                          "a rule needs a category or an area (or both): a "
                          "rule for every case everywhere would take every "
                          "case from its department");
    if (!may_edit(&p, area_code ? area.path : NULL, &why))
        return http_error(r, 403, "forbidden", "%s", why);
    rc =
        store_routing_add(db, &rule, body_str(r->json, "note"), p.user_id, &id);
    if (rc == CG_ECONFLICT)
        return http_error(r, 409, "duplicate_rule",
                          "rule #%lld already covers this category, area "
                          "and grade; change its unit instead (PATCH "
                          "/api/v1/routing-rules/%lld)",
                          (long long)id, (long long)id);
    if (rc != CG_OK || store_routing_get(db, id, &rule) != CG_OK)
        return http_error(r, 503, "unavailable",
                          "the rule was not stored; try again");
    return http_json(r, 201, rule_json(&rule));
}

/* The unit a rule sends its cases to is what changes as departments are
 * reorganised; what the rule covers (category, area, grade) is its
 * identity, and a rule that should cover something else is a new rule. */
int
api_routing_rules_update(struct http_req *r)
{
    static const struct field fields[] = {
        {"unit", F_STRING, true, 1, 47},
        {"note", F_STRING, false, 1, 200},
        FIELDS_END,
    };
    struct db *db = api_db(r);
    struct routing_rule rule;
    struct principal p;
    struct unit unit;
    const char *why = "";
    int rc;

    api_principal(r, &p);
    if (!perm_allow(&p, PERM_AREAS_EDIT, p.area_path, &why))
        return http_error(r, 403, "forbidden", "%s", why);
    if ((rc = validate_body(r, r->json, fields)) != CG_OK)
        return rc;
    if (store_routing_get(db, r->id, &rule) != CG_OK)
        return http_error(r, 404, "not_found", "there is no rule %lld",
                          (long long)r->id);
    if (!may_edit(&p, rule.area_code[0] ? rule.area_path : NULL, &why))
        return http_error(r, 403, "forbidden", "%s", why);
    if (store_unit_by_code(db, body_str(r->json, "unit"), &unit) != CG_OK)
        return http_error(r, 422, "unknown_unit",
                          "there is no unit %.48s; see GET /api/v1/units",
                          body_str(r->json, "unit"));
    rc = store_routing_set_unit(db, r->id, unit.id, body_str(r->json, "note"));
    if (rc == CG_ENOTFOUND)
        return http_error(r, 404, "not_found", "there is no rule %lld",
                          (long long)r->id);
    if (rc != CG_OK || store_routing_get(db, r->id, &rule) != CG_OK)
        return http_error(r, 503, "unavailable",
                          "the rule was not changed; try again");
    log_info("msg=\"routing rule changed\" rule=%lld unit=%s by=%lld",
             (long long)r->id, unit.code, (long long)p.user_id);
    return http_json(r, 200, rule_json(&rule));
}

int
api_routing_rules_delete(struct http_req *r)
{
    struct routing_rule rule;
    struct principal p;
    const char *why = "";
    int rc;

    api_principal(r, &p);
    if (!perm_allow(&p, PERM_AREAS_EDIT, p.area_path, &why))
        return http_error(r, 403, "forbidden", "%s", why);
    if (store_routing_get(api_db(r), r->id, &rule) != CG_OK)
        return http_error(r, 404, "not_found", "there is no rule %lld",
                          (long long)r->id);
    if (!may_edit(&p, rule.area_code[0] ? rule.area_path : NULL, &why))
        return http_error(r, 403, "forbidden", "%s", why);
    rc = store_routing_delete(api_db(r), r->id);
    if (rc == CG_ENOTFOUND)
        return http_error(r, 404, "not_found", "there is no rule %lld",
                          (long long)r->id);
    if (rc != CG_OK)
        return http_error(r, 503, "unavailable",
                          "the rule was not deleted; try again");
    return http_json(
        r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)r->id, "deleted", 1));
}

/* The area of a dry run: ?area=CODE, or the deepest area around
 * ?lon=&lat= (WGS-84). */
static int
dry_run_area(struct http_req *r, struct area *area)
{
    const char *code = http_query(r, "area");
    const char *slon = http_query(r, "lon"), *slat = http_query(r, "lat");
    char found[CODE_LEN];
    double lon, lat;

    if (!code) {
        if (!slon || !slat || str_to_double(slon, &lon) != CG_OK ||
            str_to_double(slat, &lat) != CG_OK || lon < -180 || lon > 180 ||
            lat < -90 || lat > 90)
            return http_error(r, 400, "invalid_query",
                              "give area=CODE, or lon and lat as numbers "
                              "(WGS-84)");
        if (app_locate(api_app(r), lon, lat, found, sizeof(found)) != CG_OK)
            return http_error(r, 404, "outside_area",
                              "the point is outside every area this "
                              "platform serves");
        code = found;
    }
    if (store_area_get(api_db(r), code, area) != CG_OK)
        return http_error(r, 404, "not_found", "there is no area %.24s", code);
    return CG_OK;
}

/* When a case reported now would be due, and by which limit. */
static json_t *
deadline_json(struct app *a, const struct category *k, const struct area *area,
              char grade, const struct level_decision *lv)
{
    int idx = grade == 'A' ? 0 : grade == 'C' ? 2 : 1;
    int64_t now = cgtime_now(), due, by_category;
    char when[CGTIME_LEN], limit[96], text[256];
    struct level_limit lim;

    by_category = casework_deadline(a, k, area, now);
    due = casework_deadline_at(a, k, area, lv->level, now);
    if (due < by_category) {
        casework_level_limit(a, lv->level, &lim);
        level_limit_format(&lim, limit, sizeof(limit));
        str_fmt(text, sizeof(text), "%s等级时限 %s，早于类别时限",
                level_label(lv->level), limit);
    } else if (k->limit_unit && k->limit[idx] > 0) {
        str_fmt(text, sizeof(text), "类别时限：%c类网格 %d 个%s", grade,
                k->limit[idx],
                k->limit_unit == 'd'                 ? "工作日"
                : strcmp(k->level, "emergency") == 0 ? "小时（自然时）"
                                                     : "工作小时");
    } else {
        str_copy(text, sizeof(text), "类别未定时限：5 个工作日");
    }
    cgtime_display(due, when);
    return json_pack("{s:s, s:s}", "due_at_if_reported_now", when, "rule",
                     text);
}

int
api_routing_dry_run(struct http_req *r)
{
    const char *code = http_query(r, "category");
    const char *text = http_query(r, "text");
    struct app *a = api_app(r);
    struct level_decision lv;
    struct principal p;
    struct category k;
    struct cw_route plan;
    struct area area;
    json_t *rules, *o;
    size_t i;
    int rc;

    api_principal(r, &p);
    if (p.role == ROLE_RESIDENT)
        return http_error(r, 403, "forbidden",
                          "the dry run is for staff; a resident sees where "
                          "their case went on the case itself");
    if (!code)
        return http_error(r, 400, "invalid_query",
                          "give category=CODE (a small class)");
    if (store_category_get(api_db(r), code, &k) != CG_OK || !k.parent[0])
        return http_error(r, 422, "unknown_category",
                          "there is no small class %.16s; see GET "
                          "/api/v1/categories",
                          code);
    if ((rc = dry_run_area(r, &area)) != CG_OK)
        return rc;
    if (casework_route_plan(a, &k, &area, &plan) != CG_OK)
        return http_error(r, 422, "no_owner",
                          "no unit owns %s in %s: add a territorial unit for "
                          "the area",
                          k.name, area.name);
    casework_level(&k, NULL, text, &lv);

    rules = json_array();
    for (i = 0; i < plan.nrules; i++) {
        char desc[NAME_LEN * 2 + 64];
        json_t *rj = rule_json(&plan.rules[i]);

        casework_rule_text(&plan.rules[i], desc, sizeof(desc));
        json_object_set_new(rj, "text", json_string(desc));
        json_object_set_new(rj, "specificity",
                            specificity_json(&plan.rules[i]));
        json_object_set_new(rj, "won",
                            json_boolean(i == 0 && plan.by == CW_BY_RULE));
        json_array_append_new(rules, rj);
    }
    o = json_pack(
        "{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s#}, s:o,"
        " s:{s:s, s:s, s:b, s:s}, s:o, s:{s:s, s:s, s:s}, s:s, s:s, s:o,"
        " s:s}",
        "category", "code", k.code, "name", k.name, "level", k.level, "area",
        "code", area.code, "name", area.name, "grade", &plan.grade, (size_t)1,
        "path", store_area_chain(api_db(r), area.code), "level", "level",
        level_name(lv.level), "label", level_label(lv.level), "from_text",
        lv.from_text, "reason", lv.reason, "deadline",
        deadline_json(a, &k, &area, plan.grade, &lv), "unit", "code",
        plan.unit.code, "name", plan.unit.name, "kind", plan.unit.kind, "by",
        by_names[plan.by], "reason", plan.why, "rules", rules, "order",
        order_text);
    if (!o)
        return http_error(r, 500, "internal", "the answer could not be built");
    return http_json(r, 200, o);
}
