/*
 * test_core_classify.c - the case classifier on small Chinese training
 * sets whose answers are clear: the suggested categories, their order and
 * probabilities, the model file round trip and its refusal of damaged
 * files, the models of the previous file format, the temperature that
 * calibrates the probabilities, and texts with nothing or garbage to read.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"
#include "core/classify.h"

static void check_guesses(const struct cls_guess *g, size_t n);

#define ENV "环境保护"
#define LAB "劳动和社会保障"
#define TRA "交通运输"

static const struct cls_example training[] = {
    {"小区垃圾无人清运", "楼下垃圾堆积发臭，环卫清运不及时。", ENV},
    {"河道污水直排", "工厂向河里排放污水，河水发黑，污染严重。", ENV},
    {"工地噪音扰民", "夜间施工噪音很大，粉尘污染，居民无法休息。", ENV},
    {"垃圾焚烧冒黑烟", "垃圾站焚烧垃圾，黑烟污染空气。", ENV},
    {"公司拖欠工资", "老板拖欠我们三个月工资，不缴社保。", LAB},
    {"社保断缴怎么办", "单位没有按时缴纳社保，养老保险断缴。", LAB},
    {"农民工工资被拖欠", "包工头拖欠农民工工资，劳动合同也不签。", LAB},
    {"咨询失业保险", "失业后怎么领取失业保险金，社保卡在哪里办。", LAB},
    {"公交车绕路", "公交线路调整后公交车绕路，站台太远。", TRA},
    {"路口红绿灯坏了", "十字路口红绿灯不亮，车辆乱行，交通拥堵。", TRA},
    {"出租车拒载", "出租车司机拒载乘客，还乱收费。", TRA},
    {"道路交通拥堵", "上下班高峰道路拥堵，建议增加公交车。", TRA},
};

#define NTRAIN (sizeof(training) / sizeof(training[0]))

struct clear_case {
    const char *subject;
    const char *detail;
    const char *want;
};

static const struct clear_case clear_cases[] = {
    {"垃圾没人清运", "", ENV},
    {"", "河里有污水，垃圾也很多", ENV},
    {"噪音太大", "晚上施工噪音", ENV},
    {"工资拖欠", "老板不发工资", LAB},
    {"社保问题", "社保断缴了", LAB},
    {NULL, "失业保险怎么领", LAB},
    {"公交车太少", "等公交车要一个小时", TRA},
    {"红绿灯", "路口红绿灯坏了", TRA},
    {"ＡＢ出租车", "出租车拒载！！！１２３", TRA},
};

#define NCLEAR (sizeof(clear_cases) / sizeof(clear_cases[0]))

static const enum cls_algo algos[] = {CLS_SVM, CLS_LOGREG, CLS_NB};

#define NALGOS (sizeof(algos) / sizeof(algos[0]))

static struct cls_model *
train_with(const struct cls_params *p)
{
    struct cls_model *m = NULL;
    char why[200] = "";

    if (cls_train(p, training, NTRAIN, &m, why, sizeof(why)) != CG_OK)
        fail_msg("training failed: %s", why);
    return m;
}

static struct cls_model *
train(enum cls_algo algo)
{
    struct cls_params p;

    cls_params_default(&p, algo);
    p.min_df = 1; /* a dozen texts: every n-gram counts */
    return train_with(&p);
}

/* The first suggestion for every clear case is the right one. */
static void
check_clear(const struct cls_model *m, const char *what)
{
    struct cls_guess g[3];
    size_t i, n;

    for (i = 0; i < NCLEAR; i++) {
        const struct clear_case *c = &clear_cases[i];

        n = cls_classify(m, c->subject, c->detail, g, 3);
        assert_int_equal(n, 3);
        check_guesses(g, n);
        if (strcmp(g[0].label, c->want) != 0)
            fail_msg("%s: '%s' '%s' gave %s (%.3f), want %s", what,
                     c->subject ? c->subject : "(null)", c->detail, g[0].label,
                     g[0].p, c->want);
    }
}

/* Every guess list: best first, probabilities in [0, 1], sum <= 1. */
static void
check_guesses(const struct cls_guess *g, size_t n)
{
    double sum = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        assert_non_null(g[i].label);
        assert_true(g[i].p >= 0 && g[i].p <= 1);
        if (i > 0)
            assert_true(g[i - 1].p >= g[i].p);
        sum += g[i].p;
    }
    assert_true(sum <= 1.0 + 1e-9);
}

static void
test_clear_cases(void **state)
{
    size_t a;

    (void)state;
    for (a = 0; a < NALGOS; a++) {
        struct cls_model *m = train(algos[a]);

        assert_int_equal(cls_nclasses(m), 3);
        check_clear(m, cls_algo_name(algos[a]));
        cls_free(m);
    }
}

/* The SVM's settings around its defaults: with or without the naive
 * Bayes ratios, whatever the cost and the temperature, the clear cases
 * stay clear. */
static const struct svm_variant {
    double c, nb_beta;
    unsigned calibrate;
} svm_variants[] = {
    {3, 0, 5},      {3, 0.25, 5}, {3, 1, 5},    {0.1, 0.25, 5},
    {100, 0.25, 5}, {3, 0.25, 0}, {3, 0.25, 2}, {3, 0.5, 12},
};

static void
test_svm_variants(void **state)
{
    char what[80];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(svm_variants) / sizeof(svm_variants[0]); i++) {
        const struct svm_variant *v = &svm_variants[i];
        struct cls_params p;
        struct cls_model *m;

        cls_params_default(&p, CLS_SVM);
        p.min_df = 1;
        p.c = v->c;
        p.nb_beta = v->nb_beta;
        p.calibrate = v->calibrate;
        m = train_with(&p);
        str_fmt(what, sizeof(what), "svm C %g beta %g calibrate %u", v->c,
                v->nb_beta, v->calibrate);
        check_clear(m, what);
        cls_free(m);
    }
}

/*
 * The temperature only sharpens or softens: a calibrated model suggests
 * the same categories in the same order as the same model uncalibrated,
 * and every log-ratio of two probabilities is multiplied by one and the
 * same positive number.
 */
static void
test_calibration_is_a_temperature(void **state)
{
    size_t a, i, k;

    (void)state;
    for (a = 0; a < 2; a++) {
        struct cls_params p;
        struct cls_model *raw, *cal;
        double t = 0;

        cls_params_default(&p, algos[a]);
        p.min_df = 1;
        p.calibrate = 0;
        raw = train_with(&p);
        p.calibrate = 4;
        cal = train_with(&p);
        for (i = 0; i < NCLEAR; i++) {
            const struct clear_case *c = &clear_cases[i];
            struct cls_guess g1[3], g2[3];

            cls_classify(raw, c->subject, c->detail, g1, 3);
            cls_classify(cal, c->subject, c->detail, g2, 3);
            for (k = 0; k < 3; k++)
                assert_string_equal(g1[k].label, g2[k].label);
            for (k = 1; k < 3; k++) {
                double r1 = log(g1[0].p / g1[k].p);
                double r2 = log(g2[0].p / g2[k].p);

                if (r1 < 1e-3)
                    continue;
                if (t == 0)
                    t = r2 / r1;
                assert_true(t > 0);
                assert_true(fabs(r2 / r1 - t) < 1e-3 * t);
            }
        }
        assert_true(t > 0);
        cls_free(raw);
        cls_free(cal);
    }
}

/* k is clamped to the number of categories; all of them sum to 1. */
static void
test_top_k(void **state)
{
    static const struct {
        size_t k, want;
    } ks[] = {{0, 0}, {1, 1}, {2, 2}, {3, 3}, {10, 3}};
    struct cls_model *m = train(CLS_LOGREG);
    struct cls_guess g[10], all[10];
    double sum = 0;
    size_t i, n;

    (void)state;
    cls_classify(m, "垃圾清运", "垃圾", all, 10);
    for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
        n = cls_classify(m, "垃圾清运", "垃圾", g, ks[i].k);
        assert_int_equal(n, ks[i].want);
        check_guesses(g, n);
        if (n > 0) {
            assert_string_equal(g[0].label, ENV);
            assert_true(g[0].p == all[0].p);
        }
    }
    for (i = 0; i < 3; i++)
        sum += all[i].p;
    assert_true(fabs(sum - 1.0) < 1e-9);
    assert_true(all[0].p > 0.5);
    cls_free(m);
}

/* A saved model, loaded again, answers exactly as the original. */
static void
test_round_trip(void **state)
{
    struct cls_guess g1[3], g2[3];
    struct cls_model *m, *back;
    struct buf b, b2;
    char why[200];
    size_t a, i, k;

    (void)state;
    for (a = 0; a < NALGOS; a++) {
        m = train(algos[a]);
        buf_init(&b, CLS_MAX_MODEL_BYTES);
        buf_init(&b2, CLS_MAX_MODEL_BYTES);
        assert_int_equal(cls_save(m, &b), CG_OK);
        assert_int_equal(cls_load(b.data, b.len, &back, why, sizeof(why)),
                         CG_OK);
        assert_int_equal(cls_nclasses(back), cls_nclasses(m));
        assert_int_equal(cls_nfeatures(back), cls_nfeatures(m));
        for (i = 0; i < NCLEAR; i++) {
            cls_classify(m, clear_cases[i].subject, clear_cases[i].detail, g1,
                         3);
            cls_classify(back, clear_cases[i].subject, clear_cases[i].detail,
                         g2, 3);
            for (k = 0; k < 3; k++) {
                assert_string_equal(g1[k].label, g2[k].label);
                assert_true(g1[k].p == g2[k].p);
            }
        }
        /* Saving the loaded model gives the same bytes. */
        assert_int_equal(cls_save(back, &b2), CG_OK);
        assert_int_equal(b.len, b2.len);
        assert_memory_equal(b.data, b2.data, b.len);
        cls_free(back);
        cls_free(m);
        buf_free(&b);
        buf_free(&b2);
    }
}

/* The same examples and seed give the same model, byte for byte. */
static void
test_deterministic(void **state)
{
    size_t a;

    (void)state;
    for (a = 0; a < NALGOS; a++) {
        struct cls_model *m1 = train(algos[a]), *m2 = train(algos[a]);
        struct buf b1, b2;

        buf_init(&b1, CLS_MAX_MODEL_BYTES);
        buf_init(&b2, CLS_MAX_MODEL_BYTES);
        assert_int_equal(cls_save(m1, &b1), CG_OK);
        assert_int_equal(cls_save(m2, &b2), CG_OK);
        assert_int_equal(b1.len, b2.len);
        assert_memory_equal(b1.data, b2.data, b1.len);
        cls_free(m1);
        cls_free(m2);
        buf_free(&b1);
        buf_free(&b2);
    }
}

/* FNV-1a 64, the model file's checksum, to forge files of version 1. */
static uint64_t
fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/*
 * A model saved before the SVM existed (format version 1, the same layout)
 * is still read and answers as it did; a version 1 file naming the SVM
 * cannot exist and is refused.
 */
static void
test_version1_models(void **state)
{
    static const struct {
        enum cls_algo algo;
        int loads;
    } v1[] = {{CLS_LOGREG, 1}, {CLS_NB, 1}, {CLS_SVM, 0}};
    size_t i, j, k;

    (void)state;
    for (i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
        struct cls_model *m = train(v1[i].algo), *back = NULL;
        unsigned char *d;
        struct buf b;
        uint64_t h;
        char why[200] = "";
        int rc;

        buf_init(&b, CLS_MAX_MODEL_BYTES);
        assert_int_equal(cls_save(m, &b), CG_OK);
        d = (unsigned char *)b.data;
        assert_int_equal(d[8], 2); /* this build writes version 2 */
        d[8] = 1;
        h = fnv1a(d, b.len - 8);
        for (k = 0; k < 8; k++)
            d[b.len - 8 + k] = (unsigned char)(h >> (8 * k));
        rc = cls_load(b.data, b.len, &back, why, sizeof(why));
        if (!v1[i].loads) {
            assert_int_equal(rc, CG_EINVAL);
            assert_null(back);
            assert_non_null(strstr(why, "impossible"));
        } else {
            assert_int_equal(rc, CG_OK);
            for (j = 0; j < NCLEAR; j++) {
                struct cls_guess g1[3], g2[3];

                cls_classify(m, clear_cases[j].subject, clear_cases[j].detail,
                             g1, 3);
                cls_classify(back, clear_cases[j].subject,
                             clear_cases[j].detail, g2, 3);
                for (k = 0; k < 3; k++) {
                    assert_string_equal(g1[k].label, g2[k].label);
                    assert_true(g1[k].p == g2[k].p);
                }
            }
        }
        cls_free(back);
        cls_free(m);
        buf_free(&b);
    }
}

enum damage { CUT, FLIP, SET_BYTE, APPEND };

struct corrupt_case {
    const char *name;
    enum damage how;
    long at; /* negative: from the end */
    unsigned char byte;
    const char *why; /* a word the reason must contain */
};

static const struct corrupt_case corrupt_cases[] = {
    {"empty", CUT, 0, 0, "not a civicgrid"},
    {"magic only", CUT, 8, 0, "header"},
    {"half a header", CUT, 20, 0, "header"},
    {"header only", CUT, 40, 0, "cut short"},
    {"last byte missing", CUT, -1, 0, "cut short"},
    {"a byte too many", APPEND, 0, 0, "padded"},
    {"bad magic", SET_BYTE, 0, 'X', "not a civicgrid"},
    {"future version", SET_BYTE, 8, 3, "version"},
    {"version 0", SET_BYTE, 8, 0, "version"},
    {"unknown learner", SET_BYTE, 12, 9, "impossible"},
    {"reserved not 0", SET_BYTE, 20, 1, "impossible"},
    {"n-grams of 9", SET_BYTE, 16, 9, "impossible"},
    {"one category", SET_BYTE, 32, 1, "impossible"},
    {"more n-grams", SET_BYTE, 36, 0xff, "cut short"},
    {"label flipped", FLIP, 41, 0, "checksum"},
    {"weight flipped", FLIP, -20, 0, "checksum"},
    {"checksum flipped", FLIP, -1, 0, "checksum"},
};

static void
test_corrupt_refused(void **state)
{
    struct cls_model *m = train(CLS_SVM), *back;
    struct buf good, bad;
    size_t i, at;
    char why[200];
    int rc;

    (void)state;
    buf_init(&good, CLS_MAX_MODEL_BYTES);
    assert_int_equal(cls_save(m, &good), CG_OK);
    for (i = 0; i < sizeof(corrupt_cases) / sizeof(corrupt_cases[0]); i++) {
        const struct corrupt_case *c = &corrupt_cases[i];

        buf_init(&bad, CLS_MAX_MODEL_BYTES);
        assert_int_equal(buf_append(&bad, good.data, good.len), CG_OK);
        at = c->at < 0 ? good.len - (size_t)(-c->at) : (size_t)c->at;
        if (c->how == CUT)
            bad.len = at;
        else if (c->how == FLIP)
            bad.data[at] ^= 0x10;
        else if (c->how == SET_BYTE)
            bad.data[at] = (char)c->byte;
        else
            assert_int_equal(buf_append(&bad, "", 1), CG_OK);
        why[0] = '\0';
        back = (struct cls_model *)1;
        rc = cls_load(bad.data, bad.len, &back, why, sizeof(why));
        if (rc != CG_EINVAL || back != NULL || !strstr(why, c->why))
            fail_msg("%s: rc %d, reason '%s', want '%s'", c->name, rc, why,
                     c->why);
        buf_free(&bad);
    }
    buf_free(&good);
    cls_free(m);
}

struct odd_text {
    const char *name;
    const char *subject;
    const char *detail;
    const char *want; /* NULL: any answer will do */
};

static const struct odd_text odd_texts[] = {
    {"nothing", NULL, NULL, NULL},
    {"empty", "", "", NULL},
    {"punctuation and digits", "。，！？", "123 456 ……——", NULL},
    {"invalid bytes", "\xff\xfe\xc0\xaf", "\xed\xa0\x80\xf8\x88", NULL},
    {"cut-short character", "垃圾\xe5\x9e", "\xe5", ENV},
    {"garbage around words", "\xff垃圾\xfe清运\xc3", "\x80污水\xbf", ENV},
    {"emoji and latin", "😀 ABC", "工资 😡 salary", LAB},
};

static void
test_odd_texts(void **state)
{
    struct cls_guess g[3];
    size_t a, i, n;

    (void)state;
    for (a = 0; a < 2; a++) {
        struct cls_model *m = train(algos[a]);

        for (i = 0; i < sizeof(odd_texts) / sizeof(odd_texts[0]); i++) {
            const struct odd_text *t = &odd_texts[i];

            n = cls_classify(m, t->subject, t->detail, g, 3);
            assert_int_equal(n, 3);
            check_guesses(g, n);
            if (t->want && strcmp(g[0].label, t->want) != 0)
                fail_msg("%s, %s: %s, want %s", cls_algo_name(algos[a]),
                         t->name, g[0].label, t->want);
        }
        cls_free(m);
    }
}

struct bad_training {
    const char *name;
    struct cls_example ex[2];
    size_t n;
    const char *why;
};

static const struct bad_training bad_trainings[] = {
    {"no examples", {{NULL, NULL, NULL}, {NULL, NULL, NULL}}, 0, "two"},
    {"one category", {{"垃圾", "", ENV}, {"污水", "", ENV}}, 2, "two"},
    {"empty label", {{"垃圾", "", ""}, {"工资", "", LAB}}, 2, "category"},
    {"no label", {{"垃圾", "", ENV}, {"工资", "", NULL}}, 2, "category"},
    {"label not UTF-8",
     {{"垃圾", "", "\xff"}, {"工资", "", LAB}},
     2,
     "category"},
};

static void
test_bad_training(void **state)
{
    struct cls_model *m;
    struct cls_params p;
    char why[200];
    size_t i;

    (void)state;
    cls_params_default(&p, CLS_LOGREG);
    for (i = 0; i < sizeof(bad_trainings) / sizeof(bad_trainings[0]); i++) {
        const struct bad_training *t = &bad_trainings[i];

        why[0] = '\0';
        if (cls_train(&p, t->ex, t->n, &m, why, sizeof(why)) != CG_EINVAL ||
            m != NULL || !strstr(why, t->why))
            fail_msg("%s: reason '%s'", t->name, why);
    }
    p.ngram_max = 4;
    assert_int_equal(cls_train(&p, training, NTRAIN, &m, why, sizeof(why)),
                     CG_EINVAL);
}

/* Settings out of range, each refused with a reason naming it. */
enum bad_field { ALGO, NGRAM, LAMBDA, COST, BETA, CALIBRATE, PRIOR };

static const struct bad_param {
    enum bad_field field;
    double value;
    const char *why;
} bad_params[] = {
    {ALGO, 7, "learner"},
    {NGRAM, 0, "n-grams"},
    {NGRAM, 4, "n-grams"},
    {LAMBDA, 2.0, "regularisation"},
    {COST, 0, "cost"},
    {COST, -1, "cost"},
    {COST, 1e7, "cost"},
    {COST, NAN, "cost"},
    {BETA, -0.1, "NB ratio"},
    {BETA, 1.5, "NB ratio"},
    {BETA, NAN, "NB ratio"},
    {CALIBRATE, 1, "calibration"},
    {CALIBRATE, 21, "calibration"},
    {PRIOR, -0.1, "prior texts"},
    {PRIOR, 1.5, "prior texts"},
    {PRIOR, NAN, "prior texts"},
};

static void
test_bad_params(void **state)
{
    struct cls_params p;
    char why[200];
    size_t i;

    (void)state;
    cls_params_default(&p, CLS_SVM);
    assert_int_equal(cls_params_check(&p, why, sizeof(why)), CG_OK);
    for (i = 0; i < sizeof(bad_params) / sizeof(bad_params[0]); i++) {
        const struct bad_param *b = &bad_params[i];

        cls_params_default(&p, CLS_SVM);
        if (b->field == ALGO)
            p.algo = (enum cls_algo)b->value;
        else if (b->field == NGRAM)
            p.ngram_max = (unsigned)b->value;
        else if (b->field == LAMBDA)
            p.lambda = b->value;
        else if (b->field == COST)
            p.c = b->value;
        else if (b->field == BETA)
            p.nb_beta = b->value;
        else if (b->field == PRIOR)
            p.prior_weight = b->value;
        else
            p.calibrate = (unsigned)b->value;
        why[0] = '\0';
        if (cls_params_check(&p, why, sizeof(why)) != CG_EINVAL ||
            !strstr(why, b->why))
            fail_msg("case %zu: reason '%s', want '%s'", i, why, b->why);
    }
}

/* Every learner has a name that reads back as itself. */
static void
test_algo_names(void **state)
{
    enum cls_algo back;
    size_t a;

    (void)state;
    for (a = 0; a < NALGOS; a++) {
        assert_int_equal(cls_algo_parse(cls_algo_name(algos[a]), &back), CG_OK);
        assert_int_equal(back, algos[a]);
    }
    assert_int_equal(cls_algo_parse("bayes", &back), CG_EINVAL);
}

/* Every case is scored once, and a top-3 hit counts every top-1 hit. */
static void
test_cross_validation(void **state)
{
    struct cls_params p;
    struct cls_cv cv;
    char why[200];
    size_t a;

    (void)state;
    for (a = 0; a < NALGOS; a++) {
        cls_params_default(&p, algos[a]);
        p.min_df = 1;
        assert_int_equal(cls_cross_validate(&p, training, NTRAIN, 4, 7, &cv,
                                            why, sizeof(why)),
                         CG_OK);
        assert_int_equal(cv.folds, 4);
        assert_int_equal(cv.n, NTRAIN);
        assert_true(cv.top3 >= cv.top1);
        assert_int_equal(cv.top3, NTRAIN); /* three categories: always in */
        assert_true(cv.top1 >= NTRAIN / 2);
        assert_int_equal(cls_cross_validate(&p, training, NTRAIN, 1, 7, &cv,
                                            why, sizeof(why)),
                         CG_EINVAL);
    }
}

/* ---- prior texts: the names of a taxonomy's subcategories ---------------- */

/* One environment case only: the category knows few of its words. */
static const struct cls_example few[] = {
    {"垃圾焚烧冒黑烟", "垃圾站焚烧垃圾，黑烟污染空气。", ENV},
    {"公司拖欠工资", "老板拖欠我们三个月工资，不缴社保。", LAB},
    {"社保断缴怎么办", "单位没有按时缴纳社保，养老保险断缴。", LAB},
    {"农民工工资被拖欠", "包工头拖欠农民工工资，劳动合同也不签。", LAB},
    {"咨询失业保险", "失业后怎么领取失业保险金，社保卡在哪里办。", LAB},
    {"公交车绕路", "公交线路调整后公交车绕路，站台太远。", TRA},
    {"路口红绿灯坏了", "十字路口红绿灯不亮，车辆乱行，交通拥堵。", TRA},
    {"出租车拒载", "出租车司机拒载乘客，还乱收费。", TRA},
    {"道路交通拥堵", "上下班高峰道路拥堵，建议增加公交车。", TRA},
};

#define NFEW (sizeof(few) / sizeof(few[0]))

static const struct cls_example priors[] = {
    {NULL, "噪音污染", ENV},
    {NULL, "水污染", ENV},
    {NULL, "土壤污染", ENV},
    {NULL, "环境执法", ENV},
    {NULL, "劳动关系", LAB},
    {NULL, "养老保险", LAB},
    {NULL, "公共交通", TRA},
    {NULL, "出租车管理", TRA},
    /* a category none of the cases has: left out */
    {NULL, "旅游市场管理", "商贸旅游"},
};

#define NPRIORS (sizeof(priors) / sizeof(priors[0]))

/* Cases in the words of the prior texts. */
static const struct clear_case prior_cases[] = {
    {"噪音污染", "", ENV},
    {"", "河道水污染", ENV},
    {"土壤污染", "工厂旁边的地", ENV},
    {"", "请求环境执法", ENV},
};

#define NPRIOR_CASES (sizeof(prior_cases) / sizeof(prior_cases[0]))

/* weight < 0: the learner's default weight. */
static struct cls_model *
train_prior(enum cls_algo algo, double weight)
{
    struct cls_model *m = NULL;
    struct cls_params p;
    char why[200] = "";

    cls_params_default(&p, algo);
    p.min_df = 1;
    if (weight >= 0)
        p.prior_weight = weight;
    if (cls_train_prior(&p, few, NFEW, priors, NPRIORS, &m, why, sizeof(why)) !=
        CG_OK)
        fail_msg("training failed: %s", why);
    return m;
}

/* With the prior texts at their default weight every learner knows the
 * words of the category with one case; without them (weight 0) it does
 * not. */
static void
test_prior_texts(void **state)
{
    struct cls_guess g[3];
    size_t a, i, wrong;

    (void)state;
    for (a = 0; a < NALGOS; a++) {
        struct cls_model *with = train_prior(algos[a], -1);
        struct cls_model *without = train_prior(algos[a], 0);

        assert_int_equal(cls_nclasses(with), 3);
        for (i = 0; i < cls_nclasses(with); i++)
            assert_string_not_equal(cls_label(with, i), "商贸旅游");
        for (wrong = 0, i = 0; i < NPRIOR_CASES; i++) {
            const struct clear_case *c = &prior_cases[i];

            cls_classify(with, c->subject, c->detail, g, 3);
            check_guesses(g, 3);
            if (strcmp(g[0].label, c->want) != 0)
                fail_msg("%s: '%s' '%s' gave %s, want %s",
                         cls_algo_name(algos[a]), c->subject, c->detail,
                         g[0].label, c->want);
            cls_classify(without, c->subject, c->detail, g, 3);
            wrong += strcmp(g[0].label, c->want) != 0;
        }
        if (wrong == 0)
            fail_msg("%s: the cases are right without the prior texts too",
                     cls_algo_name(algos[a]));
        cls_free(with);
        cls_free(without);
    }
}

/* Weight 0, or no prior texts at all, trains the model of cls_train. */
static void
test_prior_weight_zero(void **state)
{
    struct cls_model *m1 = NULL, *m2 = NULL, *m3 = NULL;
    struct buf b1, b2, b3;
    struct cls_params p;
    char why[200];

    (void)state;
    cls_params_default(&p, CLS_SVM);
    p.min_df = 1;
    assert_int_equal(cls_train(&p, few, NFEW, &m1, why, sizeof(why)), CG_OK);
    assert_int_equal(
        cls_train_prior(&p, few, NFEW, NULL, 0, &m2, why, sizeof(why)), CG_OK);
    p.prior_weight = 0;
    assert_int_equal(
        cls_train_prior(&p, few, NFEW, priors, NPRIORS, &m3, why, sizeof(why)),
        CG_OK);
    buf_init(&b1, CLS_MAX_MODEL_BYTES);
    buf_init(&b2, CLS_MAX_MODEL_BYTES);
    buf_init(&b3, CLS_MAX_MODEL_BYTES);
    assert_int_equal(cls_save(m1, &b1), CG_OK);
    assert_int_equal(cls_save(m2, &b2), CG_OK);
    assert_int_equal(cls_save(m3, &b3), CG_OK);
    assert_int_equal(b1.len, b2.len);
    assert_int_equal(b1.len, b3.len);
    assert_memory_equal(b1.data, b2.data, b1.len);
    assert_memory_equal(b1.data, b3.data, b1.len);
    buf_free(&b1);
    buf_free(&b2);
    buf_free(&b3);
    cls_free(m1);
    cls_free(m2);
    cls_free(m3);
}

/* The prior texts train every fold and are never scored. */
static void
test_prior_cross_validation(void **state)
{
    struct cls_params p;
    struct cls_cv cv;
    char why[200];

    (void)state;
    cls_params_default(&p, CLS_SVM);
    p.min_df = 1;
    assert_int_equal(cls_cross_validate_prior(&p, few, NFEW, priors, NPRIORS, 3,
                                              7, &cv, why, sizeof(why)),
                     CG_OK);
    assert_int_equal(cv.n, NFEW);
    assert_true(cv.top3 >= cv.top1);
}

/* ---- the cold start: the catalogue's words ------------------------------ */

static const struct cls_keyclass keyclasses[] = {
    {"01081", "停电", "没电,断电"},
    {"03005", "垃圾箱异常", NULL},
    {"06010", "暴露垃圾", "垃圾,垃圾堆"},
    {"06028", "噪声扰民", "噪音,太吵"},
    {"06080", "楼道设施破损", "楼道,楼梯"},
    {"09009", "机动车乱停放", "乱停,停车"},
};

#define NKEY (sizeof(keyclasses) / sizeof(keyclasses[0]))

struct key_case {
    const char *subject;
    const char *detail;
    const char *want; /* the first suggestion; NULL: none at all */
    const char *word; /* the word the reason names */
    size_t n;         /* suggestions with a match */
};

static const struct key_case key_cases[] = {
    /* a keyword in the detail */
    {NULL, "小区门口垃圾堆了好几天", "06010", "垃圾堆", 2},
    /* the full name wins over words shared with another class */
    {NULL, "垃圾箱异常，盖子掉了", "03005", "垃圾箱异常", 2},
    /* a word of two characters inside the name */
    {"楼道灯坏了", "", "06080", "楼道", 1},
    /* the subject counts twice */
    {"晚上太吵", "楼下有人停车", "06028", "太吵", 2},
    {"", "整栋楼断电了", "01081", "断电", 1},
    /* generic words name nothing: 异常 alone is no match */
    {"设备异常", "有问题", NULL, NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
    {"", "\xff\xfe garbage 123", NULL, NULL, 0},
};

#define NKEYCASES (sizeof(key_cases) / sizeof(key_cases[0]))

static void
test_keywords_table(void **state)
{
    struct cls_keyguess g[3];
    size_t i, j, n;

    (void)state;
    for (i = 0; i < NKEYCASES; i++) {
        const struct key_case *kc = &key_cases[i];
        double sum = 0;

        n = cls_keyword_match(keyclasses, NKEY, kc->subject, kc->detail, g, 3);
        if (n != kc->n)
            fail_msg("case %zu: %zu suggestions, want %zu", i, n, kc->n);
        if (!kc->want)
            continue;
        if (strcmp(g[0].label, kc->want) != 0 || strcmp(g[0].word, kc->word))
            fail_msg("case %zu: %s by \"%s\", want %s by \"%s\"", i, g[0].label,
                     g[0].word, kc->want, kc->word);
        for (j = 0; j < n; j++) {
            assert_true(g[j].p > 0 && g[j].p < 1);
            if (j > 0)
                assert_true(g[j].p <= g[j - 1].p);
            sum += g[j].p;
        }
        assert_true(sum < 1.0); /* words never make a class certain */
    }
}

/* No more than asked for, and nothing from no classes. */
static void
test_keywords_limits(void **state)
{
    struct cls_keyguess g[3];

    (void)state;
    assert_int_equal(cls_keyword_match(keyclasses, NKEY, "垃圾", "", g, 1), 1);
    assert_int_equal(cls_keyword_match(keyclasses, 0, "垃圾", "", g, 3), 0);
    assert_int_equal(cls_keyword_match(keyclasses, NKEY, "垃圾", "", g, 0), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clear_cases),
        cmocka_unit_test(test_svm_variants),
        cmocka_unit_test(test_calibration_is_a_temperature),
        cmocka_unit_test(test_top_k),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_version1_models),
        cmocka_unit_test(test_corrupt_refused),
        cmocka_unit_test(test_odd_texts),
        cmocka_unit_test(test_bad_training),
        cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_algo_names),
        cmocka_unit_test(test_cross_validation),
        cmocka_unit_test(test_prior_texts),
        cmocka_unit_test(test_prior_weight_zero),
        cmocka_unit_test(test_prior_cross_validation),
        cmocka_unit_test(test_keywords_table),
        cmocka_unit_test(test_keywords_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
