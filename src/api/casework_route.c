/*
 * casework_route.c - where a new case goes and how long it may take: the
 * routing plan (rule, else the category's department, else the
 * territorial office), the level the text gives it, and the deadline
 * counted from the catalogue, the grid grade and the level's limit.
 */
#include <string.h>

#include "api/casework.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

static enum case_level category_level(const struct category *k);
static int64_t limit_add(struct app *a, int64_t from,
                         const struct level_limit *l);

/* The deadline of a case reported at `from`: the category's limit for the
 * area's grid grade, in working time; five working days if it has none. */
int64_t
casework_deadline(struct app *a, const struct category *k,
                  const struct area *area, int64_t from)
{
    char grade = store_area_grade(store_db(a->store), area);
    int idx = grade == 'A' ? 0 : grade == 'C' ? 2 : 1;

    if (!k->limit_unit || k->limit[idx] <= 0)
        return calendar_add(a->cal, from, 5, LIMIT_DAYS);
    /* A gas leak does not wait for Monday, nor a flat without water:
     * emergencies and outages count their hours day and night. */
    if (k->limit_unit == 'h' && level_counts_clock(category_level(k)))
        return from + (int64_t)k->limit[idx] * 3600;
    return calendar_add(a->cal, from, k->limit[idx],
                        k->limit_unit == 'h' ? LIMIT_HOURS : LIMIT_DAYS);
}

static enum case_level
category_level(const struct category *k)
{
    enum case_level l = LEVEL_GENERAL;

    level_parse(k->level, &l);
    return l;
}

static int64_t
limit_add(struct app *a, int64_t from, const struct level_limit *l)
{
    switch (l->unit) {
    case LEVEL_CLOCK_HOURS:
        return from + (int64_t)l->amount * 3600;
    case LEVEL_WORK_HOURS:
        return calendar_add(a->cal, from, l->amount, LIMIT_HOURS);
    default:
        return calendar_add(a->cal, from, l->amount, LIMIT_DAYS);
    }
}

void
casework_level_limit(struct app *a, enum case_level level,
                     struct level_limit *out)
{
    char v[32];

    level_default_limit(level, out);
    if (store_level_deadline(store_db(a->store), level_name(level), v,
                             sizeof(v)) == CG_OK &&
        level_limit_parse(v, out) != CG_OK)
        log_warn("msg=\"deadline setting ignored, default used\""
                 " key=deadline.%s value=\"%.16s\"",
                 level_name(level), v);
}

/* A level raised by the text shortens the deadline, but never lengthens
 * it: a category may promise faster than its level's limit. */
int64_t
casework_deadline_at(struct app *a, const struct category *k,
                     const struct area *area, enum case_level level,
                     int64_t from)
{
    int64_t due = casework_deadline(a, k, area, from), mine;
    struct level_limit lim;

    if (level >= category_level(k))
        return due;
    casework_level_limit(a, level, &lim);
    mine = limit_add(a, from, &lim);
    return mine < due ? mine : due;
}

void
casework_level(const struct category *k, const char *title,
               const char *description, struct level_decision *out)
{
    char name[NAME_LEN + 24];

    str_fmt(name, sizeof(name), "%s %s", k->code, k->name);
    level_decide(category_level(k), name, title, description, out);
}

void
casework_rule_text(const struct routing_rule *r, char *out, size_t outlen)
{
    char cat[NAME_LEN + 24], grade[32] = "";

    if (r->category[0])
        str_fmt(cat, sizeof(cat), "%s %s", r->category, r->category_name);
    else
        str_copy(cat, sizeof(cat), "任何类别");
    if (r->grade)
        str_fmt(grade, sizeof(grade), "（%c类网格）", r->grade);
    str_fmt(out, outlen, "%s 在 %s%s", cat,
            r->area_code[0] ? r->area_name : "任何地区", grade);
    str_utf8_clean(out);
}

int
casework_route_plan(struct app *a, const struct category *k,
                    const struct area *area, struct cw_route *out)
{
    struct db *db = store_db(a->store);
    char rule[NAME_LEN * 2 + 64];
    int rc;

    memset(out, 0, sizeof(*out));
    out->grade = store_area_grade(db, area);
    rc = store_routing_match(db, k->code, k->parent, area, out->grade,
                             out->rules, ROUTING_MAX_MATCH, &out->nrules);
    if (rc != CG_OK)
        return rc;
    if (out->nrules > 0 &&
        store_unit_get(db, out->rules[0].unit_id, &out->unit) == CG_OK) {
        out->by = CW_BY_RULE;
        casework_rule_text(&out->rules[0], rule, sizeof(rule));
        str_fmt(out->why, sizeof(out->why), "规则 #%lld：%s → %s",
                (long long)out->rules[0].id, rule, out->unit.name);
    } else if (k->unit_code[0] &&
               store_unit_by_code(db, k->unit_code, &out->unit) == CG_OK) {
        out->by = CW_BY_CATEGORY;
        str_fmt(out->why, sizeof(out->why), "无适用规则；%s %s 由%s负责处置",
                k->code, k->name, out->unit.name);
    } else {
        /* The last resort, so that no case is left without an owner. */
        rc = store_unit_territorial(db, area, &out->unit);
        if (rc != CG_OK)
            return rc;
        out->by = CW_BY_TERRITORY;
        str_fmt(out->why, sizeof(out->why),
                "无适用规则；%s %s 无专业部门负责，"
                "由属地单位%s兜底（%s）",
                k->code, k->name, out->unit.name, area->name);
    }
    str_utf8_clean(out->why);
    return CG_OK;
}

int
casework_route(struct app *a, const char *category, const struct area *area,
               struct unit *unit, char *why, size_t whylen)
{
    struct cw_route plan;
    struct category k;
    int rc;

    rc = store_category_get(store_db(a->store), category, &k);
    if (rc != CG_OK)
        return rc;
    if ((rc = casework_route_plan(a, &k, area, &plan)) != CG_OK)
        return rc;
    *unit = plan.unit;
    str_copy(why, whylen, plan.why);
    str_utf8_clean(why);
    return CG_OK;
}
