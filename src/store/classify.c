/*
 * classify.c - what the category classifier keeps: its models, the
 * examples it learns from (the closed cases), the keywords of the
 * catalogue for a cold start, and the suggestions a case was filed by.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "core/classify.h"
#include "store/store.h"

#define LEASE_KEY "classify.retrain_lease"
#define LEASE_LEN 160

/* The closed cases of a deployment, copied out of the database. */
struct examples {
    struct cls_example *ex;
    size_t n, cap;
};

static const char *class_keywords(const char *code);
static int example_add(const char *title, const char *description,
                       const char *category, void *ctx);
static void examples_free(struct examples *e);
static int64_t lease_until(const char *value);
static bool lease_held_by(const char *value, const char *holder);
static int lease_replace(struct db *db, const char *old, const char *value);

/*
 * Words residents use for the problems of the commonest small classes,
 * beyond the words of their names.  A class not listed here is matched by
 * its name alone.
 */
static const struct {
    const char *code;
    const char *keywords;
} keywords[] = {
    {"01037", "路灯不亮,灯不亮,路灯坏"},
    {"01080", "没水,断水,水停了"},
    {"01081", "没电,断电,跳闸"},
    {"01082", "煤气,燃气味,漏气,天然气"},
    {"01083", "暖气,不热,供暖"},
    {"01084", "漏电,电线,裸露,打火,触电,配电箱"},
    {"02014", "红绿灯,信号灯"},
    {"03005", "垃圾桶坏,垃圾箱坏"},
    {"04002", "树枝,倒伏,断枝"},
    {"06010", "垃圾,垃圾堆,乱扔"},
    {"06013", "坑洼,路面,塌陷"},
    {"06027", "油烟"},
    {"06028", "噪音,太吵,扰民"},
    {"06029", "烧烤,烤串"},
    {"06036", "堆物,堆放,杂物,堆满,堆积"},
    {"06042", "满溢,垃圾桶满,垃圾站满"},
    {"06080", "楼梯,扶手,单元门"},
    {"06082", "倒塌,坍塌,危房,墙体开裂,裂缝"},
    {"07001", "小广告,牛皮癣"},
    {"08001", "夜间施工,施工噪音"},
    {"08004", "扬尘,粉尘"},
    {"09006", "摆摊,占道"},
    {"09009", "乱停,停车,堵门"},
};

static const char *
class_keywords(const char *code)
{
    size_t i;

    for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        if (strcmp(keywords[i].code, code) == 0)
            return keywords[i].keywords;
    return NULL;
}

int
store_model_put(struct db *db, const struct model_info *m, const void *bytes,
                size_t len, int64_t *id)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO models (name, created_at, bytes, n_examples,"
                    " n_classes, cv_top1, cv_top3) VALUES (?,?,?,?,?,?,?)",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, m->name);
    db_bind_int(st, 2, m->created_at);
    db_bind_blob(st, 3, bytes, len);
    db_bind_int(st, 4, m->n_examples);
    db_bind_int(st, 5, m->n_classes);
    if (m->cv_top1 >= 0)
        db_bind_double(st, 6, m->cv_top1);
    if (m->cv_top3 >= 0)
        db_bind_double(st, 7, m->cv_top3);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc < 0 ? rc : CG_EDB;
    *id = db_last_id(db);
    return CG_OK;
}

int64_t
store_model_latest_id(struct db *db)
{
    int64_t id = 0;

    if (db_scalar_int(db, 0, &id, "SELECT COALESCE(MAX(id), 0) FROM models",
                      NULL) != CG_OK)
        return 0;
    return id;
}

int
store_model_latest(struct db *db, struct model_info *out, void **bytes,
                   size_t *len)
{
    struct db_stmt *st;
    const void *b;
    int rc;

    *bytes = NULL;
    *len = 0;
    rc = db_prepare(db,
                    "SELECT id, name, created_at, n_examples, n_classes,"
                    " cv_top1, cv_top3, bytes FROM models"
                    " ORDER BY id DESC LIMIT 1",
                    &st);
    if (rc != CG_OK)
        return rc;
    rc = db_step(st);
    if (rc == DB_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = db_col_int(st, 0);
        str_copy(out->name, sizeof(out->name), db_col_text(st, 1));
        out->created_at = db_col_int(st, 2);
        out->n_examples = db_col_int(st, 3);
        out->n_classes = (int)db_col_int(st, 4);
        out->cv_top1 = db_col_null(st, 5) ? -1 : db_col_double(st, 5);
        out->cv_top3 = db_col_null(st, 6) ? -1 : db_col_double(st, 6);
        b = db_col_blob(st, 7, len);
        *bytes = xcalloc(1, *len ? *len : 1);
        if (b && *len)
            memcpy(*bytes, b, *len);
    }
    db_finalize(st);
    return rc == DB_ROW ? CG_OK : rc == DB_DONE ? CG_ENOTFOUND : rc;
}

/* The newest closed cases a model learns from: a hotline's words and
 * categories drift, and a city's whole history (800,000 closed cases in a
 * year of a large district) would take gigabytes to learn from at once. */
#define TRAINING_MAX 50000

int
store_training_cases(struct db *db, store_example_cb cb, void *ctx)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "SELECT title, description, category_code FROM"
                    " (SELECT id, title, description, category_code"
                    " FROM cases WHERE state = 'closed' ORDER BY id DESC"
                    " LIMIT ?) AS newest ORDER BY id",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, TRAINING_MAX);
    while ((rc = db_step(st)) == DB_ROW) {
        rc =
            cb(db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2), ctx);
        if (rc != CG_OK)
            break;
    }
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

int64_t
store_training_new(struct db *db, int64_t since)
{
    char t[24];
    int64_t n = 0;

    str_fmt(t, sizeof(t), "%lld", (long long)since);
    db_scalar_int(db, 0, &n,
                  "SELECT COUNT(*) FROM cases WHERE state = 'closed'"
                  " AND closed_at > CAST(? AS BIGINT)",
                  t, NULL);
    return n;
}

int64_t
store_training_pending(struct db *db)
{
    int64_t n = -1;

    if (db_scalar_int(db, -1, &n,
                      "SELECT COUNT(*) FROM cases WHERE state = 'closed'"
                      " AND closed_at > (SELECT COALESCE(MAX(created_at), -1)"
                      " FROM models WHERE id = (SELECT MAX(id) FROM models))",
                      NULL) != CG_OK)
        return -1;
    return n;
}

int
store_keyclasses(struct db *db, store_keyclass_cb cb, void *ctx)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "SELECT code, name FROM categories WHERE parent IS NOT NULL"
                    " ORDER BY code",
                    &st);
    if (rc != CG_OK)
        return rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *code = db_col_text(st, 0);

        rc = cb(code, db_col_text(st, 1), class_keywords(code), ctx);
        if (rc != CG_OK)
            break;
    }
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

int
store_case_set_suggestions(struct db *db, int64_t id, const char *suggestions,
                           const char *reason)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "UPDATE cases SET suggestions = ?, category_reason = ?"
                    " WHERE id = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, suggestions);
    db_bind_text(st, 2, reason);
    db_bind_int(st, 3, id);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc < 0 ? rc : CG_EDB;
}

int
store_case_recategorize(struct db *db, int64_t id, const char *category,
                        const char *route_reason, const char *reason)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "UPDATE cases SET category_code = ?, route_reason = ?,"
                    " category_reason = ? WHERE id = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, category);
    db_bind_text(st, 2, route_reason);
    db_bind_text(st, 3, reason);
    db_bind_int(st, 4, id);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc < 0 ? rc : CG_EDB;
}

/* Copies one closed case into the examples. */
static int
example_add(const char *title, const char *description, const char *category,
            void *ctx)
{
    struct examples *e = ctx;

    if (!category || !*category)
        return CG_OK;
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 256;
        e->ex = xrealloc(e->ex, e->cap * sizeof(*e->ex));
    }
    e->ex[e->n].subject = str_dup(title ? title : "");
    e->ex[e->n].detail = str_dup(description ? description : "");
    e->ex[e->n].label = str_dup(category);
    e->n++;
    return CG_OK;
}

static void
examples_free(struct examples *e)
{
    size_t i;

    for (i = 0; i < e->n; i++) {
        free((char *)e->ex[i].subject);
        free((char *)e->ex[i].detail);
        free((char *)e->ex[i].label);
    }
    free(e->ex);
    memset(e, 0, sizeof(*e));
}

int
store_model_train(struct db *db, const struct cls_params *p, unsigned cv_folds,
                  struct model_trained *out, char *why, size_t whylen)
{
    struct cls_model *m = NULL;
    struct examples e = {0};
    struct model_info *info = &out->info;
    struct cls_cv cv;
    struct buf b;
    char reason[200] = "";
    int64_t read_at;
    int rc;

    memset(out, 0, sizeof(*out));
    info->cv_top1 = info->cv_top3 = -1;
    buf_init(&b, CLS_MAX_MODEL_BYTES);
    read_at = cgtime_now();
    if ((rc = store_training_cases(db, example_add, &e)) != CG_OK) {
        str_copy(why, whylen, "cannot read the closed cases");
        goto out;
    }
    if (cv_folds > 1 && e.n >= 10 * (size_t)cv_folds &&
        cls_cross_validate(p, e.ex, e.n, cv_folds, p->seed, &cv, reason,
                           sizeof(reason)) == CG_OK &&
        cv.n > 0) {
        info->cv_top1 = (double)cv.top1 / (double)cv.n;
        info->cv_top3 = (double)cv.top3 / (double)cv.n;
    }
    rc = cls_train(p, e.ex, e.n, &m, reason, sizeof(reason));
    if (rc != CG_OK) {
        str_fmt(why, whylen, "%zu closed cases cannot train a model: %s", e.n,
                reason);
        goto out;
    }
    if ((rc = cls_save(m, &b)) != CG_OK) {
        str_fmt(why, whylen, "the model is larger than %u bytes",
                CLS_MAX_MODEL_BYTES);
        goto out;
    }
    str_copy(info->name, sizeof(info->name), cls_algo_name(p->algo));
    info->created_at = read_at;
    info->n_examples = (int64_t)e.n;
    info->n_classes = (int)cls_nclasses(m);
    if ((rc = store_model_put(db, info, b.data, b.len, &info->id)) != CG_OK) {
        str_copy(why, whylen, "cannot store the model");
        goto out;
    }
    out->n_features = cls_nfeatures(m);
    out->bytes = b.len;
out:
    cls_free(m);
    buf_free(&b);
    examples_free(&e);
    return rc;
}

/* The end of a lease "pid@host until <time>"; 0 (long past) for anything
 * else, so that a damaged value never blocks retraining for good. */
static int64_t
lease_until(const char *value)
{
    const char *at = strstr(value, " until ");
    int64_t t;

    if (!at || cgtime_parse(at + 7, 0, &t) != CG_OK)
        return 0;
    return t;
}

static bool
lease_held_by(const char *value, const char *holder)
{
    size_t n = strlen(holder);

    return strncmp(value, holder, n) == 0 && value[n] == ' ';
}

/* Sets the lease to value if it still is old: one statement, so of two
 * servers that read the same expired lease only one changes it. */
static int
lease_replace(struct db *db, const char *old, const char *value)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "UPDATE settings SET value = ? WHERE key = '" LEASE_KEY
                    "' AND value = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, value);
    db_bind_text(st, 2, old);
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc < 0 ? rc : CG_EDB;
    return db_changes(db) == 1 ? CG_OK : CG_ECONFLICT;
}

int
store_retrain_lease_take(struct db *db, const char *holder, int64_t seconds)
{
    char old[LEASE_LEN] = "", value[LEASE_LEN], until[CGTIME_LEN];
    int64_t now = cgtime_now();
    int rc;

    rc = db_exec(db, "INSERT INTO settings (key, value) VALUES ('" LEASE_KEY
                     "', 'nobody until 1970-01-01T00:00:00Z')"
                     " ON CONFLICT (key) DO NOTHING");
    if (rc != CG_OK)
        return rc;
    rc = store_setting_get(db, LEASE_KEY, old, sizeof(old));
    if (rc != CG_OK)
        return rc;
    if (lease_until(old) > now && !lease_held_by(old, holder))
        return CG_ECONFLICT;
    cgtime_format(now + seconds, 0, until);
    str_fmt(value, sizeof(value), "%s until %s", holder, until);
    return lease_replace(db, old, value);
}

void
store_retrain_lease_drop(struct db *db, const char *holder)
{
    char old[LEASE_LEN] = "", value[LEASE_LEN], until[CGTIME_LEN];

    if (store_setting_get(db, LEASE_KEY, old, sizeof(old)) != CG_OK ||
        !lease_held_by(old, holder))
        return;
    cgtime_format(cgtime_now(), 0, until);
    str_fmt(value, sizeof(value), "%s until %s", holder, until);
    if (lease_replace(db, old, value) != CG_OK)
        log_warn("msg=\"cannot end the retrain lease\" holder=%s", holder);
}
