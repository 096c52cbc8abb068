/*
 * classify.c - character n-gram features, three linear learners over
 * them, the temperature of their probabilities, the model file format and
 * cross-validation.
 *
 * The model file, all integers and floats little-endian:
 *
 *   magic "CGCLSMDL" (8 bytes), version u32 (2), algo u32, ngram_max u32,
 *   reserved u32 (0), subject_weight f64, nclass u32, nfeat u32,
 *   nclass labels of CLS_LABEL_LEN bytes each (UTF-8, NUL-padded),
 *   nfeat n-gram hashes u64 in strictly increasing order,
 *   nfeat IDF weights f32, nclass biases f32,
 *   nfeat * nclass weights f32 (feature-major),
 *   FNV-1a 64 of all the bytes before it, u64.
 *
 * The header fixes the size of everything after it, so a reader knows the
 * exact length to expect before it touches the body.  Version 2 added the
 * learner CLS_SVM (algo 2) and nothing else: a version 1 file is read as
 * it always was.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "core/classify.h"

#define MODEL_MAGIC   "CGCLSMDL"
#define MODEL_VERSION 2u
#define HEADER_LEN    40u
#define FNV_OFFSET    0xcbf29ce484222325ULL
#define FNV_PRIME     0x100000001b3ULL
/* The SVM's dual stops when its projected gradients all lie within this
 * of each other, or after so many passes.  In cross-validation 0.1 (as
 * LIBLINEAR) lost a little top-1 and 1e-3 gained none. */
#define SVM_TOLERANCE 1e-2
#define SVM_PASSES    1000

/* An n-gram of a text: its hash and how many times it counts. */
struct feat {
    uint64_t h;
    double v;
};

/* The n-grams of one text, sorted by hash, each hash once. */
struct bag {
    struct feat *f;
    size_t n, cap;
};

/* A text as the model sees it: vocabulary indices and their values. */
struct row {
    uint32_t *idx;
    double *x;
    size_t n;
};

struct cls_model {
    enum cls_algo algo;
    unsigned ngram_max;
    double subject_weight;
    size_t nclass, nfeat;
    char labels[CLS_MAX_CLASSES][CLS_LABEL_LEN];
    uint64_t *hash;
    float *idf;
    float *bias;
    float *w; /* nfeat rows of nclass weights */
};

/* What the training code shares: the examples read once, the categories
 * and which category each example has. */
struct corpus {
    struct bag *bags;
    int *y;
    double *wt;   /* how much each example counts: 1, or prior_weight */
    size_t n;     /* examples, the prior texts included */
    size_t nreal; /* [nreal, n) are prior texts: trained on, never scored */
    size_t nclass;
    char labels[CLS_MAX_CLASSES][CLS_LABEL_LEN];
};

static uint64_t rng_next(uint64_t *s);
static void shuffle(size_t *v, size_t n, uint64_t *rng);
static long utf8_next(const unsigned char *s, size_t len, size_t *i);
static uint32_t char_fold(long cp);
static void bag_add(struct bag *b, uint64_t h, double v);
static int feat_cmp(const void *a, const void *b);
static void bag_finish(struct bag *b);
static void bag_text(struct bag *b, const char *text, unsigned ngram_max,
                     double weight);
static void bag_make(struct bag *b, const char *subject, const char *detail,
                     unsigned ngram_max, double subject_weight);
static double tf_sublinear(double v);
static void row_make(const struct cls_model *m, const struct bag *b,
                     struct row *r);
static void row_free(struct row *r);
static void scores(const struct cls_model *m, const struct row *r, double *z);
static void softmax(double *z, size_t n);
static int u64_cmp(const void *a, const void *b);
static int df_cmp(const void *a, const void *b);
static int corpus_make(const struct cls_params *p, const struct cls_example *ex,
                       size_t n, const struct cls_example *prior, size_t nprior,
                       struct corpus *c, char *why, size_t whylen);
static void corpus_free(struct corpus *c);
static int vocabulary(const struct cls_params *p, const struct corpus *c,
                      const size_t *idx, size_t nidx, struct cls_model *m);
static void fit_nb(const struct cls_params *p, const struct corpus *c,
                   const size_t *idx, size_t nidx, struct cls_model *m);
static void fit_logreg(const struct cls_params *p, const struct corpus *c,
                       const size_t *idx, size_t nidx, struct cls_model *m);
static void nb_scale(const struct cls_params *p, const struct corpus *c,
                     const size_t *idx, const struct row *rows, size_t nidx,
                     size_t nfeat, int k, double *s);
static void fit_svm(const struct cls_params *p, const struct corpus *c,
                    const size_t *idx, size_t nidx, struct cls_model *m);
static void deal_folds(const struct corpus *c, const size_t *idx, size_t nidx,
                       unsigned folds, uint64_t *rng, unsigned *fold);
static double nll_at(const double *z, const int *y, size_t n, size_t nc,
                     double t);
static double temperature(const double *z, const int *y, size_t n, size_t nc);
static int calibrate(const struct cls_params *p, const struct corpus *c,
                     const size_t *idx, size_t nidx, double *t);
static int train_subset(const struct cls_params *p, const struct corpus *c,
                        const size_t *idx, size_t nidx, struct cls_model **out);
static size_t top_k(const struct cls_model *m, double *p, struct cls_guess *out,
                    size_t k);
static uint64_t fnv1a(const unsigned char *p, size_t n);
static void put_u32(unsigned char **p, uint32_t v);
static void put_u64(unsigned char **p, uint64_t v);
static void put_f32(unsigned char **p, float v);
static uint32_t get_u32(const unsigned char *p);
static uint64_t get_u64(const unsigned char *p);
static float get_f32(const unsigned char *p);
static uint64_t model_size(uint64_t nclass, uint64_t nfeat);
static int check_body(const struct cls_model *m, char *why, size_t whylen);
static size_t cjk_len(const char *s);
static bool generic_word(const char *w, size_t len);
static bool holds_word(const char *text, const char *word);
static void key_word(const char *w, size_t len, const char *subject,
                     const char *detail, struct cls_keyguess *g);
static int keyguess_cmp(const void *a, const void *b);

/* splitmix64: small, fast and the same on every platform. */
static uint64_t
rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void
shuffle(size_t *v, size_t n, uint64_t *rng)
{
    size_t i, j, t;

    for (i = n; i > 1; i--) {
        j = (size_t)(rng_next(rng) % i);
        t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* Decodes the code point at s[*i] and moves past it.  An invalid,
 * overlong or cut-short sequence gives -1 and moves one byte on, so any
 * bytes can be read. */
static long
utf8_next(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[*i];
    size_t extra, k;
    long cp, min;

    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if ((c & 0xe0) == 0xc0) {
        extra = 1;
        cp = c & 0x1f;
        min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        extra = 2;
        cp = c & 0x0f;
        min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        extra = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        (*i)++;
        return -1;
    }
    if (*i + extra >= len) {
        (*i)++;
        return -1;
    }
    for (k = 1; k <= extra; k++) {
        if ((s[*i + k] & 0xc0) != 0x80) {
            (*i)++;
            return -1;
        }
        cp = (cp << 6) | (s[*i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        (*i)++;
        return -1;
    }
    *i += extra + 1;
    return cp;
}

/*
 * The character an n-gram is made of, or 0 when cp ends a run.  Letters
 * are folded to lower case (full-width ones to ASCII) so "Ａ市" and "a市"
 * are one feature; digits, whitespace, punctuation, symbols and emoji end
 * a run, because a house number or a date says nothing about the
 * category and n-grams should not bridge two clauses.
 */
static uint32_t
char_fold(long cp)
{
    if (cp < 0)
        return 0;
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z')
            return (uint32_t)(cp - 'A' + 'a');
        return cp >= 'a' && cp <= 'z' ? (uint32_t)cp : 0;
    }
    if (cp >= 0xff21 && cp <= 0xff3a)
        return (uint32_t)(cp - 0xff21 + 'a');
    if (cp >= 0xff41 && cp <= 0xff5a)
        return (uint32_t)(cp - 0xff41 + 'a');
    if (cp <= 0xbf || (cp >= 0x2000 && cp <= 0x2bff) ||
        (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xfe10 && cp <= 0xfe6f) ||
        (cp >= 0xff00 && cp <= 0xffef) || cp >= 0x1f000 ||
        (cp >= 0xe000 && cp <= 0xf8ff))
        return 0;
    return (uint32_t)cp;
}

static void
bag_add(struct bag *b, uint64_t h, double v)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->f = xrealloc(b->f, b->cap * sizeof(*b->f));
    }
    b->f[b->n].h = h;
    b->f[b->n].v = v;
    b->n++;
}

static int
feat_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct feat *)a)->h, y = ((const struct feat *)b)->h;

    return x < y ? -1 : x > y;
}

/* Sorts the n-grams by hash and adds up the repeats. */
static void
bag_finish(struct bag *b)
{
    size_t i, w = 0;

    if (b->n == 0)
        return;
    qsort(b->f, b->n, sizeof(*b->f), feat_cmp);
    for (i = 1; i < b->n; i++) {
        if (b->f[i].h == b->f[w].h)
            b->f[w].v += b->f[i].v;
        else
            b->f[++w] = b->f[i];
    }
    b->n = w + 1;
}

/* Adds the 1- to ngram_max-grams of each run of characters in text, each
 * counting weight. */
static void
bag_text(struct bag *b, const char *text, unsigned ngram_max, double weight)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len, i = 0, chars = 0;
    uint32_t win[CLS_MAX_NGRAM];
    unsigned run = 0, n, k;

    if (!text || weight <= 0)
        return;
    len = strlen(text);
    while (i < len && chars < CLS_MAX_CHARS) {
        uint32_t ch = char_fold(utf8_next(s, len, &i));

        chars++;
        if (ch == 0) {
            run = 0;
            continue;
        }
        memmove(win + 1, win, (CLS_MAX_NGRAM - 1) * sizeof(win[0]));
        win[0] = ch;
        if (run < CLS_MAX_NGRAM)
            run++;
        for (n = 1; n <= ngram_max && n <= run; n++) {
            uint64_t h = FNV_OFFSET ^ n;

            h *= FNV_PRIME;
            for (k = n; k-- > 0;) {
                h ^= win[k];
                h *= FNV_PRIME;
            }
            bag_add(b, h, weight);
        }
    }
}

static void
bag_make(struct bag *b, const char *subject, const char *detail,
         unsigned ngram_max, double subject_weight)
{
    memset(b, 0, sizeof(*b));
    bag_text(b, subject, ngram_max, subject_weight);
    bag_text(b, detail, ngram_max, 1.0);
    bag_finish(b);
}

/* 1 + ln(tf): the tenth mention of a word says less than the first. */
static double
tf_sublinear(double v)
{
    return v < 1.0 ? v : 1.0 + log(v);
}

/* The model's view of a text: the n-grams it knows, weighted as the
 * learner was trained (TF-IDF and unit length, or raw counts). */
static void
row_make(const struct cls_model *m, const struct bag *b, struct row *r)
{
    size_t i, lo, hi, mid;
    double norm = 0;

    r->n = 0;
    r->idx = xmalloc((b->n ? b->n : 1) * sizeof(*r->idx));
    r->x = xmalloc((b->n ? b->n : 1) * sizeof(*r->x));
    for (i = 0; i < b->n; i++) {
        lo = 0;
        hi = m->nfeat;
        while (lo < hi) {
            mid = lo + (hi - lo) / 2;
            if (m->hash[mid] < b->f[i].h)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == m->nfeat || m->hash[lo] != b->f[i].h)
            continue;
        r->idx[r->n] = (uint32_t)lo;
        if (m->algo != CLS_NB) {
            r->x[r->n] = tf_sublinear(b->f[i].v) * m->idf[lo];
            norm += r->x[r->n] * r->x[r->n];
        } else {
            r->x[r->n] = b->f[i].v;
        }
        r->n++;
    }
    if (m->algo != CLS_NB && norm > 0) {
        norm = sqrt(norm);
        for (i = 0; i < r->n; i++)
            r->x[i] /= norm;
    }
}

static void
row_free(struct row *r)
{
    free(r->idx);
    free(r->x);
    memset(r, 0, sizeof(*r));
}

static void
scores(const struct cls_model *m, const struct row *r, double *z)
{
    size_t i, c;

    for (c = 0; c < m->nclass; c++)
        z[c] = m->bias[c];
    for (i = 0; i < r->n; i++) {
        const float *w = m->w + (size_t)r->idx[i] * m->nclass;

        for (c = 0; c < m->nclass; c++)
            z[c] += r->x[i] * w[c];
    }
}

static void
softmax(double *z, size_t n)
{
    double max = z[0], sum = 0;
    size_t c;

    for (c = 1; c < n; c++)
        if (z[c] > max)
            max = z[c];
    for (c = 0; c < n; c++) {
        z[c] = exp(z[c] - max);
        sum += z[c];
    }
    for (c = 0; c < n; c++)
        z[c] /= sum;
}

void
cls_params_default(struct cls_params *p, enum cls_algo algo)
{
    memset(p, 0, sizeof(*p));
    p->algo = algo;
    p->min_df = 1;
    p->max_features = 1u << 20;
    p->seed = 1;
    p->alpha = 1.0;
    p->epochs = 30;
    p->lambda = 1e-4;
    p->eta0 = 1.0;
    p->c = 3.0;
    /* Half a case: by cross-validation 0.25 to 1 all did about as well. */
    p->prior_weight = 0.5;
    if (algo == CLS_NB) {
        /* The plain baseline: 1- and 2-grams, subject and detail alike. */
        p->ngram_max = 2;
        p->subject_weight = 1.0;
        return;
    }
    p->ngram_max = 3;
    p->subject_weight = 10.0;
    p->min_df = 2;
    /* Both discriminative learners get a temperature fitted on five
     * folds, so that a probability of 0.85 (the setting auto-accepting a
     * case) is right about as often as it says. */
    p->calibrate = 5;
    if (algo == CLS_SVM)
        p->nb_beta = 0.25;
}

int
cls_params_check(const struct cls_params *p, char *why, size_t whylen)
{
    const char *bad = NULL;

    if (p->algo != CLS_LOGREG && p->algo != CLS_NB && p->algo != CLS_SVM)
        bad = "the learner is unknown";
    else if (p->ngram_max < 1 || p->ngram_max > CLS_MAX_NGRAM)
        bad = "n-grams must be 1 to 3 characters long";
    else if (p->algo == CLS_SVM && !(p->c > 0 && p->c <= 1e6))
        bad = "the SVM cost must be above 0 and at most 1000000";
    else if (!(p->nb_beta >= 0 && p->nb_beta <= 1))
        bad = "the NB ratio weight must be between 0 and 1";
    else if (p->calibrate == 1 || p->calibrate > 20)
        bad = "the calibration folds must be 0 (off) or 2 to 20";
    else if (!(p->subject_weight >= 0 && p->subject_weight <= 100))
        bad = "the subject weight must be between 0 and 100";
    else if (p->min_df < 1)
        bad = "the minimum document frequency must be at least 1";
    else if (p->max_features < 1 || p->max_features > CLS_MAX_FEATURES)
        bad = "the vocabulary cap must be between 1 and 2097152";
    else if (p->epochs < 1 || p->epochs > 1000)
        bad = "the number of epochs must be between 1 and 1000";
    else if (!(p->eta0 > 0 && p->eta0 <= 100))
        bad = "the step size must be above 0 and at most 100";
    else if (!(p->lambda >= 0 && p->lambda * p->eta0 < 1))
        bad = "the regularisation must be at least 0 and below 1/step";
    else if (!(p->alpha > 0 && p->alpha <= 100))
        bad = "the smoothing must be above 0 and at most 100";
    else if (!(p->prior_weight >= 0 && p->prior_weight <= 1))
        bad = "the weight of the prior texts must be between 0 and 1";
    if (!bad)
        return CG_OK;
    str_copy(why, whylen, bad);
    return CG_EINVAL;
}

const char *
cls_algo_name(enum cls_algo algo)
{
    return algo == CLS_NB ? "nb" : algo == CLS_SVM ? "svm" : "logreg";
}

int
cls_algo_parse(const char *s, enum cls_algo *out)
{
    if (strcmp(s, "logreg") == 0)
        *out = CLS_LOGREG;
    else if (strcmp(s, "nb") == 0)
        *out = CLS_NB;
    else if (strcmp(s, "svm") == 0)
        *out = CLS_SVM;
    else
        return CG_EINVAL;
    return CG_OK;
}

/* Reads the examples once: their n-grams and their categories, the
 * categories in byte order so that the model does not depend on the order
 * of the rows. */
static int
corpus_make(const struct cls_params *p, const struct cls_example *ex, size_t n,
            const struct cls_example *prior, size_t nprior, struct corpus *c,
            char *why, size_t whylen)
{
    size_t i, j, k;

    memset(c, 0, sizeof(*c));
    for (i = 0; i < n; i++) {
        const char *l = ex[i].label;

        if (!l || !*l || strlen(l) >= CLS_LABEL_LEN ||
            str_utf8_len(l, strlen(l)) < 0) {
            str_fmt(why, whylen,
                    "example %zu: the category must be UTF-8 text of 1 to "
                    "%d bytes",
                    i + 1, CLS_LABEL_LEN - 1);
            return CG_EINVAL;
        }
        for (j = 0; j < c->nclass; j++)
            if (strcmp(c->labels[j], l) == 0)
                break;
        if (j < c->nclass)
            continue;
        if (c->nclass == CLS_MAX_CLASSES) {
            str_fmt(why, whylen, "more than %d categories", CLS_MAX_CLASSES);
            return CG_EINVAL;
        }
        for (j = c->nclass; j > 0 && strcmp(c->labels[j - 1], l) > 0; j--)
            memcpy(c->labels[j], c->labels[j - 1], CLS_LABEL_LEN);
        str_copy(c->labels[j], CLS_LABEL_LEN, l);
        c->nclass++;
    }
    if (c->nclass < 2) {
        str_copy(why, whylen, "training needs at least two categories");
        return CG_EINVAL;
    }
    c->nreal = n;
    c->y = xmalloc((n + nprior) * sizeof(*c->y));
    c->wt = xmalloc((n + nprior) * sizeof(*c->wt));
    c->bags = xcalloc(n + nprior, sizeof(*c->bags));
    for (i = 0; i < n; i++) {
        for (k = 0; strcmp(c->labels[k], ex[i].label) != 0; k++)
            ;
        c->y[i] = (int)k;
        c->wt[i] = 1.0;
        bag_make(&c->bags[i], ex[i].subject, ex[i].detail, p->ngram_max,
                 p->subject_weight);
    }
    c->n = n;
    /* A prior text of a category the cases do not have would add a
     * category nobody has ever confirmed: it is left out. */
    for (i = 0; i < nprior && p->prior_weight > 0; i++) {
        if (!prior[i].label)
            continue;
        for (k = 0; k < c->nclass; k++)
            if (strcmp(c->labels[k], prior[i].label) == 0)
                break;
        if (k == c->nclass)
            continue;
        c->y[c->n] = (int)k;
        c->wt[c->n] = p->prior_weight;
        bag_make(&c->bags[c->n], prior[i].subject, prior[i].detail,
                 p->ngram_max, p->subject_weight);
        if (c->bags[c->n].n == 0) {
            free(c->bags[c->n].f);
            c->bags[c->n].f = NULL;
            continue;
        }
        c->n++;
    }
    return CG_OK;
}

static void
corpus_free(struct corpus *c)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        free(c->bags[i].f);
    free(c->bags);
    free(c->y);
    free(c->wt);
    memset(c, 0, sizeof(*c));
}

static int
u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Most frequent first; equal ones by hash, so the cut is deterministic. */
static int
df_cmp(const void *a, const void *b)
{
    const struct feat *x = a, *y = b;

    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return x->h < y->h ? -1 : x->h > y->h;
}

/*
 * The vocabulary of the examples idx[0..nidx): every n-gram in at least
 * min_df of them, the max_features most frequent when there are more,
 * sorted by hash for the binary search of row_make, each with its smoothed
 * IDF.  Allocates m->hash and m->idf.
 */
static int
vocabulary(const struct cls_params *p, const struct corpus *c,
           const size_t *idx, size_t nidx, struct cls_model *m)
{
    size_t i, j, total = 0, nv = 0;
    struct feat *df;
    uint64_t *all;

    for (i = 0; i < nidx; i++)
        total += c->bags[idx[i]].n;
    all = xmalloc((total ? total : 1) * sizeof(*all));
    total = 0;
    for (i = 0; i < nidx; i++)
        for (j = 0; j < c->bags[idx[i]].n; j++)
            all[total++] = c->bags[idx[i]].f[j].h;
    qsort(all, total, sizeof(*all), u64_cmp);
    df = xmalloc((total ? total : 1) * sizeof(*df));
    for (i = 0; i < total; i = j) {
        for (j = i + 1; j < total && all[j] == all[i]; j++)
            ;
        if (j - i >= p->min_df) {
            df[nv].h = all[i];
            df[nv].v = (double)(j - i);
            nv++;
        }
    }
    free(all);
    if (nv > p->max_features) {
        qsort(df, nv, sizeof(*df), df_cmp);
        nv = p->max_features;
        qsort(df, nv, sizeof(*df), feat_cmp);
    }
    m->nfeat = nv;
    m->hash = xmalloc((nv ? nv : 1) * sizeof(*m->hash));
    m->idf = xmalloc((nv ? nv : 1) * sizeof(*m->idf));
    for (i = 0; i < nv; i++) {
        m->hash[i] = df[i].h;
        m->idf[i] = (float)(log((1.0 + (double)nidx) / (1.0 + df[i].v)) + 1.0);
    }
    free(df);
    return CG_OK;
}

/* Multinomial naive Bayes: log P(category) and log P(n-gram | category)
 * with additive smoothing; the prior is smoothed too so that a category
 * missing from a fold is unlikely rather than impossible. */
static void
fit_nb(const struct cls_params *p, const struct corpus *c, const size_t *idx,
       size_t nidx, struct cls_model *m)
{
    size_t nc = m->nclass, i, j, k;
    double *count = xcalloc(m->nfeat * nc + 1, sizeof(*count));
    double total[CLS_MAX_CLASSES] = {0}, docs[CLS_MAX_CLASSES] = {0};
    struct row r;

    for (i = 0; i < nidx; i++) {
        int y = c->y[idx[i]];

        row_make(m, &c->bags[idx[i]], &r);
        for (j = 0; j < r.n; j++) {
            count[(size_t)r.idx[j] * nc + (size_t)y] += c->wt[idx[i]] * r.x[j];
            total[y] += c->wt[idx[i]] * r.x[j];
        }
        docs[y] += c->wt[idx[i]];
        row_free(&r);
    }
    for (k = 0; k < nc; k++) {
        double denom = total[k] + p->alpha * (double)m->nfeat;

        m->bias[k] = (float)log((docs[k] + 1.0) / ((double)nidx + (double)nc));
        for (j = 0; j < m->nfeat; j++)
            m->w[j * nc + k] = (float)log((count[j * nc + k] + p->alpha) /
                                          (denom > 0 ? denom : 1.0));
    }
    free(count);
}

/*
 * Multinomial logistic regression by stochastic gradient descent on the
 * cross-entropy with an L2 penalty, the step shrinking as 1 / (1 + eta0
 * lambda t).  Each example's loss is weighted by the inverse frequency of
 * its category, so that a small category (trade, environment) is not
 * drowned by the large ones.  The penalty shrinks every weight at every step;
 * instead of touching them all, the weights are kept as scale * v and only the
 * scale shrinks, so a step costs the size of the text, not of the model.  The
 * order of the examples is shuffled each epoch from the seed.
 */
static void
fit_logreg(const struct cls_params *p, const struct corpus *c,
           const size_t *idx, size_t nidx, struct cls_model *m)
{
    size_t nc = m->nclass, nw = m->nfeat * nc, i, j, k, e;
    double *v = xcalloc(nw + 1, sizeof(*v));
    double bias[CLS_MAX_CLASSES] = {0}, z[CLS_MAX_CLASSES];
    double scale = 1.0, t = 0;
    size_t *order = xmalloc((nidx ? nidx : 1) * sizeof(*order));
    struct row *rows = xcalloc(nidx ? nidx : 1, sizeof(*rows));
    uint64_t rng = p->seed;
    double cw[CLS_MAX_CLASSES] = {0}, nw_sum = 0;

    for (i = 0; i < nidx; i++) {
        row_make(m, &c->bags[idx[i]], &rows[i]);
        order[i] = i;
        cw[c->y[idx[i]]] += c->wt[idx[i]];
        nw_sum += c->wt[idx[i]];
    }
    for (k = 0; k < nc; k++)
        cw[k] = cw[k] > 0 ? nw_sum / ((double)nc * cw[k]) : 1.0;
    for (e = 0; e < p->epochs; e++) {
        shuffle(order, nidx, &rng);
        for (i = 0; i < nidx; i++) {
            const struct row *r = &rows[order[i]];
            int y = c->y[idx[order[i]]];
            double eta = p->eta0 / (1.0 + p->eta0 * p->lambda * t);

            for (k = 0; k < nc; k++)
                z[k] = bias[k];
            for (j = 0; j < r->n; j++)
                for (k = 0; k < nc; k++)
                    z[k] += scale * r->x[j] * v[(size_t)r->idx[j] * nc + k];
            softmax(z, nc);
            scale *= 1.0 - eta * p->lambda;
            for (k = 0; k < nc; k++) {
                double g = cw[y] * c->wt[idx[order[i]]] *
                           (z[k] - ((int)k == y ? 1.0 : 0.0));
                double step = eta * g / scale;

                bias[k] -= eta * g;
                for (j = 0; j < r->n; j++)
                    v[(size_t)r->idx[j] * nc + k] -= step * r->x[j];
            }
            if (scale < 1e-9) {
                for (j = 0; j < nw; j++)
                    v[j] *= scale;
                scale = 1.0;
            }
            t += 1;
        }
    }
    for (j = 0; j < nw; j++)
        m->w[j] = (float)(v[j] * scale);
    for (k = 0; k < nc; k++)
        m->bias[k] = (float)bias[k];
    for (i = 0; i < nidx; i++)
        row_free(&rows[i]);
    free(rows);
    free(order);
    free(v);
}

/*
 * The scale of each feature for the one-against-the-rest problem of
 * category k, after the NB-SVM of Wang and Manning: r is the log-ratio of
 * how often an n-gram appears in the texts of k and in the others
 * (presence, smoothed by alpha), and a feature counts 1 - beta + beta r.
 * An n-gram that says nothing about k gets a scale near 1 - beta, so the
 * regulariser keeps its weight small; one typical of k or of the others
 * is stretched.  beta 0 leaves every scale at 1.
 */
static void
nb_scale(const struct cls_params *p, const struct corpus *c, const size_t *idx,
         const struct row *rows, size_t nidx, size_t nfeat, int k, double *s)
{
    double *q = xcalloc(nfeat ? nfeat : 1, sizeof(*q)), sp = 0, sq = 0;
    size_t i, j;

    for (j = 0; j < nfeat; j++) {
        s[j] = p->alpha;
        q[j] = p->alpha;
    }
    for (i = 0; i < nidx; i++) {
        double *t = c->y[idx[i]] == k ? s : q;

        for (j = 0; j < rows[i].n; j++)
            t[rows[i].idx[j]] += c->wt[idx[i]];
    }
    for (j = 0; j < nfeat; j++) {
        sp += s[j];
        sq += q[j];
    }
    for (j = 0; j < nfeat; j++)
        s[j] = 1.0 - p->nb_beta + p->nb_beta * log((s[j] / sp) / (q[j] / sq));
    free(q);
}

/*
 * One linear support vector machine per category against the rest, on
 * the squared hinge loss with an L2 penalty, solved in the dual by
 * coordinate descent (Hsieh et al. 2008, as in LIBLINEAR) with the bias
 * as a feature of constant 1.  Each example's cost is C times the inverse
 * frequency of its category, as in fit_logreg; a prior text's cost and
 * its share of the frequencies are scaled by its weight.  The dual has no step
 * size to tune and converges in a few dozen passes on a few hundred texts; the
 * passes visit the examples in an order shuffled from the seed.  The
 * scores are margins, not log-odds: calibrate() gives them a temperature.
 */
static void
fit_svm(const struct cls_params *p, const struct corpus *c, const size_t *idx,
        size_t nidx, struct cls_model *m)
{
    size_t nc = m->nclass, nf = m->nfeat, i, j, k, it, o;
    struct row *rows = xcalloc(nidx ? nidx : 1, sizeof(*rows));
    double *w = xmalloc((nf ? nf : 1) * sizeof(*w));
    double *s = xmalloc((nf ? nf : 1) * sizeof(*s));
    double *a = xmalloc((nidx ? nidx : 1) * sizeof(*a));
    double *qd = xmalloc((nidx ? nidx : 1) * sizeof(*qd));
    double *dg = xmalloc((nidx ? nidx : 1) * sizeof(*dg));
    size_t *order = xmalloc((nidx ? nidx : 1) * sizeof(*order));
    double cw[CLS_MAX_CLASSES] = {0}, nw_sum = 0;
    uint64_t rng = p->seed;

    for (i = 0; i < nidx; i++) {
        row_make(m, &c->bags[idx[i]], &rows[i]);
        cw[c->y[idx[i]]] += c->wt[idx[i]];
        nw_sum += c->wt[idx[i]];
    }
    for (k = 0; k < nc; k++)
        cw[k] = cw[k] > 0 ? nw_sum / ((double)nc * cw[k]) : 1.0;
    for (k = 0; k < nc; k++) {
        double b = 0;

        for (j = 0; j < nf; j++) {
            w[j] = 0;
            s[j] = 1.0;
        }
        if (p->nb_beta > 0)
            nb_scale(p, c, idx, rows, nidx, nf, (int)k, s);
        for (i = 0; i < nidx; i++) {
            double sq = 1.0;

            for (j = 0; j < rows[i].n; j++) {
                double x = rows[i].x[j] * s[rows[i].idx[j]];

                sq += x * x;
            }
            dg[i] = 1.0 / (2.0 * p->c * cw[c->y[idx[i]]] * c->wt[idx[i]]);
            qd[i] = sq + dg[i];
            a[i] = 0;
            order[i] = i;
        }
        for (it = 0; it < SVM_PASSES; it++) {
            double pgmax = -HUGE_VAL, pgmin = HUGE_VAL;

            shuffle(order, nidx, &rng);
            for (o = 0; o < nidx; o++) {
                const struct row *r = &rows[order[o]];
                double yi = c->y[idx[order[o]]] == (int)k ? 1.0 : -1.0;
                double g = b, pg, old, d;

                i = order[o];
                for (j = 0; j < r->n; j++)
                    g += w[r->idx[j]] * r->x[j] * s[r->idx[j]];
                g = yi * g - 1.0 + dg[i] * a[i];
                pg = a[i] == 0 ? fmin(g, 0) : g;
                pgmax = fmax(pgmax, pg);
                pgmin = fmin(pgmin, pg);
                if (fabs(pg) < 1e-12)
                    continue;
                old = a[i];
                a[i] = fmax(a[i] - g / qd[i], 0);
                d = (a[i] - old) * yi;
                for (j = 0; j < r->n; j++)
                    w[r->idx[j]] += d * r->x[j] * s[r->idx[j]];
                b += d;
            }
            if (pgmax - pgmin < SVM_TOLERANCE)
                break;
        }
        for (j = 0; j < nf; j++)
            m->w[j * nc + k] = (float)(w[j] * s[j]);
        m->bias[k] = (float)b;
    }
    for (i = 0; i < nidx; i++)
        row_free(&rows[i]);
    free(rows);
    free(order);
    free(dg);
    free(qd);
    free(a);
    free(s);
    free(w);
}

/* Deals the examples idx[0..nidx) to folds, each category shuffled and
 * dealt in turn so that every fold holds each in proportion; fold[i] is
 * the fold of idx[i]. */
static void
deal_folds(const struct corpus *c, const size_t *idx, size_t nidx,
           unsigned folds, uint64_t *rng, unsigned *fold)
{
    size_t *members = xmalloc((nidx ? nidx : 1) * sizeof(*members));
    size_t i, k, nmem, deal = 0;

    for (k = 0; k < c->nclass; k++) {
        for (nmem = 0, i = 0; i < nidx; i++)
            if (c->y[idx[i]] == (int)k)
                members[nmem++] = i;
        shuffle(members, nmem, rng);
        for (i = 0; i < nmem; i++)
            fold[members[i]] = (unsigned)(deal++ % folds);
    }
    free(members);
}

/* The mean negative log-likelihood of the labels y under softmax(t z). */
static double
nll_at(const double *z, const int *y, size_t n, size_t nc, double t)
{
    double sum = 0;
    size_t i, k;

    for (i = 0; i < n; i++) {
        const double *zi = z + i * nc;
        double max = zi[0], e = 0;

        for (k = 1; k < nc; k++)
            max = fmax(max, zi[k]);
        for (k = 0; k < nc; k++)
            e += exp(t * (zi[k] - max));
        sum += log(e) - t * (zi[y[i]] - max);
    }
    return n ? sum / (double)n : 0;
}

/* The temperature that makes softmax(t z) fit the labels best: the
 * likelihood is concave in t, so a golden-section search on log t finds
 * it. */
static double
temperature(const double *z, const int *y, size_t n, size_t nc)
{
    const double phi = 0.6180339887498949;
    double lo = log(0.01), hi = log(1000.0), a, b, fa, fb;
    int it;

    a = hi - phi * (hi - lo);
    b = lo + phi * (hi - lo);
    fa = nll_at(z, y, n, nc, exp(a));
    fb = nll_at(z, y, n, nc, exp(b));
    for (it = 0; it < 60; it++) {
        if (fa < fb) {
            hi = b;
            b = a;
            fb = fa;
            a = hi - phi * (hi - lo);
            fa = nll_at(z, y, n, nc, exp(a));
        } else {
            lo = a;
            a = b;
            fa = fb;
            b = lo + phi * (hi - lo);
            fb = nll_at(z, y, n, nc, exp(b));
        }
    }
    return exp((lo + hi) / 2);
}

/*
 * The softmax temperature for a model trained on idx[0..nidx): the
 * examples are split into p->calibrate folds, each scored by a model
 * trained on the others, and t is fitted to those scores.  A model's
 * scores on its own training texts are far too sure of themselves, so
 * only scores on texts it has not seen can say what a probability of 0.9
 * is worth.  Folds without a text of some category are fine: the model
 * still has every category, as the corpus fixes them.
 */
static int
calibrate(const struct cls_params *p, const struct corpus *c, const size_t *idx,
          size_t nidx, double *t)
{
    struct cls_params inner = *p;
    size_t nc = c->nclass, i, nin, nout = 0;
    unsigned *fold = xmalloc((nidx ? nidx : 1) * sizeof(*fold)), f;
    size_t *in = xmalloc((nidx ? nidx : 1) * sizeof(*in));
    double *z = xmalloc((nidx ? nidx : 1) * nc * sizeof(*z));
    int *y = xmalloc((nidx ? nidx : 1) * sizeof(*y));
    uint64_t rng = p->seed ^ 0x5bd1e995u;
    int rc = CG_OK;

    *t = 1.0;
    inner.calibrate = 0;
    deal_folds(c, idx, nidx, p->calibrate, &rng, fold);
    for (f = 0; f < p->calibrate && rc == CG_OK; f++) {
        struct cls_model *m = NULL;

        for (nin = 0, i = 0; i < nidx; i++)
            if (fold[i] != f)
                in[nin++] = idx[i];
        if ((rc = train_subset(&inner, c, in, nin, &m)) != CG_OK)
            break;
        for (i = 0; i < nidx; i++) {
            struct row r;

            if (fold[i] != f)
                continue;
            row_make(m, &c->bags[idx[i]], &r);
            scores(m, &r, z + nout * nc);
            row_free(&r);
            y[nout++] = c->y[idx[i]];
        }
        cls_free(m);
    }
    if (rc == CG_OK && nout > 0)
        *t = temperature(z, y, nout, nc);
    free(y);
    free(z);
    free(in);
    free(fold);
    return rc;
}

/* A model from the examples idx[0..nidx) of the corpus and its prior
 * texts. */
static int
train_subset(const struct cls_params *p, const struct corpus *c,
             const size_t *idx, size_t nidx, struct cls_model **out)
{
    struct cls_model *m = xcalloc(1, sizeof(*m));
    size_t *all = xmalloc((nidx + c->n - c->nreal + 1) * sizeof(*all));
    size_t nall = nidx, i;
    int rc;

    /* The prior texts join every training set, the vocabulary and its
     * document frequencies too (a subcategory's name is mostly a word no
     * case uses twice); calibrate() below gets idx alone, so they are
     * never scored. */
    memcpy(all, idx, nidx * sizeof(*idx));
    for (i = c->nreal; i < c->n; i++)
        all[nall++] = i;
    m->algo = p->algo;
    m->ngram_max = p->ngram_max;
    m->subject_weight = p->subject_weight;
    m->nclass = c->nclass;
    memcpy(m->labels, c->labels, sizeof(m->labels));
    if ((rc = vocabulary(p, c, all, nall, m)) != CG_OK) {
        free(all);
        cls_free(m);
        return rc;
    }
    m->bias = xcalloc(m->nclass, sizeof(*m->bias));
    m->w = xcalloc(m->nfeat * m->nclass + 1, sizeof(*m->w));
    if (p->algo == CLS_NB) {
        for (i = 0; i < m->nfeat; i++)
            m->idf[i] = 1.0f;
        fit_nb(p, c, all, nall, m);
    } else if (p->algo == CLS_SVM) {
        fit_svm(p, c, all, nall, m);
    } else {
        fit_logreg(p, c, all, nall, m);
    }
    free(all);
    if (p->calibrate) {
        double t;

        if ((rc = calibrate(p, c, idx, nidx, &t)) != CG_OK) {
            cls_free(m);
            return rc;
        }
        /* softmax(t (b + w.x)) = softmax(t b + (t w).x): the temperature
         * goes into the weights and the model file stays as it was. */
        for (size_t j = 0; j < m->nfeat * m->nclass; j++)
            m->w[j] = (float)(t * m->w[j]);
        for (size_t k = 0; k < m->nclass; k++)
            m->bias[k] = (float)(t * m->bias[k]);
    }
    *out = m;
    return CG_OK;
}

int
cls_train(const struct cls_params *p, const struct cls_example *ex, size_t n,
          struct cls_model **out, char *why, size_t whylen)
{
    return cls_train_prior(p, ex, n, NULL, 0, out, why, whylen);
}

int
cls_train_prior(const struct cls_params *p, const struct cls_example *ex,
                size_t n, const struct cls_example *prior, size_t nprior,
                struct cls_model **out, char *why, size_t whylen)
{
    struct corpus c;
    size_t *idx, i;
    int rc;

    *out = NULL;
    if ((rc = cls_params_check(p, why, whylen)) != CG_OK)
        return rc;
    if ((rc = corpus_make(p, ex, n, prior, nprior, &c, why, whylen)) != CG_OK)
        return rc;
    idx = xmalloc(n * sizeof(*idx));
    for (i = 0; i < n; i++)
        idx[i] = i;
    rc = train_subset(p, &c, idx, n, out);
    free(idx);
    corpus_free(&c);
    return rc;
}

/* The k most probable categories of p[], ties in label order. */
static size_t
top_k(const struct cls_model *m, double *p, struct cls_guess *out, size_t k)
{
    bool taken[CLS_MAX_CLASSES] = {false};
    size_t i, c, best;

    if (k > m->nclass)
        k = m->nclass;
    for (i = 0; i < k; i++) {
        best = m->nclass;
        for (c = 0; c < m->nclass; c++)
            if (!taken[c] && (best == m->nclass || p[c] > p[best]))
                best = c;
        taken[best] = true;
        out[i].label = m->labels[best];
        out[i].p = p[best];
    }
    return k;
}

size_t
cls_classify(const struct cls_model *m, const char *subject, const char *detail,
             struct cls_guess *out, size_t k)
{
    double z[CLS_MAX_CLASSES];
    struct bag b;
    struct row r;

    bag_make(&b, subject, detail, m->ngram_max, m->subject_weight);
    row_make(m, &b, &r);
    scores(m, &r, z);
    softmax(z, m->nclass);
    row_free(&r);
    free(b.f);
    return top_k(m, z, out, k);
}

int
cls_cross_validate(const struct cls_params *p, const struct cls_example *ex,
                   size_t n, unsigned folds, uint64_t seed, struct cls_cv *out,
                   char *why, size_t whylen)
{
    return cls_cross_validate_prior(p, ex, n, NULL, 0, folds, seed, out, why,
                                    whylen);
}

int
cls_cross_validate_prior(const struct cls_params *p,
                         const struct cls_example *ex, size_t n,
                         const struct cls_example *prior, size_t nprior,
                         unsigned folds, uint64_t seed, struct cls_cv *out,
                         char *why, size_t whylen)
{
    size_t *train, *all, i, k, ntrain;
    unsigned *fold;
    double z[CLS_MAX_CLASSES];
    struct cls_guess g[3];
    uint64_t rng = seed;
    struct corpus c;
    unsigned f;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = cls_params_check(p, why, whylen)) != CG_OK)
        return rc;
    if (folds < 2 || folds > n) {
        str_fmt(why, whylen, "%u folds need 2 to %zu of them", folds, n);
        return CG_EINVAL;
    }
    if ((rc = corpus_make(p, ex, n, prior, nprior, &c, why, whylen)) != CG_OK)
        return rc;
    fold = xmalloc(n * sizeof(*fold));
    train = xmalloc(n * sizeof(*train));
    all = xmalloc(n * sizeof(*all));
    for (i = 0; i < n; i++)
        all[i] = i;
    deal_folds(&c, all, n, folds, &rng, fold);
    out->folds = folds;
    for (f = 0; f < folds && rc == CG_OK; f++) {
        struct cls_model *m = NULL;

        for (ntrain = 0, i = 0; i < n; i++)
            if (fold[i] != f)
                train[ntrain++] = i;
        if ((rc = train_subset(p, &c, train, ntrain, &m)) != CG_OK)
            break;
        for (i = 0; i < n; i++) {
            struct row r;
            size_t got;

            if (fold[i] != f)
                continue;
            row_make(m, &c.bags[i], &r);
            scores(m, &r, z);
            softmax(z, m->nclass);
            row_free(&r);
            got = top_k(m, z, g, 3);
            out->n++;
            for (k = 0; k < got; k++)
                if (strcmp(g[k].label, c.labels[c.y[i]]) == 0) {
                    out->top1 += k == 0;
                    out->top3++;
                }
        }
        cls_free(m);
    }
    free(all);
    free(train);
    free(fold);
    corpus_free(&c);
    return rc;
}

void
cls_free(struct cls_model *m)
{
    if (!m)
        return;
    free(m->hash);
    free(m->idf);
    free(m->bias);
    free(m->w);
    free(m);
}

size_t
cls_nclasses(const struct cls_model *m)
{
    return m->nclass;
}

size_t
cls_nfeatures(const struct cls_model *m)
{
    return m->nfeat;
}

const char *
cls_label(const struct cls_model *m, size_t i)
{
    return i < m->nclass ? m->labels[i] : NULL;
}

static uint64_t
fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = FNV_OFFSET;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

static void
put_u32(unsigned char **p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *(*p)++ = (unsigned char)(v >> (8 * i));
}

static void
put_u64(unsigned char **p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        *(*p)++ = (unsigned char)(v >> (8 * i));
}

static void
put_f32(unsigned char **p, float v)
{
    uint32_t u;

    memcpy(&u, &v, sizeof(u));
    put_u32(p, u);
}

static uint32_t
get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t
get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static float
get_f32(const unsigned char *p)
{
    uint32_t u = get_u32(p);
    float v;

    memcpy(&v, &u, sizeof(v));
    return v;
}

/* The size of a model file with these counts; 64-bit so that no count a
 * header can hold overflows it. */
static uint64_t
model_size(uint64_t nclass, uint64_t nfeat)
{
    return HEADER_LEN + nclass * CLS_LABEL_LEN + nfeat * 8 + nfeat * 4 +
           nclass * 4 + nfeat * nclass * 4 + 8;
}

int
cls_save(const struct cls_model *m, struct buf *out)
{
    uint64_t size = model_size(m->nclass, m->nfeat), wbits;
    unsigned char *img, *p;
    size_t i;
    int rc;

    if (size > CLS_MAX_MODEL_BYTES)
        return CG_ETOOBIG;
    img = p = xmalloc((size_t)size);
    memcpy(p, MODEL_MAGIC, 8);
    p += 8;
    put_u32(&p, MODEL_VERSION);
    put_u32(&p, (uint32_t)m->algo);
    put_u32(&p, m->ngram_max);
    put_u32(&p, 0);
    memcpy(&wbits, &m->subject_weight, sizeof(wbits));
    put_u64(&p, wbits);
    put_u32(&p, (uint32_t)m->nclass);
    put_u32(&p, (uint32_t)m->nfeat);
    for (i = 0; i < m->nclass; i++) {
        memset(p, 0, CLS_LABEL_LEN);
        memcpy(p, m->labels[i], strlen(m->labels[i]));
        p += CLS_LABEL_LEN;
    }
    for (i = 0; i < m->nfeat; i++)
        put_u64(&p, m->hash[i]);
    for (i = 0; i < m->nfeat; i++)
        put_f32(&p, m->idf[i]);
    for (i = 0; i < m->nclass; i++)
        put_f32(&p, m->bias[i]);
    for (i = 0; i < m->nfeat * m->nclass; i++)
        put_f32(&p, m->w[i]);
    put_u64(&p, fnv1a(img, (size_t)(p - img)));
    rc = buf_append(out, img, (size_t)size);
    free(img);
    return rc;
}

/* What a checksum cannot catch: a well-formed file with values the
 * scorer cannot use. */
static int
check_body(const struct cls_model *m, char *why, size_t whylen)
{
    size_t i, j;

    for (i = 0; i < m->nclass; i++) {
        size_t len = strnlen(m->labels[i], CLS_LABEL_LEN);

        if (len == 0 || len == CLS_LABEL_LEN ||
            str_utf8_len(m->labels[i], len) < 0) {
            str_fmt(why, whylen, "category %zu is not a UTF-8 label", i + 1);
            return CG_EINVAL;
        }
        for (j = 0; j < i; j++)
            if (strcmp(m->labels[i], m->labels[j]) == 0) {
                str_fmt(why, whylen, "category %s appears twice", m->labels[i]);
                return CG_EINVAL;
            }
    }
    for (i = 1; i < m->nfeat; i++)
        if (m->hash[i] <= m->hash[i - 1]) {
            str_copy(why, whylen, "the n-gram table is not in order");
            return CG_EINVAL;
        }
    for (i = 0; i < m->nfeat; i++)
        if (!isfinite(m->idf[i]) || m->idf[i] <= 0) {
            str_copy(why, whylen, "an IDF weight is not a positive number");
            return CG_EINVAL;
        }
    for (i = 0; i < m->nclass; i++)
        if (!isfinite(m->bias[i])) {
            str_copy(why, whylen, "a bias is not a finite number");
            return CG_EINVAL;
        }
    for (i = 0; i < m->nfeat * m->nclass; i++)
        if (!isfinite(m->w[i])) {
            str_copy(why, whylen, "a weight is not a finite number");
            return CG_EINVAL;
        }
    return CG_OK;
}

int
cls_load(const void *data, size_t len, struct cls_model **out, char *why,
         size_t whylen)
{
    const unsigned char *d = data, *p;
    uint32_t version, algo, ngram, nclass, nfeat;
    uint64_t size, wbits;
    struct cls_model *m;
    size_t i;
    int rc;

    *out = NULL;
    if (len > CLS_MAX_MODEL_BYTES) {
        str_fmt(why, whylen, "the model is larger than %u bytes",
                CLS_MAX_MODEL_BYTES);
        return CG_ETOOBIG;
    }
    if (len < 8 || memcmp(d, MODEL_MAGIC, 8) != 0) {
        str_copy(why, whylen, "not a civicgrid classifier model");
        return CG_EINVAL;
    }
    if (len < HEADER_LEN) {
        str_copy(why, whylen, "the model is cut short in its header");
        return CG_EINVAL;
    }
    version = get_u32(d + 8);
    algo = get_u32(d + 12);
    ngram = get_u32(d + 16);
    wbits = get_u64(d + 24);
    nclass = get_u32(d + 32);
    nfeat = get_u32(d + 36);
    if (version < 1 || version > MODEL_VERSION) {
        str_fmt(why, whylen,
                "model format version %u; this build reads 1 to %u", version,
                MODEL_VERSION);
        return CG_EINVAL;
    }
    /* Version 2 added a learner and changed nothing else, so the models of
     * version 1 (logreg and nb) are read and score as they did. */
    if (algo > (version == 1 ? CLS_NB : CLS_SVM) || ngram < 1 ||
        ngram > CLS_MAX_NGRAM || get_u32(d + 20) != 0 || nclass < 2 ||
        nclass > CLS_MAX_CLASSES || nfeat > CLS_MAX_FEATURES) {
        str_copy(why, whylen, "the model header holds impossible values");
        return CG_EINVAL;
    }
    size = model_size(nclass, nfeat);
    if ((uint64_t)len != size) {
        str_fmt(why, whylen,
                "the model has %zu bytes where its header says "
                "%llu: cut short or padded",
                len, (unsigned long long)size);
        return CG_EINVAL;
    }
    if (fnv1a(d, len - 8) != get_u64(d + len - 8)) {
        str_copy(why, whylen,
                 "the model's checksum does not match: the "
                 "file is corrupt");
        return CG_EINVAL;
    }
    m = xcalloc(1, sizeof(*m));
    m->algo = (enum cls_algo)algo;
    m->ngram_max = ngram;
    memcpy(&m->subject_weight, &wbits, sizeof(wbits));
    m->nclass = nclass;
    m->nfeat = nfeat;
    p = d + HEADER_LEN;
    for (i = 0; i < nclass; i++, p += CLS_LABEL_LEN)
        memcpy(m->labels[i], p, CLS_LABEL_LEN);
    m->hash = xmalloc((nfeat ? nfeat : 1) * sizeof(*m->hash));
    m->idf = xmalloc((nfeat ? nfeat : 1) * sizeof(*m->idf));
    m->bias = xmalloc(nclass * sizeof(*m->bias));
    m->w = xmalloc(((size_t)nfeat * nclass + 1) * sizeof(*m->w));
    for (i = 0; i < nfeat; i++, p += 8)
        m->hash[i] = get_u64(p);
    for (i = 0; i < nfeat; i++, p += 4)
        m->idf[i] = get_f32(p);
    for (i = 0; i < nclass; i++, p += 4)
        m->bias[i] = get_f32(p);
    for (i = 0; i < (size_t)nfeat * nclass; i++, p += 4)
        m->w[i] = get_f32(p);
    if (!(m->subject_weight >= 0 && m->subject_weight <= 100)) {
        str_copy(why, whylen, "the model's subject weight is out of range");
        rc = CG_EINVAL;
    } else {
        rc = check_body(m, why, whylen);
    }
    if (rc != CG_OK) {
        cls_free(m);
        return rc;
    }
    *out = m;
    return CG_OK;
}

/* ---- the cold start ----------------------------------------------------- */

/* Words that name no kind of problem: every second category has them. */
static const char *const generic_words[] = {
    "异常", "问题", "设施", "违规", "管理", "其他", "咨询", "标识",
};

/* The byte length of a CJK ideograph at s (a three-byte UTF-8 sequence
 * from U+4E00 to U+9FFF), or 0. */
static size_t
cjk_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    if (u[0] >= 0xE4 && u[0] <= 0xE9 && (u[1] & 0xC0) == 0x80 &&
        (u[2] & 0xC0) == 0x80)
        return 3;
    return 0;
}

static bool
generic_word(const char *w, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(generic_words) / sizeof(generic_words[0]); i++)
        if (strlen(generic_words[i]) == len &&
            memcmp(generic_words[i], w, len) == 0)
            return true;
    return false;
}

/*
 * Words of a category's name that are also the tail or the middle of a
 * common word meaning something else: 行道 of 行道树 (street trees) in
 * 人行道 (the pavement).  An occurrence inside the longer word does not
 * count.
 */
static const struct {
    const char *outer, *inner;
} inside_words[] = {
    {"人行道", "行道"},
};

/* Whether text holds word other than inside one of inside_words. */
static bool
holds_word(const char *text, const char *word)
{
    const char *p;
    size_t i, wl = strlen(word);

    for (p = strstr(text, word); p; p = strstr(p + wl, word)) {
        bool inside = false;
        for (i = 0; i < sizeof(inside_words) / sizeof(inside_words[0]); i++) {
            const char *o = inside_words[i].outer;
            const char *in = strstr(o, inside_words[i].inner);
            size_t before = (size_t)(in - o);
            if (strcmp(inside_words[i].inner, word) == 0 &&
                (size_t)(p - text) >= before &&
                strncmp(p - before, o, strlen(o)) == 0)
                inside = true;
        }
        if (!inside)
            return true;
    }
    return false;
}

/* Adds to g what the word w[0..len) is worth in the case: its characters,
 * twice in the subject. */
static void
key_word(const char *w, size_t len, const char *subject, const char *detail,
         struct cls_keyguess *g)
{
    char word[sizeof(g->word)];
    long chars;
    double worth = 0;

    if (len == 0 || len >= sizeof(word))
        return;
    memcpy(word, w, len);
    word[len] = '\0';
    chars = str_utf8_len(word, len);
    if (chars <= 0)
        return;
    if (subject && holds_word(subject, word))
        worth += 2.0 * (double)chars;
    else if (detail && holds_word(detail, word))
        worth += (double)chars;
    if (worth <= 0)
        return;
    /* The reason names the longest word, the first of equals. */
    if (!g->word[0] || strlen(word) > strlen(g->word))
        memcpy(g->word, word, len + 1);
    g->score += worth;
}

static int
keyguess_cmp(const void *a, const void *b)
{
    const struct cls_keyguess *x = a, *y = b;

    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->label, y->label);
}

size_t
cls_keyword_match(const struct cls_keyclass *k, size_t n, const char *subject,
                  const char *detail, struct cls_keyguess *out, size_t max)
{
    struct cls_keyguess *g;
    double total = 0;
    size_t i, m = 0;

    if (n == 0 || max == 0)
        return 0;
    g = xcalloc(n, sizeof(*g));
    for (i = 0; i < n; i++) {
        const char *s = k[i].name ? k[i].name : "", *q;
        size_t a, b;

        g[i].label = k[i].label;
        key_word(s, strlen(s), subject, detail, &g[i]);
        /* The two-character words inside the name. */
        for (q = s; *q; q++) {
            if ((a = cjk_len(q)) == 0 || (b = cjk_len(q + a)) == 0)
                continue;
            if (!generic_word(q, a + b) && a + b != strlen(s))
                key_word(q, a + b, subject, detail, &g[i]);
            q += a - 1;
        }
        for (q = k[i].keywords; q && *q;) {
            size_t len = strcspn(q, ",");

            /* A keyword that is a word of the name counted already. */
            if (!(len == 6 && memmem(s, strlen(s), q, len)))
                key_word(q, len, subject, detail, &g[i]);
            q += len + (q[len] == ',');
        }
        total += g[i].score;
    }
    qsort(g, n, sizeof(*g), keyguess_cmp);
    for (i = 0; i < n && m < max && g[i].score > 0; i++) {
        out[m] = g[i];
        out[m].p = g[i].score / (total + CLS_KEY_DOUBT);
        m++;
    }
    free(g);
    return m;
}
