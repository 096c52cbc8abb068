/*
 * casework.c - the one path through which cases are reported and changed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/casework.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

static int fail(struct cw_error *err, int status, const char *code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int lc_fail(struct cw_error *err, enum lc_result r, const char *why);
static int check_photos(struct db *db, const char *const *photos, size_t n,
                        struct cw_error *err);
static int64_t limit_add(struct app *a, int64_t from,
                         const struct level_limit *l);
static enum case_level category_level(const struct category *k);
static int follow_parent(struct app *a, const struct case_row *parent,
                         const struct case_event *pe, struct cw_error *err);

static int
fail(struct cw_error *err, int status, const char *code, const char *fmt, ...)
{
    va_list ap;

    err->status = status;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return http_status_err(status);
}

static int
lc_fail(struct cw_error *err, enum lc_result r, const char *why)
{
    switch (r) {
    case LC_EUNKNOWN:
        return fail(err, 400, "unknown_action", "%s", why);
    case LC_ESTATE:
        return fail(err, 409, "invalid_transition", "%s", why);
    case LC_EROLE:
        return fail(err, 403, "forbidden", "%s", why);
    case LC_EGUARD:
        return fail(err, 403, "forbidden", "%s", why);
    case LC_EMISSING:
        return fail(err, 422, "missing_field", "%s", why);
    default:
        return fail(err, 500, "internal", "lifecycle: %s", why);
    }
}

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
    /* A gas leak or an open manhole does not wait for Monday: emergencies
     * count in clock hours, day and night. */
    if (strcmp(k->level, "emergency") == 0 && k->limit_unit == 'h')
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

static int
check_photos(struct db *db, const char *const *photos, size_t n,
             struct cw_error *err)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!store_photo_exists(db, photos[i]))
            return fail(err, 422, "unknown_photo",
                        "photo %.64s was not uploaded; upload it with POST "
                        "/api/v1/photos first",
                        photos[i]);
    return CG_OK;
}

void
casework_facts(const struct cw_actor *who, const struct case_row *c,
               struct lc_facts *f)
{
    const struct principal *p = &who->p;

    memset(f, 0, sizeof(*f));
    f->state = c->state;
    f->role = p->role;
    f->is_reporter =
        who->history || (p->user_id && p->user_id == c->reporter_id);
    /* A grid worker answers for the cases of their own grid as its unit
     * does. */
    f->is_owner_unit =
        who->history || (p->unit_id && p->unit_id == c->unit_id) ||
        (p->role == ROLE_GRID_WORKER && perm_in_scope(p, c->area_path));
    f->last_rating = c->state == ST_CLOSED ? c->rating : RATING_NONE;
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

/* Finds the area of a report: the code given, or the deepest area with
 * geometry around the point. */
static int
report_area(struct app *a, const struct cw_report *rep, struct area *area,
            double *lon, double *lat, struct cw_error *err)
{
    struct db *db = store_db(a->store);
    char code[CODE_LEN];

    if (rep->has_point) {
        if (rep->lon < -180 || rep->lon > 180 || rep->lat < -90 ||
            rep->lat > 90)
            return fail(err, 422, "invalid_location",
                        "lon must be within -180..180 and lat within "
                        "-90..90");
        *lon = rep->lon;
        *lat = rep->lat;
        if (rep->crs == GEO_GCJ02)
            geo_gcj02_to_wgs84(rep->lon, rep->lat, lon, lat);
    }
    if (rep->area_code) {
        if (store_area_get(db, rep->area_code, area) != CG_OK)
            return fail(err, 422, "unknown_area", "there is no area %.24s",
                        rep->area_code);
        return CG_OK;
    }
    if (!rep->has_point)
        return fail(err, 422, "missing_location",
                    "say where it is: a point (lon, lat) or an area code");
    if (app_locate(a, *lon, *lat, code, sizeof(code)) != CG_OK)
        return fail(err, 422, "outside_area",
                    "the point %.6f, %.6f is outside every area this "
                    "platform serves",
                    *lon, *lat);
    if (store_area_get(db, code, area) != CG_OK)
        return fail(err, 500, "internal", "area %s vanished", code);
    return CG_OK;
}

int
casework_submit(struct app *a, const struct cw_actor *who,
                const struct cw_report *rep, int64_t *id, struct cw_error *err)
{
    struct db *db = store_db(a->store);
    struct lc_facts f;
    struct category k;
    struct area area;
    struct case_new cn;
    struct case_row row;
    struct case_event ev;
    struct cw_route plan;
    struct level_decision level;
    enum case_action act = rep->self_handle ? ACT_SELF_HANDLE : ACT_SUBMIT;
    enum case_state to;
    const char *why = "";
    double lon = 0, lat = 0;
    bool own = !db_in_tx(db);
    enum lc_result lr;
    int rc;

    memset(&f, 0, sizeof(f));
    f.state = ST_NONE;
    f.role = who->p.role;
    f.is_reporter = true;
    f.has_note = rep->note && *rep->note;
    f.nphotos = (int)rep->nphotos;
    lr = lifecycle_check(&lc_complaint, act, &f, &to, &why);
    if (lr != LC_OK)
        return lc_fail(err, lr, why);
    if (store_category_get(db, rep->category, &k) != CG_OK || !k.parent[0])
        return fail(err, 422, "unknown_category",
                    "there is no small class %.16s; see GET "
                    "/api/v1/categories",
                    rep->category);
    if ((rc = report_area(a, rep, &area, &lon, &lat, err)) != CG_OK)
        return rc;
    if (!who->history && who->p.role != ROLE_RESIDENT &&
        !perm_in_scope(&who->p, area.path))
        return fail(err, 403, "forbidden",
                    "%s is outside your scope; report it to its own "
                    "office",
                    area.name);
    if ((rc = check_photos(db, rep->photos, rep->nphotos, err)) != CG_OK)
        return rc;
    if (casework_route_plan(a, &k, &area, &plan) != CG_OK)
        return fail(err, 422, "no_owner",
                    "no unit owns %s in %s: add a territorial unit for the "
                    "area",
                    k.name, area.name);
    casework_level(&k, rep->title, rep->description, &level);

    memset(&cn, 0, sizeof(cn));
    cn.ref = rep->ref;
    cn.city_code = a->city_code;
    cn.title = rep->title;
    cn.description = rep->description;
    cn.category_code = k.code;
    cn.area = &area;
    cn.has_point = rep->has_point;
    cn.lon = lon;
    cn.lat = lat;
    cn.address = rep->address;
    cn.level = level_name(level.level);
    cn.level_reason = level.reason;
    cn.channel = rep->channel;
    cn.reporter_id = who->history ? 0 : who->p.user_id;
    cn.reporter_name = rep->reporter_name;
    cn.reporter_phone = rep->reporter_phone;
    cn.reported_at = rep->reported_at ? rep->reported_at : cgtime_now();
    cn.due_at = casework_deadline_at(a, &k, &area, level.level, cn.reported_at);
    cn.unit_id = plan.unit.id;
    cn.route_reason = plan.why;

    if (own && db_begin(db) != CG_OK)
        return fail(err, 503, "busy", "the database is busy; try again");
    rc = store_case_insert(db, &cn, id);
    if (rc == CG_ECONFLICT) {
        rc = fail(err, 409, "duplicate_ref", "a case with ref %.64s exists",
                  rep->ref ? rep->ref : "");
        goto out;
    }
    if (rc == CG_OK)
        rc = store_case_get(db, *id, &row);
    if (rc == CG_OK) {
        memset(&ev, 0, sizeof(ev));
        ev.at = cn.reported_at;
        ev.actor_id = cn.reporter_id;
        ev.actor_role = who->p.role;
        ev.action = act;
        ev.from = ST_NONE;
        ev.to = to;
        ev.note = rep->note;
        ev.unit_id = plan.unit.id;
        ev.due_at = cn.due_at;
        ev.photos = rep->photos;
        ev.nphotos = rep->nphotos;
        rc = store_case_apply(db, &row, &ev, 0);
    }
    if (rc == CG_OK && rep->idem_key)
        rc = store_idem_put(db, who->p.user_id, rep->idem_key, rep->idem_fp,
                            *id, 201);
    if (rc != CG_OK) {
        if (rc == CG_ECONFLICT)
            rc = fail(err, 409, "conflict",
                      "the same request is being handled already");
        else
            rc = fail(err, 500, "internal", "the case could not be stored");
        goto out;
    }
    if (own && db_commit(db) != CG_OK)
        rc = fail(err, 500, "internal", "the case could not be stored");
out:
    if (own && rc != CG_OK)
        db_rollback(db);
    return rc;
}

/* Fills in what an action changes besides the state: the unit, the
 * deadline, the rating.  Returns CG_OK or a failure in err. */
/* Whether the actor may see case c at all. */
static bool
visible(const struct cw_actor *who, const struct case_row *c)
{
    struct case_scope scope = {c->area_path, c->reporter_id, c->unit_id};

    return who->history || perm_case_view(&who->p, &scope) != VIEW_NONE;
}

static int
effects(struct app *a, const struct cw_actor *who, const struct case_row *c,
        const struct cw_action *act, struct case_event *ev, int64_t *parent,
        struct cw_error *err)
{
    struct db *db = store_db(a->store);
    struct case_row target;
    struct category k;
    struct area area;
    struct unit u;
    enum case_level level;
    int days;

    switch (act->action) {
    case ACT_DISPATCH:
        if (act->unit_code) {
            if (store_unit_by_code(db, act->unit_code, &u) != CG_OK)
                return fail(err, 422, "unknown_unit",
                            "there is no unit %.48s; see GET "
                            "/api/v1/units",
                            act->unit_code);
            ev->unit_id = u.id;
        } else {
            ev->unit_id = c->unit_id;
        }
        break;
    case ACT_APPROVE_EXTENSION:
        days = store_case_extension_days(db, c->id);
        ev->days = days;
        ev->due_at = calendar_add(
            a->cal, c->due_at > ev->at ? c->due_at : ev->at, days, LIMIT_DAYS);
        break;
    case ACT_REOPEN:
        /* The level the case was given at intake still holds. */
        if (level_parse(c->level, &level) != CG_OK)
            level = LEVEL_GENERAL;
        if (store_category_get(db, c->category_code, &k) == CG_OK &&
            store_area_get(db, c->area_code, &area) == CG_OK)
            ev->due_at = casework_deadline_at(a, &k, &area, level, ev->at);
        break;
    case ACT_MERGE:
        if (act->target == c->id)
            return fail(err, 422, "invalid_target",
                        "a case cannot be merged into itself");
        if (store_case_get(db, act->target, &target) != CG_OK ||
            !visible(who, &target))
            return fail(err, 422, "invalid_target",
                        "there is no case %lld that you may see",
                        (long long)act->target);
        if (!case_state_is_open(target.state) || target.state == ST_SUBMITTED)
            return fail(err, 409, "invalid_target",
                        "case %lld is %s; merge into a filed, open case",
                        (long long)act->target, case_state_name(target.state));
        *parent = target.id;
        break;
    case ACT_RATE:
        ev->rating = act->rating;
        break;
    case ACT_EXTEND:
        ev->days = act->days;
        break;
    default:
        break;
    }
    return CG_OK;
}

int
casework_act(struct app *a, const struct cw_actor *who, int64_t case_id,
             const struct cw_action *act, struct cw_error *err)
{
    struct db *db = store_db(a->store);
    struct case_scope scope;
    struct case_event ev;
    struct case_row c;
    struct lc_facts f;
    enum case_state to;
    const char *why = "";
    int64_t parent = 0;
    bool own = !db_in_tx(db);
    enum lc_result lr;
    int rc;

    if ((rc = check_photos(db, act->photos, act->nphotos, err)) != CG_OK)
        return rc;
    if (own && db_begin(db) != CG_OK)
        return fail(err, 503, "busy", "the database is busy; try again");
    rc = store_case_get(db, case_id, &c);
    if (rc != CG_OK) {
        rc = rc == CG_ENOTFOUND
                 ? fail(err, 404, "not_found", "there is no case %lld",
                        (long long)case_id)
                 : fail(err, 500, "internal", "the case could not be read");
        goto out;
    }
    scope.area_path = c.area_path;
    scope.reporter_id = c.reporter_id;
    scope.unit_id = c.unit_id;
    if (!who->history &&
        !perm_case_action(&who->p, &scope, act->action, &why)) {
        rc = fail(err, 403, "forbidden", "%s", why);
        goto out;
    }
    casework_facts(who, &c, &f);
    f.has_note = act->note && *act->note;
    f.nphotos = (int)act->nphotos;
    /* History from another system carries no photos: its feedback is
     * taken as recorded. */
    if (who->history && f.nphotos == 0)
        f.nphotos = 1;
    f.has_unit = act->unit_code || c.unit_id;
    f.has_target = act->target != 0;
    f.rating = act->rating;
    f.days = act->days;
    lr = lifecycle_check(&lc_complaint, act->action, &f, &to, &why);
    if (lr != LC_OK) {
        rc = lc_fail(err, lr, why);
        goto out;
    }
    if (act->version && act->version != c.version) {
        rc = fail(err, 409, "stale_version",
                  "the case changed since you loaded it (your version %lld, "
                  "now %lld); reload it and try again",
                  (long long)act->version, (long long)c.version);
        goto out;
    }
    memset(&ev, 0, sizeof(ev));
    ev.at = act->at ? act->at : cgtime_now();
    ev.actor_id = who->p.user_id;
    ev.actor_role = who->p.role;
    ev.action = act->action;
    ev.from = c.state;
    ev.to = to;
    ev.note = act->note;
    ev.photos = act->photos;
    ev.nphotos = act->nphotos;
    if ((rc = effects(a, who, &c, act, &ev, &parent, err)) != CG_OK)
        goto out;
    rc = store_case_apply(db, &c, &ev, parent);
    if (rc == CG_OK && (ev.to == ST_CLOSED) != (ev.from == ST_CLOSED) &&
        (rc = follow_parent(a, &c, &ev, err)) != CG_OK)
        goto out;
    if (rc == CG_OK && act->idem_key)
        rc = store_idem_put(db, who->p.user_id, act->idem_key, act->idem_fp,
                            case_id, 200);
    if (rc != CG_OK) {
        rc = rc == CG_ECONFLICT
                 ? fail(err, 409, "conflict",
                        "someone else changed the case at the same moment; "
                        "reload it and try again")
                 : fail(err, 500, "internal", "the change was not stored");
        goto out;
    }
    if (own && db_commit(db) != CG_OK)
        rc = fail(err, 500, "internal", "the change was not stored");
out:
    if (own && rc != CG_OK)
        db_rollback(db);
    return rc;
}

/* The merged cases that follow one parent: more would mean a merge gone
 * wrong, and their notes would still be written on the next close. */
#define MAX_CHILDREN 256

/*
 * When a case closes or reopens, each case merged into it gets an event
 * saying so, in the same transaction, through the lifecycle table: the
 * reporter of a merged case learns what became of their problem (the
 * parent's last reply goes into the note).  The merged case keeps its
 * state, so the figures still count the problem once.
 */
static int
follow_parent(struct app *a, const struct case_row *parent,
              const struct case_event *pe, struct cw_error *err)
{
    struct db *db = store_db(a->store);
    int64_t ids[MAX_CHILDREN];
    char reply[600], note[800];
    struct case_event ev;
    struct case_row child;
    struct lc_facts f;
    enum case_state to;
    const char *why = "";
    size_t n = 0, i;
    enum lc_result lr;
    int rc;

    if (store_case_children(db, parent->id, ids, MAX_CHILDREN, &n) != CG_OK)
        return fail(err, 500, "internal", "the merged cases were not read");
    if (n == 0)
        return CG_OK;
    if (pe->to == ST_CLOSED) {
        store_case_last_note(db, parent->id, "handle", reply, sizeof(reply));
        if (reply[0])
            str_fmt(note, sizeof(note), "随主案件结案 #%lld：%s",
                    (long long)parent->id, reply);
        else
            str_fmt(note, sizeof(note), "随主案件结案 #%lld",
                    (long long)parent->id);
    } else {
        str_fmt(note, sizeof(note), "主案件 #%lld 重新办理，本案随之跟进",
                (long long)parent->id);
    }
    str_utf8_clean(note);
    for (i = 0; i < n; i++) {
        if (store_case_get(db, ids[i], &child) != CG_OK)
            return fail(err, 500, "internal", "merged case %lld vanished",
                        (long long)ids[i]);
        memset(&f, 0, sizeof(f));
        f.state = child.state;
        f.by_platform = true;
        f.has_note = true;
        lr = lifecycle_check(&lc_complaint, ACT_FOLLOW_PARENT, &f, &to, &why);
        if (lr != LC_OK)
            return lc_fail(err, lr, why);
        memset(&ev, 0, sizeof(ev));
        ev.at = pe->at;
        ev.actor_id = pe->actor_id;
        ev.actor_role = pe->actor_role;
        ev.action = ACT_FOLLOW_PARENT;
        ev.from = child.state;
        ev.to = to;
        ev.note = note;
        rc = store_case_apply(db, &child, &ev, 0);
        if (rc != CG_OK)
            return fail(err, rc == CG_ECONFLICT ? 409 : 500,
                        rc == CG_ECONFLICT ? "conflict" : "internal",
                        "merged case %lld could not follow its parent",
                        (long long)ids[i]);
    }
    log_info("msg=\"merged cases follow their parent\" case=%lld"
             " merged=%zu to=%s",
             (long long)parent->id, n, case_state_name(pe->to));
    return CG_OK;
}

const char *
casework_support_refusal(const struct cw_actor *who, const struct case_row *c,
                         int *status)
{
    *status = 403;
    if (who->p.role != ROLE_RESIDENT)
        return "only residents join a case they also met; staff act on it";
    *status = 409;
    if (c->reporter_id && c->reporter_id == who->p.user_id)
        return "you reported it; it is yours already";
    if (!case_state_is_open(c->state))
        return c->state == ST_MERGED
                   ? "this case was merged into another; join that one"
                   : "this case is no longer open; report the problem anew "
                     "if it is back";
    return NULL;
}

int
casework_support(struct app *a, const struct cw_actor *who, int64_t case_id,
                 bool *added, struct cw_error *err)
{
    struct db *db = store_db(a->store);
    bool own = !db_in_tx(db);
    struct case_row c;
    const char *why;
    int rc, status;

    *added = false;
    if (own && db_begin(db) != CG_OK)
        return fail(err, 503, "busy", "the database is busy; try again");
    rc = store_case_get(db, case_id, &c);
    if (rc != CG_OK || c.state == ST_NONE || !visible(who, &c)) {
        rc = rc == CG_OK || rc == CG_ENOTFOUND
                 ? fail(err, 404, "not_found", "there is no case %lld",
                        (long long)case_id)
                 : fail(err, 500, "internal", "the case could not be read");
        goto out;
    }
    if ((why = casework_support_refusal(who, &c, &status)) != NULL) {
        rc = fail(err, status, status == 403 ? "forbidden" : "cannot_support",
                  "%s", why);
        goto out;
    }
    rc = store_support_add(db, &c, who->p.user_id, cgtime_now(), added);
    if (rc != CG_OK) {
        rc = fail(err, 500, "internal", "your support was not stored");
        goto out;
    }
    if (own && db_commit(db) != CG_OK)
        rc = fail(err, 500, "internal", "your support was not stored");
out:
    if (own && rc != CG_OK)
        db_rollback(db);
    return rc;
}
