/*
 * casework.c - the one path through which cases are reported and changed.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/casework.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "core/classify.h"

/* How often a server asks the database whether a newer model was
 * trained, in seconds: one indexed lookup, at most once a minute. */
#define MODEL_CHECK_SECONDS 60
/* The confidence from which a case is accepted without a person. */
#define AUTO_ACCEPT_DEFAULT 0.85
/* Model guesses looked at to find three categories still in the
 * catalogue. */
#define MODEL_GUESSES 8

/* The small classes with their names and keywords, for the cold start. */
struct keyclasses {
    struct cls_keyclass *k;
    size_t n, cap;
};

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
static void model_refresh(struct app *a);
static size_t model_guess(char codes[][16], double *p, size_t max,
                          const char *title, const char *description,
                          struct cw_suggest *out, int64_t *n_examples);
static int keyclass_add(const char *code, const char *name,
                        const char *keywords, void *ctx);
static void keyclasses_free(struct keyclasses *kc);
static void suggest_keywords(struct app *a, const char *title,
                             const char *description, struct cw_suggest *out);
static int auto_accept(struct app *a, int64_t id, int64_t at,
                       const struct cw_suggest *sug, double threshold);
static int recategorize(struct app *a, const struct case_row *c,
                        const char *code, struct case_event *ev, char *note,
                        size_t notelen, struct cw_error *err);

/*
 * The model this process classifies with, shared by the worker threads:
 * they classify under the read lock; a newer model is loaded outside any
 * lock and swapped in under the write lock.  One thread at a time asks
 * the database whether there is a newer one.
 */
static struct {
    pthread_mutex_t check_lock;
    pthread_rwlock_t lock;
    struct cls_model *m;
    int64_t id;
    int64_t n_examples;
    int64_t trained_at;
    int64_t checked; /* when the database was last asked; 0: never */
} model = {
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_RWLOCK_INITIALIZER, NULL, 0, 0, 0, 0};

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

/* Loads the newest stored model when it is not the one in use; asks at
 * most once every MODEL_CHECK_SECONDS.  A model that cannot be read is
 * logged and the one in use is kept. */
static void
model_refresh(struct app *a)
{
    struct db *db = store_db(a->store);
    struct cls_model *m = NULL, *old;
    struct model_info info;
    int64_t now = cgtime_now(), id;
    char why[200] = "";
    void *bytes = NULL;
    size_t len = 0;

    pthread_mutex_lock(&model.check_lock);
    if (model.checked && now - model.checked < MODEL_CHECK_SECONDS)
        goto out;
    model.checked = now;
    id = store_model_latest_id(db);
    if (id == model.id)
        goto out;
    if (id && (store_model_latest(db, &info, &bytes, &len) != CG_OK ||
               cls_load(bytes, len, &m, why, sizeof(why)) != CG_OK)) {
        log_warn("msg=\"stored model refused; the one in use is kept\""
                 " model=%lld why=\"%s\"",
                 (long long)id, why);
        goto out;
    }
    pthread_rwlock_wrlock(&model.lock);
    old = model.m;
    model.m = m;
    model.id = m ? info.id : 0;
    model.n_examples = m ? info.n_examples : 0;
    model.trained_at = m ? info.created_at : 0;
    pthread_rwlock_unlock(&model.lock);
    cls_free(old);
    log_info("msg=\"category model loaded\" model=%lld examples=%lld"
             " classes=%zu",
             (long long)model.id, (long long)model.n_examples,
             m ? cls_nclasses(m) : 0);
out:
    pthread_mutex_unlock(&model.check_lock);
    free(bytes);
}

/* The model's most likely categories, copied out under the read lock;
 * returns how many (0 without a model). */
static size_t
model_guess(char codes[][16], double *p, size_t max, const char *title,
            const char *description, struct cw_suggest *out,
            int64_t *n_examples)
{
    struct cls_guess g[MODEL_GUESSES];
    size_t n = 0, i;

    pthread_rwlock_rdlock(&model.lock);
    if (model.m) {
        n = cls_classify(model.m, title, description, g,
                         max < MODEL_GUESSES ? max : MODEL_GUESSES);
        for (i = 0; i < n; i++) {
            str_copy(codes[i], 16, g[i].label);
            p[i] = g[i].p;
        }
        out->model_id = model.id;
        out->model_trained_at = model.trained_at;
        *n_examples = model.n_examples;
    }
    pthread_rwlock_unlock(&model.lock);
    return n;
}

static int
keyclass_add(const char *code, const char *name, const char *keywords,
             void *ctx)
{
    struct keyclasses *kc = ctx;

    if (kc->n == kc->cap) {
        kc->cap = kc->cap ? kc->cap * 2 : 128;
        kc->k = xrealloc(kc->k, kc->cap * sizeof(*kc->k));
    }
    kc->k[kc->n].label = str_dup(code);
    kc->k[kc->n].name = str_dup(name ? name : "");
    kc->k[kc->n].keywords = keywords ? str_dup(keywords) : NULL;
    kc->n++;
    return CG_OK;
}

static void
keyclasses_free(struct keyclasses *kc)
{
    size_t i;

    for (i = 0; i < kc->n; i++) {
        free((char *)kc->k[i].label);
        free((char *)kc->k[i].name);
        free((char *)kc->k[i].keywords);
    }
    free(kc->k);
}

/* Before any model: the catalogue's names and keywords. */
static void
suggest_keywords(struct app *a, const char *title, const char *description,
                 struct cw_suggest *out)
{
    struct db *db = store_db(a->store);
    struct cls_keyguess g[CW_SUGGEST_MAX];
    struct keyclasses kc = {0};
    struct category k;
    size_t n, i;

    if (store_keyclasses(db, keyclass_add, &kc) != CG_OK) {
        keyclasses_free(&kc);
        return;
    }
    n = cls_keyword_match(kc.k, kc.n, title, description, g, CW_SUGGEST_MAX);
    for (i = 0; i < n; i++) {
        if (store_category_get(db, g[i].label, &k) != CG_OK)
            continue;
        str_copy(out->top[out->n].code, sizeof(out->top[0].code), k.code);
        str_copy(out->top[out->n].name, sizeof(out->top[0].name), k.name);
        out->top[out->n].p = g[i].p;
        out->n++;
    }
    if (out->n) {
        out->by = CW_SUGGEST_KEYWORDS;
        str_fmt(out->reason, sizeof(out->reason),
                "按类别名称关键词匹配：“%s” → %s %s（%.2f）；尚无学自已结案件的"
                "模型",
                g[0].word, out->top[0].code, out->top[0].name, out->top[0].p);
        str_utf8_clean(out->reason);
    }
    keyclasses_free(&kc);
}

int
casework_suggest(struct app *a, const char *title, const char *description,
                 struct cw_suggest *out)
{
    struct db *db = store_db(a->store);
    char codes[MODEL_GUESSES][16];
    double p[MODEL_GUESSES];
    int64_t n_examples = 0;
    struct category k;
    size_t n, i;

    memset(out, 0, sizeof(*out));
    model_refresh(a);
    n = model_guess(codes, p, MODEL_GUESSES, title, description, out,
                    &n_examples);
    /* A category the catalogue no longer has is skipped, not filed. */
    for (i = 0; i < n && out->n < CW_SUGGEST_MAX; i++) {
        if (store_category_get(db, codes[i], &k) != CG_OK || !k.parent[0])
            continue;
        str_copy(out->top[out->n].code, sizeof(out->top[0].code), k.code);
        str_copy(out->top[out->n].name, sizeof(out->top[0].name), k.name);
        out->top[out->n].p = p[i];
        out->n++;
    }
    if (out->n) {
        out->by = CW_SUGGEST_MODEL;
        str_fmt(out->reason, sizeof(out->reason),
                "模型 #%lld（学自 %lld 件已结案件）按文本判断：%s %s（%.2f）",
                (long long)out->model_id, (long long)n_examples,
                out->top[0].code, out->top[0].name, out->top[0].p);
        str_utf8_clean(out->reason);
        return CG_OK;
    }
    out->model_id = out->model_trained_at = 0;
    suggest_keywords(a, title, description, out);
    return CG_OK;
}

json_t *
casework_suggest_json(const struct cw_suggest *s)
{
    json_t *items = json_array(), *o;
    size_t i;

    for (i = 0; i < s->n; i++)
        json_array_append_new(
            items,
            json_pack("{s:s, s:s, s:f}", "code", s->top[i].code, "name",
                      s->top[i].name, "p", round(s->top[i].p * 10000) / 10000));
    o = json_pack("{s:s, s:s, s:o}", "by",
                  s->by == CW_SUGGEST_MODEL      ? "model"
                  : s->by == CW_SUGGEST_KEYWORDS ? "keywords"
                                                 : "none",
                  "reason", s->reason, "items", items);
    if (s->by == CW_SUGGEST_MODEL)
        json_object_set_new(o, "model_id", json_integer(s->model_id));
    return o;
}

double
casework_auto_accept(struct app *a)
{
    char v[32];
    double x;

    if (store_setting_get(store_db(a->store), "classify.auto_accept", v,
                          sizeof(v)) != CG_OK)
        return AUTO_ACCEPT_DEFAULT;
    if (str_to_double(v, &x) != CG_OK || !(x > 0 && x <= 1)) {
        log_warn("msg=\"classify.auto_accept ignored, default used\""
                 " value=\"%.16s\"",
                 v);
        return AUTO_ACCEPT_DEFAULT;
    }
    return x;
}

/*
 * Accepts (立案) a case the model was sure enough of, in the caller's
 * transaction, through the lifecycle table as a dispatcher would; the
 * table has no role for the platform to accept with, so the event is a
 * dispatcher's with no person, and its note says why.
 */
static int
auto_accept(struct app *a, int64_t id, int64_t at, const struct cw_suggest *sug,
            double threshold)
{
    struct db *db = store_db(a->store);
    struct case_event ev;
    struct case_row row;
    struct lc_facts f;
    enum case_state to;
    const char *why = "";
    char note[200];
    int rc;

    if ((rc = store_case_get(db, id, &row)) != CG_OK)
        return rc;
    memset(&f, 0, sizeof(f));
    f.state = row.state;
    f.role = ROLE_DISPATCHER;
    if (lifecycle_check(&lc_complaint, ACT_ACCEPT, &f, &to, &why) != LC_OK) {
        log_warn("msg=\"automatic acceptance refused\" case=%lld why=\"%s\"",
                 (long long)id, why);
        return CG_OK;
    }
    str_fmt(note, sizeof(note),
            "自动立案：分类置信度 %.2f ≥ %.2f（模型 #%lld）", sug->top[0].p,
            threshold, (long long)sug->model_id);
    memset(&ev, 0, sizeof(ev));
    ev.at = at;
    ev.actor_role = ROLE_DISPATCHER;
    ev.action = ACT_ACCEPT;
    ev.from = row.state;
    ev.to = to;
    ev.note = note;
    return store_case_apply(db, &row, &ev, 0);
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
    const char *why = "", *category = rep->category;
    double lon = 0, lat = 0, threshold = 1;
    bool own = !db_in_tx(db), guessed = false, accept = false;
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
        return lc_fail(err, lr, why);
    /* Residents and grid workers may leave the category to the platform;
     * staff who file cases know the catalogue. */
    if (!category) {
        if (who->history ||
            (who->p.role != ROLE_RESIDENT && who->p.role != ROLE_GRID_WORKER))
            return fail(err, 422, "missing_field",
                        "'category' is required; see GET /api/v1/categories");
        casework_suggest(a, rep->title, rep->description, &sug);
        if (sug.n == 0)
            return fail(err, 422, "missing_field",
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
        rc = fail(err, 422, "unknown_category",
                  "there is no small class %.16s; see GET "
                  "/api/v1/categories",
                  category);
        goto early;
    }
    if ((rc = report_area(a, rep, &area, &lon, &lat, err)) != CG_OK)
        goto early;
    if (!who->history && who->p.role != ROLE_RESIDENT &&
        !perm_in_scope(&who->p, area.path)) {
        rc = fail(err, 403, "forbidden",
                  "%s is outside your scope; report it to its own "
                  "office",
                  area.name);
        goto early;
    }
    if ((rc = check_photos(db, rep->photos, rep->nphotos, err)) != CG_OK)
        goto early;
    if (casework_route_plan(a, &k, &area, &plan) != CG_OK) {
        rc = fail(err, 422, "no_owner",
                  "no unit owns %s in %s: add a territorial unit for the "
                  "area",
                  k.name, area.name);
        goto early;
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

    if (own && db_begin(db) != CG_OK) {
        rc = fail(err, 503, "busy", "the database is busy; try again");
        goto early;
    }
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
    if (rc == CG_OK && guessed)
        rc = store_case_set_suggestions(db, *id, stext, reason);
    if (rc == CG_OK && accept)
        rc = auto_accept(a, *id, cn.reported_at, &sug, threshold);
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
early:
    json_decref(sj);
    free(stext);
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
        return fail(err, 422, "unknown_category",
                    "there is no small class %.16s; see GET "
                    "/api/v1/categories",
                    code);
    if (strcmp(k.code, c->category_code) == 0)
        return CG_OK;
    if (store_area_get(db, c->area_code, &area) != CG_OK)
        return fail(err, 500, "internal", "the case's area vanished");
    if (casework_route_plan(a, &k, &area, &plan) != CG_OK)
        return fail(err, 422, "no_owner",
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
        return fail(err, 500, "internal", "the new category was not stored");
    return CG_OK;
}

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
    char note[8400]; /* a note of 2000 characters and what changed */
    enum lc_result lr;
    int rc;

    if (act->category && act->action != ACT_ACCEPT)
        return fail(err, 422, "invalid_field",
                    "'category' goes with accept only: the category is "
                    "settled when the case is accepted");
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
    if ((rc = effects(a, who, &c, act, &ev, &parent, note, sizeof(note),
                      err)) != CG_OK)
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

int
casework_outside_note(struct app *a, int64_t case_id, const char *note,
                      struct cw_error *err)
{
    struct db *db = store_db(a->store);
    struct case_event ev;
    struct case_row c;
    struct lc_facts f;
    enum case_state to;
    const char *why = "";
    bool own = !db_in_tx(db);
    enum lc_result lr;
    int rc;

    if (own && db_begin(db) != CG_OK)
        return fail(err, 503, "busy", "the database is busy; try again");
    if (store_case_get(db, case_id, &c) != CG_OK) {
        rc = fail(err, 404, "not_found", "there is no case %lld",
                  (long long)case_id);
        goto out;
    }
    memset(&f, 0, sizeof(f));
    f.state = c.state;
    f.by_platform = true;
    f.has_note = note && *note;
    lr = lifecycle_check(&lc_complaint, ACT_OUTSIDE_NOTE, &f, &to, &why);
    if (lr != LC_OK) {
        rc = lc_fail(err, lr, why);
        goto out;
    }
    memset(&ev, 0, sizeof(ev));
    ev.at = cgtime_now();
    ev.actor_role = ROLE_RESIDENT; /* an outside system speaks for residents */
    ev.action = ACT_OUTSIDE_NOTE;
    ev.from = c.state;
    ev.to = to;
    ev.note = note;
    rc = store_case_apply(db, &c, &ev, 0);
    if (rc != CG_OK) {
        rc = fail(err, rc == CG_ECONFLICT ? 409 : 500,
                  rc == CG_ECONFLICT ? "conflict" : "internal",
                  "the note could not be stored");
        goto out;
    }
    if (own && db_commit(db) != CG_OK)
        rc = fail(err, 500, "internal", "the note could not be stored");
out:
    if (own && rc != CG_OK)
        db_rollback(db);
    return rc;
}
