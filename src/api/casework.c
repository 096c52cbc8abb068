/*
 * casework.c - the one path through which cases are reported and changed:
 * casework_submit, casework_act, casework_support and the facts the
 * lifecycle table is asked with.
 *
 * Its neighbours: casework_route.c finds a case's owner, level and
 * deadline; casework_classify.c suggests the category of a report left
 * without one; casework_follow.c writes the events the platform adds on
 * its own (merged cases following their parent, outside notes).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/casework.h"
#include "api/casework_int.h"
#include "api/live.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"

static int check_photos(struct db *db, const char *const *photos, size_t n,
                        struct cw_error *err);
static int report_area(struct app *a, const struct cw_report *rep,
                       struct area *area, double *lon, double *lat,
                       struct cw_error *err);
static bool visible(const struct cw_actor *who, const struct case_row *c);
static int recategorize(struct app *a, const struct case_row *c,
                        const char *code, struct case_event *ev, char *note,
                        size_t notelen, struct cw_error *err);
static int effects(struct app *a, const struct cw_actor *who,
                   const struct case_row *c, const struct cw_action *act,
                   struct case_event *ev, int64_t *parent, char *note,
                   size_t notelen, struct cw_error *err);

int
cw_fail(struct cw_error *err, int status, const char *code, const char *fmt,
        ...)
{
    va_list ap;

    err->status = status;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return http_status_err(status);
}

int
cw_lc_fail(struct cw_error *err, enum lc_result r, const char *why)
{
    switch (r) {
    case LC_EUNKNOWN:
        return cw_fail(err, 400, "unknown_action", "%s", why);
    case LC_ESTATE:
        return cw_fail(err, 409, "invalid_transition", "%s", why);
    case LC_EROLE:
        return cw_fail(err, 403, "forbidden", "%s", why);
    case LC_EGUARD:
        return cw_fail(err, 403, "forbidden", "%s", why);
    case LC_EMISSING:
        return cw_fail(err, 422, "missing_field", "%s", why);
    case LC_ERATED:
        return cw_fail(err, 409, "rating_conflict", "%s", why);
    default:
        return cw_fail(err, 500, "internal", "lifecycle: %s", why);
    }
}

static int
check_photos(struct db *db, const char *const *photos, size_t n,
             struct cw_error *err)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!store_photo_exists(db, photos[i]))
            return cw_fail(err, 422, "unknown_photo",
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
            return cw_fail(err, 422, "invalid_location",
                           "lon must be within -180..180 and lat within "
                           "-90..90");
        *lon = rep->lon;
        *lat = rep->lat;
        if (rep->crs == GEO_GCJ02)
            geo_gcj02_to_wgs84(rep->lon, rep->lat, lon, lat);
    }
    if (rep->area_code) {
        if (store_area_get(db, rep->area_code, area) != CG_OK)
            return cw_fail(err, 422, "unknown_area", "there is no area %.24s",
                           rep->area_code);
        return CG_OK;
    }
    if (!rep->has_point)
        return cw_fail(err, 422, "missing_location",
                       "say where it is: a point (lon, lat) or an area code");
    if (app_locate(a, *lon, *lat, code, sizeof(code)) != CG_OK)
        return cw_fail(err, 422, "outside_area",
                       "the point %.6f, %.6f is outside every area this "
                       "platform serves",
                       *lon, *lat);
    if (store_area_get(db, code, area) != CG_OK)
        return cw_fail(err, 500, "internal", "area %s vanished", code);
    return CG_OK;
}

/* The writes of a report, once everything it needs was looked up. */
struct submit {
    struct app *a;
    const struct cw_actor *who;
    const struct cw_report *rep;
    enum case_action act;
    enum case_state to;
    const struct case_new *cn;
    const struct cw_route *plan;
    bool guessed, accept;
    const char *stext, *reason;
    const struct cw_suggest *sug;
    double threshold;
    int64_t id; /* the new case */
    struct cw_error *err;
};

static int
submit_write(struct db *db, void *arg)
{
    struct submit *s = arg;
    struct case_row row;
    struct case_event ev;
    int rc;

    rc = store_case_insert(db, s->cn, &s->id);
    if (rc == CG_ECONFLICT)
        return cw_fail(s->err, 409, "duplicate_ref",
                       "a case with ref %.64s exists",
                       s->rep->ref ? s->rep->ref : "");
    if (rc == CG_OK)
        rc = store_case_get(db, s->id, &row);
    if (rc == CG_OK) {
        memset(&ev, 0, sizeof(ev));
        ev.at = s->cn->reported_at;
        ev.actor_id = s->cn->reporter_id;
        ev.actor_role = s->who->p.role;
        ev.action = s->act;
        ev.from = ST_NONE;
        ev.to = s->to;
        ev.note = s->rep->note;
        ev.unit_id = s->plan->unit.id;
        ev.due_at = s->cn->due_at;
        ev.photos = s->rep->photos;
        ev.nphotos = s->rep->nphotos;
        rc = store_case_apply(db, &row, &ev, 0);
    }
    if (rc == CG_OK && s->guessed)
        rc = store_case_set_suggestions(db, s->id, s->stext, s->reason);
    if (rc == CG_OK && s->accept)
        rc = cw_accept_by_model(s->a, s->id, s->cn->reported_at, s->sug,
                                s->threshold);
    if (rc == CG_OK && s->rep->idem_key)
        rc = store_idem_put(db, s->who->p.user_id, s->rep->idem_key,
                            s->rep->idem_fp, s->id, 201);
    if (rc == CG_ECONFLICT)
        return cw_fail(s->err, 409, "conflict",
                       "the same request is being handled already");
    if (rc != CG_OK)
        return cw_fail(s->err, 500, "internal", "the case could not be stored");
    return CG_OK;
}

/*
 * Makes the writes of fn through the store, grouped with others' when
 * the server groups them, and answers as casework does: fn's own refusal
 * as it gave it, or the store's failure (503 when nothing was stored).
 * When the writes were a transaction of their own, the live streams hear
 * of case `id`.
 */
static int
cw_write(struct app *a, store_write_fn fn, void *arg, const int64_t *id,
         const char *what, struct cw_error *err)
{
    bool own = !db_in_tx(store_db(a->store));
    int rc;

    err->status = 0;
    rc = store_write(a->store, fn, arg);
    if (rc == CG_OK) {
        if (own)
            live_case_changed(a->live, store_db(a->store), *id);
        return CG_OK;
    }
    /* Nothing was stored, and a refusal fn gave may have rested on a
     * write of its group that is gone too. */
    if (rc == CG_EDB)
        return cw_fail(err, 503, "busy",
                       "the database is busy; nothing was changed, try "
                       "again");
    if (err->status)
        return rc;
    return cw_fail(err, 500, "internal", "%s", what);
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
    struct cw_route plan;
    struct level_decision level;
    struct submit sw;
    enum case_action act = rep->self_handle ? ACT_SELF_HANDLE : ACT_SUBMIT;
    enum case_state to;
    const char *why = "", *category = rep->category;
    double lon = 0, lat = 0, threshold = 1;
    bool guessed = false, accept = false;
    struct cw_suggest sug;
    char reason[480];
    json_t *sj = NULL;
    char *stext = NULL;
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
        return cw_lc_fail(err, lr, why);
    /* Residents and grid workers may leave the category to the platform;
     * staff who file cases know the catalogue. */
    if (!category) {
        if (who->history ||
            (who->p.role != ROLE_RESIDENT && who->p.role != ROLE_GRID_WORKER))
            return cw_fail(
                err, 422, "missing_field",
                "'category' is required; see GET /api/v1/categories");
        casework_suggest(a, rep->title, rep->description, &sug);
        if (sug.n == 0)
            return cw_fail(
                err, 422, "missing_field",
                "'category': the platform cannot tell the category "
                "from this text; choose one (GET /api/v1/categories)");
        category = sug.top[0].code;
        guessed = true;
        threshold = casework_auto_accept(a);
        accept = !rep->self_handle && sug.by == CW_SUGGEST_MODEL &&
                 sug.top[0].p >= threshold;
        str_fmt(reason, sizeof(reason), "未选类别，按建议归类：%s%s",
                sug.reason,
                accept ? "；置信度达到自动立案阈值"
                : sug.by == CW_SUGGEST_MODEL
                    ? "；置信度低于自动立案阈值，待受理员确认"
                    : "；关键词匹配不自动立案，待受理员确认");
        str_utf8_clean(reason);
        sj = casework_suggest_json(&sug);
        stext = json_dumps(json_object_get(sj, "items"), JSON_COMPACT);
    }
    if (store_category_get(db, category, &k) != CG_OK || !k.parent[0]) {
        rc = cw_fail(err, 422, "unknown_category",
                     "there is no small class %.16s; see GET "
                     "/api/v1/categories",
                     category);
        goto out;
    }
    if ((rc = report_area(a, rep, &area, &lon, &lat, err)) != CG_OK)
        goto out;
    if (!who->history && who->p.role != ROLE_RESIDENT &&
        !perm_in_scope(&who->p, area.path)) {
        rc = cw_fail(err, 403, "forbidden",
                     "%s is outside your scope; report it to its own "
                     "office",
                     area.name);
        goto out;
    }
    if ((rc = check_photos(db, rep->photos, rep->nphotos, err)) != CG_OK)
        goto out;
    if (casework_route_plan(a, &k, &area, &plan) != CG_OK) {
        rc = cw_fail(err, 422, "no_owner",
                     "no unit owns %s in %s: add a territorial unit for the "
                     "area",
                     k.name, area.name);
        goto out;
    }
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
    cn.due_at =
        who->history && rep->due_given
            ? rep->due_at
            : casework_deadline_at(a, &k, &area, level.level, cn.reported_at);
    cn.unit_id = plan.unit.id;
    cn.route_reason = plan.why;

    memset(&sw, 0, sizeof(sw));
    sw.a = a;
    sw.who = who;
    sw.rep = rep;
    sw.act = act;
    sw.to = to;
    sw.cn = &cn;
    sw.plan = &plan;
    sw.guessed = guessed;
    sw.accept = accept;
    sw.stext = stext;
    sw.reason = reason;
    sw.sug = &sug;
    sw.threshold = threshold;
    sw.err = err;
    rc = cw_write(a, submit_write, &sw, &sw.id, "the case could not be stored",
                  err);
    if (rc == CG_OK)
        *id = sw.id;
out:
    json_decref(sj);
    free(stext);
    return rc;
}

/* Whether the actor may see case c at all. */
static bool
visible(const struct cw_actor *who, const struct case_row *c)
{
    struct case_scope scope = {c->area_path, c->reporter_id, c->unit_id};

    return who->history || perm_case_view(&who->p, &scope) != VIEW_NONE;
}

/*
 * A dispatcher who accepts a case may file it under another small class
 * than the one it came with (the resident's or the platform's guess): the
 * case is routed again and its deadline counted for the new class from
 * when it was reported, and the event's note says what changed.
 */
static int
recategorize(struct app *a, const struct case_row *c, const char *code,
             struct case_event *ev, char *note, size_t notelen,
             struct cw_error *err)
{
    struct db *db = store_db(a->store);
    struct category was, k;
    struct cw_route plan;
    struct area area;
    enum case_level level;
    char reason[320];

    if (store_category_get(db, code, &k) != CG_OK || !k.parent[0])
        return cw_fail(err, 422, "unknown_category",
                       "there is no small class %.16s; see GET "
                       "/api/v1/categories",
                       code);
    if (strcmp(k.code, c->category_code) == 0)
        return CG_OK;
    if (store_area_get(db, c->area_code, &area) != CG_OK)
        return cw_fail(err, 500, "internal", "the case's area vanished");
    if (casework_route_plan(a, &k, &area, &plan) != CG_OK)
        return cw_fail(err, 422, "no_owner",
                       "no unit owns %s in %s: add a territorial unit for the "
                       "area",
                       k.name, area.name);
    if (store_category_get(db, c->category_code, &was) != CG_OK)
        str_copy(was.name, sizeof(was.name), "");
    if (level_parse(c->level, &level) != CG_OK)
        level = LEVEL_GENERAL;
    ev->unit_id = plan.unit.id;
    ev->due_at = casework_deadline_at(a, &k, &area, level, c->reported_at);
    str_fmt(reason, sizeof(reason), "受理时更正类别：%s %s → %s %s",
            c->category_code, was.name, k.code, k.name);
    str_utf8_clean(reason);
    if (ev->note && *ev->note)
        str_fmt(note, notelen, "%s；%s", reason, ev->note);
    else
        str_copy(note, notelen, reason);
    str_utf8_clean(note);
    ev->note = note;
    if (store_case_recategorize(db, c->id, k.code, plan.why, reason) != CG_OK)
        return cw_fail(err, 500, "internal", "the new category was not stored");
    return CG_OK;
}

/* Fills in what an action changes besides the state: the unit, the
 * deadline, the rating.  Returns CG_OK or a failure in err. */
static int
effects(struct app *a, const struct cw_actor *who, const struct case_row *c,
        const struct cw_action *act, struct case_event *ev, int64_t *parent,
        char *note, size_t notelen, struct cw_error *err)
{
    struct db *db = store_db(a->store);
    struct case_row target;
    struct category k;
    struct area area;
    struct unit u;
    enum case_level level;
    int days;

    switch (act->action) {
    case ACT_ACCEPT:
        if (act->category)
            return recategorize(a, c, act->category, ev, note, notelen, err);
        break;
    case ACT_DISPATCH:
        if (act->unit_code) {
            if (store_unit_by_code(db, act->unit_code, &u) != CG_OK)
                return cw_fail(err, 422, "unknown_unit",
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
            return cw_fail(err, 422, "invalid_target",
                           "a case cannot be merged into itself");
        if (store_case_get(db, act->target, &target) != CG_OK ||
            !visible(who, &target))
            return cw_fail(err, 422, "invalid_target",
                           "there is no case %lld that you may see",
                           (long long)act->target);
        if (target.state == ST_SUBMITTED)
            return cw_fail(err, 409, "target_waiting",
                           "case %lld is still waiting (submitted): accept "
                           "it first, then merge into it",
                           (long long)act->target);
        if (!case_state_is_open(target.state))
            return cw_fail(err, 409, "invalid_target",
                           "case %lld is %s; merge into a filed, open case",
                           (long long)act->target,
                           case_state_name(target.state));
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

/* A lifecycle action on a case, read and checked inside the transaction
 * that writes it, so that nobody changes the case in between. */
struct action {
    struct app *a;
    const struct cw_actor *who;
    int64_t case_id;
    const struct cw_action *act;
    struct cw_error *err;
};

static int
action_write(struct db *db, void *arg)
{
    struct action *w = arg;
    struct app *a = w->a;
    const struct cw_actor *who = w->who;
    const struct cw_action *act = w->act;
    struct cw_error *err = w->err;
    int64_t case_id = w->case_id;
    struct case_scope scope;
    struct case_event ev;
    struct case_row c;
    struct lc_facts f;
    enum case_state to;
    const char *why = "";
    int64_t parent = 0;
    char note[8400]; /* a note of 2000 characters and what changed */
    enum lc_result lr;
    size_t i;
    int rc;

    rc = store_case_get(db, case_id, &c);
    if (rc != CG_OK)
        return rc == CG_ENOTFOUND
                   ? cw_fail(err, 404, "not_found", "there is no case %lld",
                             (long long)case_id)
                   : cw_fail(err, 500, "internal",
                             "the case could not be read");
    scope.area_path = c.area_path;
    scope.reporter_id = c.reporter_id;
    scope.unit_id = c.unit_id;
    if (!who->history && !perm_case_action(&who->p, &scope, act->action, &why))
        return cw_fail(err, 403, "forbidden", "%s", why);
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
    if (lr != LC_OK)
        return cw_lc_fail(err, lr, why);
    if (act->version && act->version != c.version)
        return cw_fail(err, 409, "stale_version",
                       "the case changed since you loaded it (your version "
                       "%lld, now %lld); reload it and try again",
                       (long long)act->version, (long long)c.version);
    /* A step's photos show that step: the report's photo, or an earlier
     * step's, handed in again would show the work done where it is not. */
    for (i = 0; i < act->nphotos; i++)
        if (store_case_has_photo(db, case_id, act->photos[i]))
            return cw_fail(err, 422, "photo_reused",
                           "photo %.64s is already in this case's history "
                           "(its report or an earlier step); attach photos "
                           "taken for this step",
                           act->photos[i]);
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
    if ((rc = effects(a, who, &c, act, &ev, &parent, note, sizeof(note),
                      err)) != CG_OK)
        return rc;
    rc = store_case_apply(db, &c, &ev, parent);
    if (rc == CG_OK && (ev.to == ST_CLOSED) != (ev.from == ST_CLOSED) &&
        (rc = cw_follow_parent(a, &c, &ev, err)) != CG_OK)
        return rc;
    if (rc == CG_OK && act->idem_key)
        rc = store_idem_put(db, who->p.user_id, act->idem_key, act->idem_fp,
                            case_id, 200);
    if (rc == CG_ECONFLICT)
        return cw_fail(err, 409, "conflict",
                       "someone else changed the case at the same moment; "
                       "reload it and try again");
    if (rc != CG_OK)
        return cw_fail(err, 500, "internal", "the change was not stored");
    return CG_OK;
}

int
casework_act(struct app *a, const struct cw_actor *who, int64_t case_id,
             const struct cw_action *act, struct cw_error *err)
{
    struct action w = {a, who, case_id, act, err};
    int rc;

    if (act->category && act->action != ACT_ACCEPT)
        return cw_fail(err, 422, "invalid_field",
                       "'category' goes with accept only: the category is "
                       "settled when the case is accepted");
    if ((rc = check_photos(store_db(a->store), act->photos, act->nphotos,
                           err)) != CG_OK)
        return rc;
    return cw_write(a, action_write, &w, &case_id, "the change was not stored",
                    err);
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
        return cw_fail(err, 503, "busy", "the database is busy; try again");
    rc = store_case_get(db, case_id, &c);
    if (rc != CG_OK || c.state == ST_NONE || !visible(who, &c)) {
        rc = rc == CG_OK || rc == CG_ENOTFOUND
                 ? cw_fail(err, 404, "not_found", "there is no case %lld",
                           (long long)case_id)
                 : cw_fail(err, 500, "internal", "the case could not be read");
        goto out;
    }
    if ((why = casework_support_refusal(who, &c, &status)) != NULL) {
        rc = cw_fail(err, status,
                     status == 403 ? "forbidden" : "cannot_support", "%s", why);
        goto out;
    }
    rc = store_support_add(db, &c, who->p.user_id, cgtime_now(), added);
    if (rc != CG_OK) {
        rc = cw_fail(err, 500, "internal", "your support was not stored");
        goto out;
    }
    if (own && db_commit(db) != CG_OK)
        rc = cw_fail(err, 500, "internal", "your support was not stored");
    else if (own)
        live_case_changed(a->live, db, case_id);
out:
    if (own && rc != CG_OK)
        db_rollback(db);
    return rc;
}
