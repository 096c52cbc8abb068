/*
 * casework_classify.c - the category of a case reported without one: the
 * suggestions (by the stored model, else by the catalogue's keywords),
 * the confidence from which a case is filed without a person, and that
 * automatic acceptance itself.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "api/casework.h"
#include "api/casework_int.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "core/classify.h"
#include "core/level.h"

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

/* One candidate category with the weight each source gives it. */
struct blend {
    char code[16];
    char name[NAME_LEN];
    double pm, pk, p;
};

static void model_refresh(struct app *a);
static size_t model_guess(char codes[][16], double *p, size_t max,
                          const char *title, const char *description,
                          struct cw_suggest *out, int64_t *n_examples);
static int keyclass_add(const char *code, const char *name,
                        const char *keywords, void *ctx);
static void keyclasses_free(struct keyclasses *kc);
static void suggest_keywords(struct app *a, const char *title,
                             const char *description, struct cw_suggest *out);
static size_t blend_add(struct blend *b, size_t n, size_t max, const char *code,
                        const char *name, double pm, double pk);
static int blend_cmp(const void *x, const void *y);
static void drop_denied_dangers(struct app *a, const char *title,
                                const char *description, struct cw_suggest *kw);

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
        str_copy(out->top[out->n].word, sizeof(out->top[0].word), g[i].word);
        out->n++;
    }
    if (out->n) {
        out->by = CW_SUGGEST_KEYWORDS;
        str_fmt(out->reason, sizeof(out->reason),
                "按类别名称关键词匹配：“%s” → %s %s（%.2f）", g[0].word,
                out->top[0].code, out->top[0].name, out->top[0].p);
        str_utf8_clean(out->reason);
    }
    keyclasses_free(&kc);
}

/*
 * Both the model and the catalogue's words have a say.  A model learns
 * only the categories it has seen closed: a deployment whose history is
 * mostly hotline requests would file a gas leak under "urban
 * construction" and send it to the wrong department, while the words
 * "燃气泄漏" name the right class outright.  So the keywords' shares are
 * mixed in with KEYWORD_WEIGHT; where no keyword matches the model speaks
 * alone, and where there is no model the keywords do.
 */
#define KEYWORD_WEIGHT        0.5
#define KEYWORD_WEIGHT_URGENT 0.75

static size_t
blend_add(struct blend *b, size_t n, size_t max, const char *code,
          const char *name, double pm, double pk)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(b[i].code, code) == 0) {
            b[i].pm += pm;
            b[i].pk += pk;
            return n;
        }
    if (n == max)
        return n;
    memset(&b[n], 0, sizeof(b[n]));
    str_copy(b[n].code, sizeof(b[n].code), code);
    str_copy(b[n].name, sizeof(b[n].name), name);
    b[n].pm = pm;
    b[n].pk = pk;
    return n + 1;
}

static int
blend_cmp(const void *x, const void *y)
{
    const struct blend *a = x, *b = y;

    if (a->p != b->p)
        return a->p > b->p ? -1 : 1;
    return strcmp(a->code, b->code);
}

/*
 * A class of danger or outage is dropped when the word of the text that
 * named it is there only to be denied: "没有燃气泄漏，只是楼道堆物" names a
 * gas leak to deny it.  Another danger denied beside it ("井盖缺失，没有
 * 燃气味") leaves the manhole cover's class alone, and so does a text
 * that says too little to be read as urgent ("井盖缺失", no road named).
 * Classes of the usual level are kept as they are.
 */
static void
drop_denied_dangers(struct app *a, const char *title, const char *description,
                    struct cw_suggest *kw)
{
    struct category k;
    enum case_level l;
    size_t i, n = 0;

    for (i = 0; i < kw->n; i++) {
        if (store_category_get(store_db(a->store), kw->top[i].code, &k) ==
                CG_OK &&
            level_parse(k.level, &l) == CG_OK && level_counts_clock(l) &&
            level_word_denied(title, description, kw->top[i].word))
            continue;
        kw->top[n++] = kw->top[i];
    }
    if (n == 0 && kw->n) {
        memset(kw, 0, sizeof(*kw));
        return;
    }
    if (n < kw->n && n > 0)
        str_fmt(kw->reason, sizeof(kw->reason),
                "按类别名称关键词匹配：%s %s（%.2f）；文中否认的险情不计",
                kw->top[0].code, kw->top[0].name, kw->top[0].p);
    kw->n = n;
}

int
casework_suggest(struct app *a, const char *title, const char *description,
                 struct cw_suggest *out)
{
    struct db *db = store_db(a->store);
    struct blend b[MODEL_GUESSES + CW_SUGGEST_MAX];
    char codes[MODEL_GUESSES][16], mtop[NAME_LEN + 24] = "";
    double p[MODEL_GUESSES], w, mp = 0;
    int64_t n_examples = 0;
    struct cw_suggest kw;
    struct category k;
    size_t n, nb = 0, i;

    memset(out, 0, sizeof(*out));
    memset(&kw, 0, sizeof(kw));
    model_refresh(a);
    n = model_guess(codes, p, MODEL_GUESSES, title, description, out,
                    &n_examples);
    /* A category the catalogue no longer has is skipped, not filed. */
    for (i = 0; i < n; i++) {
        if (store_category_get(db, codes[i], &k) != CG_OK || !k.parent[0])
            continue;
        if (nb == 0) {
            str_fmt(mtop, sizeof(mtop), "%s %s", k.code, k.name);
            mp = p[i];
        }
        nb = blend_add(b, nb, MODEL_GUESSES + CW_SUGGEST_MAX, k.code, k.name,
                       p[i], 0);
    }
    suggest_keywords(a, title, description, &kw);
    drop_denied_dangers(a, title, description, &kw);
    if (nb == 0) {
        *out = kw;
        if (out->n) {
            size_t len = strlen(out->reason);
            str_copy(out->reason + len, sizeof(out->reason) - len,
                     "；尚无学自已结案件的模型");
            str_utf8_clean(out->reason);
        }
        return CG_OK;
    }
    for (i = 0; i < kw.n; i++)
        nb = blend_add(b, nb, MODEL_GUESSES + CW_SUGGEST_MAX, kw.top[i].code,
                       kw.top[i].name, 0, kw.top[i].p);
    for (i = 0; i < nb; i++) {
        enum case_level l = LEVEL_GENERAL;

        w = kw.n ? KEYWORD_WEIGHT : 0;
        /* Words that name a danger or an outage weigh more: sending a gas
         * leak to the wrong desk costs more than a late answer. */
        if (b[i].pk > 0 && store_category_get(db, b[i].code, &k) == CG_OK &&
            level_parse(k.level, &l) == CG_OK && level_counts_clock(l))
            w = KEYWORD_WEIGHT_URGENT;
        b[i].p = (1 - w) * b[i].pm + w * b[i].pk;
    }
    qsort(b, nb, sizeof(b[0]), blend_cmp);
    for (i = 0; i < nb && out->n < CW_SUGGEST_MAX; i++) {
        str_copy(out->top[out->n].code, sizeof(out->top[0].code), b[i].code);
        str_copy(out->top[out->n].name, sizeof(out->top[0].name), b[i].name);
        out->top[out->n].p = b[i].p;
        out->n++;
    }
    out->by = CW_SUGGEST_MODEL;
    if (kw.n && strcmp(kw.top[0].code, out->top[0].code) == 0 && b[0].pm < mp)
        /* The words overruled the model. */
        str_fmt(out->reason, sizeof(out->reason),
                "关键词与模型合判：%s %s（%.2f）。模型 #%lld（学自 %lld "
                "件已结案件）首选 %s（%.2f），%s",
                out->top[0].code, out->top[0].name, out->top[0].p,
                (long long)out->model_id, (long long)n_examples, mtop, mp,
                kw.reason);
    else
        str_fmt(out->reason, sizeof(out->reason),
                "模型 #%lld（学自 %lld 件已结案件）按文本判断：%s %s（%.2f）%s",
                (long long)out->model_id, (long long)n_examples,
                out->top[0].code, out->top[0].name, out->top[0].p,
                kw.n ? "，与类别关键词合判" : "");
    str_utf8_clean(out->reason);
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
int
cw_accept_by_model(struct app *a, int64_t id, int64_t at,
                   const struct cw_suggest *sug, double threshold)
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
