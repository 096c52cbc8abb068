/*
 * classify.c - `civicgrid train` and `civicgrid classify`: learning the
 * categories of cases from a CSV of closed ones, measuring how well that
 * works by cross-validation, and suggesting the categories of new ones.
 *
 * The classifier itself (src/core/classify.c) works on memory; the files
 * are read and written here, the model through a temporary file renamed
 * into place so that a reader never sees half a model.
 */
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "cmd/demo_city.h"
#include "base/cgtime.h"
#include "core/classify.h"
#include "store/store.h"

#define MAX_CSV    (512L * 1024 * 1024)
#define MAX_FIELDS 64
#define TIME_CALLS 20000 /* classifications timed by --time */
/* The hotline's category taxonomy, read by train --csv when present. */
#define DEFAULT_TAXONOMY "data/classify/taxonomy.csv"

enum col { C_ID, C_SUBJECT, C_DETAIL, C_CATEGORY, C__COUNT };

static const char *const col_names[C__COUNT] = {"id", "subject", "detail",
                                                "category"};

/* The cases of a CSV file; the strings point into the reader's buffer. */
struct cases {
    struct demo_csv csv;
    struct cls_example *ex;
    const char **id;
    size_t n, cap;
    size_t unlabelled;
};

/* The prior texts from a taxonomy file: one per row, its subcategory
 * names as the text and its first level as the category. */
struct prior {
    struct demo_csv csv;
    struct cls_example *ex;
    char **text;
    size_t n;
};

struct train_opts {
    const char *csv, *model, *db, *taxonomy;
    unsigned cv;
    struct cls_params params;
};

static void train_usage(FILE *out);
static void classify_usage(FILE *out);
static int cases_read(const char *path, bool labelled, struct cases *c);
static void cases_free(struct cases *c);
static void prior_add(struct prior *t, size_t *cap, const char *label,
                      const char *text);
static void default_taxonomy(char *out, size_t outlen);
static int csv_header(struct demo_csv *csv, const char *path,
                      const char *const *names, size_t nnames, int *col,
                      size_t *ncols);
static int csv_record(struct demo_csv *csv, const char *path, size_t ncols,
                      char **f);
static int prior_read(const char *path, bool given, struct prior *t);
static void prior_free(struct prior *t);
static int parse_train(int argc, char **argv, struct train_opts *o);
static int model_write(const struct cls_model *m, const char *path);
static int model_read(const char *path, struct cls_model **m);
static void csv_field(const char *s);
static double floor4(double p);
static double now_us(void);
static int dbl_cmp(const void *a, const void *b);
static void time_classify(const struct cls_model *m, const struct cases *c);
static int train_db(const struct train_opts *o);
static void report_previous(struct db *db);

static void
train_usage(FILE *out)
{
    struct cls_params d;

    cls_params_default(&d, CLS_SVM);
    fprintf(out,
            "Usage: civicgrid train --csv FILE --model PATH [options]\n"
            "       civicgrid train --csv FILE --cv K [options]\n"
            "       civicgrid train --db PATH [options]\n\n"
            "Learns the categories of cases from a CSV file with a header "
            "and the columns\nsubject, detail and category (RFC 4180; "
            "other columns are ignored), and\nwrites the model to PATH.  "
            "With --cv K, measures instead the top-1 and\ntop-3 accuracy "
            "by stratified K-fold cross-validation (fixed seed).\n\n"
            "With --db, learns instead from the closed cases of the "
            "deployment's own\ndatabase (title and description; the "
            "final category is the label),\nmeasures it by 5-fold "
            "cross-validation and stores it in the database,\nwhere "
            "every server picks it up within a minute.\nA running "
            "server also learns again by itself once "
            "classify.retrain_after cases\n(20) have closed since the "
            "newest model, looking every classify.retrain_every\n"
            "seconds (600).\n\n"
            "Options (the defaults were chosen by cross-validation):\n"
            "  --algo svm|logreg|nb linear SVMs over TF-IDF scaled by "
            "naive Bayes ratios\n"
            "                       (default with --csv), logistic "
            "regression over TF-IDF\n"
            "                       (default with --db, as the server "
            "retrains), or the\n"
            "                       naive Bayes baseline (1-2-grams, "
            "raw counts); each\n"
            "                       sets the defaults of the options "
            "below\n"
            "  --ngram N            longest character n-gram, 1 to 3 "
            "(default %u)\n"
            "  --subject-weight W   how many times a subject n-gram counts "
            "(default %g)\n"
            "  --min-df N           drop n-grams seen in fewer cases "
            "(default %u)\n"
            "  --max-features N     vocabulary cap (default %zu)\n"
            "  --epochs N           logreg passes over the data "
            "(default %u)\n"
            "  --lambda X           logreg L2 regularisation "
            "(default %g)\n"
            "  --eta X              logreg initial step size "
            "(default %g)\n"
            "  --alpha X            nb and svm ratio smoothing "
            "(default %g)\n"
            "  --c X                svm cost of a margin violation "
            "(default %g)\n"
            "  --nb-beta X          svm weight of the NB ratios, 0 to 1 "
            "(default %g)\n"
            "  --calibrate K        folds to fit the probabilities' "
            "temperature on, 0 for\n"
            "                       none (default %u)\n"
            "  --seed N             order of the examples and of the folds "
            "(default %llu)\n"
            "  --taxonomy FILE      with --csv: a CSV of the hotline's "
            "categories (columns\n"
            "                       level1, level2, level3); each level-2 "
            "and level-3 name\n"
            "                       joins the training as a short text of "
            "its level-1\n"
            "                       category, when that is one of the "
            "cases' categories\n"
            "                       (default %s, when present)\n"
            "  --prior-weight X     how much such a text counts against a "
            "case, 0 to 1\n"
            "                       (default %g)\n",
            d.ngram_max, d.subject_weight, d.min_df, d.max_features, d.epochs,
            d.lambda, d.eta0, d.alpha, d.c, d.nb_beta, d.calibrate,
            (unsigned long long)d.seed, DEFAULT_TAXONOMY, d.prior_weight);
}

static void
classify_usage(FILE *out)
{
    fprintf(out,
            "Usage: civicgrid classify --csv FILE --model PATH [--time]\n\n"
            "Suggests the category of each case of a CSV file with a header "
            "and the\ncolumns subject and detail (id if there is one), with "
            "a model written by\n'civicgrid train'.  Prints CSV "
            "id,top1,p1,top2,p2,top3,p3: the three most\nprobable "
            "categories and their probabilities.  The id is the file's id "
            "column,\nor the row number (from 1) when it has none.\n\n"
            "  --time   also report on standard error the median time to "
            "classify one\n           case, over %d classifications\n",
            TIME_CALLS);
}

/* Reads the header of an open CSV: the index of each of the names into col
 * (-1 where absent) and the number of columns into *ncols. */
static int
csv_header(struct demo_csv *csv, const char *path, const char *const *names,
           size_t nnames, int *col, size_t *ncols)
{
    char *f[MAX_FIELDS];
    size_t i, k;

    if (demo_csv_next(csv, f, MAX_FIELDS, ncols) != CG_OK) {
        fprintf(stderr, "%s: no header line\n", path);
        return CG_EINVAL;
    }
    for (k = 0; k < nnames; k++) {
        col[k] = -1;
        for (i = 0; i < *ncols; i++)
            if (strcmp(f[i], names[k]) == 0)
                col[k] = (int)i;
    }
    return CG_OK;
}

/* The next record, with as many fields as the header: CG_OK;
 * CG_ENOTFOUND at the end; CG_EINVAL, said with its line, otherwise. */
static int
csv_record(struct demo_csv *csv, const char *path, size_t ncols, char **f)
{
    long line = csv->line;
    size_t n;
    int rc = demo_csv_next(csv, f, MAX_FIELDS, &n);

    if (rc == CG_ENOTFOUND)
        return rc;
    if (rc != CG_OK || n != ncols) {
        fprintf(stderr, "%s:%ld: %s\n", path, line,
                rc != CG_OK ? "not a valid CSV record"
                            : "the record has not as many fields as the "
                              "header");
        return CG_EINVAL;
    }
    return CG_OK;
}

/*
 * Reads the cases of a CSV file.  The header names the columns; subject
 * and detail are required, category too when labelled.  A labelled row
 * whose category is empty is skipped and counted in c->unlabelled (a case
 * nobody has confirmed teaches nothing).  Prints the reason and returns an
 * error when the file cannot be used.
 */
static int
cases_read(const char *path, bool labelled, struct cases *c)
{
    char *f[MAX_FIELDS];
    int col[C__COUNT];
    size_t ncols;
    int rc;

    memset(c, 0, sizeof(*c));
    rc = demo_csv_open(&c->csv, path, (size_t)MAX_CSV);
    if (rc != CG_OK) {
        fprintf(stderr, "%s: %s\n", path,
                rc == CG_ENOTFOUND ? "cannot open the file"
                : rc == CG_ETOOBIG ? "the file is larger than 512 MiB"
                                   : "cannot read the file");
        return rc;
    }
    if ((rc = csv_header(&c->csv, path, col_names, C__COUNT, col, &ncols)) !=
        CG_OK)
        return rc;
    if (col[C_SUBJECT] < 0 || col[C_DETAIL] < 0 ||
        (labelled && col[C_CATEGORY] < 0)) {
        fprintf(stderr, "%s: the header needs the columns subject, detail%s\n",
                path, labelled ? " and category" : "");
        return CG_EINVAL;
    }
    while ((rc = csv_record(&c->csv, path, ncols, f)) == CG_OK) {
        if (labelled && f[col[C_CATEGORY]][0] == '\0') {
            c->unlabelled++;
            continue;
        }
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 256;
            c->ex = xrealloc(c->ex, c->cap * sizeof(*c->ex));
            c->id = xrealloc(c->id, c->cap * sizeof(*c->id));
        }
        c->ex[c->n].subject = f[col[C_SUBJECT]];
        c->ex[c->n].detail = f[col[C_DETAIL]];
        c->ex[c->n].label = labelled ? f[col[C_CATEGORY]] : NULL;
        c->id[c->n] = col[C_ID] >= 0 ? f[col[C_ID]] : NULL;
        c->n++;
    }
    return rc == CG_ENOTFOUND ? CG_OK : rc;
}

static void
cases_free(struct cases *c)
{
    free(c->ex);
    free(c->id);
    demo_csv_close(&c->csv);
    memset(c, 0, sizeof(*c));
}

/* Adds text as a prior text of category label, unless it says nothing
 * (empty, or 其他, "other") or the category has it already. */
static void
prior_add(struct prior *t, size_t *cap, const char *label, const char *text)
{
    size_t i;

    if (!*text || strcmp(text, "其他") == 0)
        return;
    for (i = 0; i < t->n; i++)
        if (strcmp(t->ex[i].label, label) == 0 &&
            strcmp(t->ex[i].detail, text) == 0)
            return;
    if (t->n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        t->ex = xrealloc(t->ex, *cap * sizeof(*t->ex));
        t->text = xrealloc(t->text, *cap * sizeof(*t->text));
    }
    t->text[t->n] = str_dup(text);
    t->ex[t->n].subject = NULL;
    t->ex[t->n].detail = t->text[t->n];
    t->ex[t->n].label = label;
    t->n++;
}

/* The taxonomy shipped with the program: data/classify/taxonomy.csv from
 * where it is run, else beside the binary or one folder up from it (a
 * checkout's ./civicgrid and build/civicgrid), so that training from
 * another folder learns the same. */
static void
default_taxonomy(char *out, size_t outlen)
{
    char exe[PATH_MAX], *slash;
    ssize_t n;

    str_copy(out, outlen, DEFAULT_TAXONOMY);
    if (access(out, R_OK) == 0)
        return;
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    if (!(slash = strrchr(exe, '/')))
        return;
    *slash = '\0';
    if (str_fmt(out, outlen, "%s/%s", exe, DEFAULT_TAXONOMY) == CG_OK &&
        access(out, R_OK) == 0)
        return;
    if (str_fmt(out, outlen, "%s/../%s", exe, DEFAULT_TAXONOMY) == CG_OK &&
        access(out, R_OK) == 0)
        return;
    str_copy(out, outlen, DEFAULT_TAXONOMY);
}

/*
 * Reads the taxonomy (columns level1, level2, level3) into prior texts
 * labelled with the level-1 name: each level-3 name is one, and each
 * level-2 name once.  A level-2 name joined to each of its level-3 names
 * would count once per row, and the long level-2 lists would drown the
 * rest: by cross-validation that lost about 1.5 points of top-1.  A file
 * that is absent is no error unless given on the command line: training
 * then learns from the cases alone.
 */
static int
prior_read(const char *path, bool given, struct prior *t)
{
    static const char *const names[3] = {"level1", "level2", "level3"};
    char *f[MAX_FIELDS];
    size_t ncols, cap = 0;
    int col[3] = {-1, -1, -1}, rc;

    memset(t, 0, sizeof(*t));
    rc = demo_csv_open(&t->csv, path, (size_t)MAX_CSV);
    if (rc == CG_ENOTFOUND && !given)
        return CG_OK;
    if (rc != CG_OK) {
        fprintf(stderr, "%s: cannot read the taxonomy\n", path);
        return rc;
    }
    if ((rc = csv_header(&t->csv, path, names, 3, col, &ncols)) != CG_OK)
        return rc;
    if (col[0] < 0 || col[1] < 0 || col[2] < 0) {
        fprintf(stderr,
                "%s: the header needs the columns level1, level2 and "
                "level3\n",
                path);
        return CG_EINVAL;
    }
    while ((rc = csv_record(&t->csv, path, ncols, f)) == CG_OK) {
        if (!*f[col[0]])
            continue;
        prior_add(t, &cap, f[col[0]], f[col[2]]);
        prior_add(t, &cap, f[col[0]], f[col[1]]);
    }
    return rc == CG_ENOTFOUND ? CG_OK : rc;
}

static void
prior_free(struct prior *t)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        free(t->text[i]);
    free(t->text);
    free(t->ex);
    demo_csv_close(&t->csv);
    memset(t, 0, sizeof(*t));
}

/* Fills o from the flags; prints the reason and returns CG_EINVAL on a
 * bad one. */
static int
parse_train(int argc, char **argv, struct train_opts *o)
{
    struct cls_params *p = &o->params;
    char why[200];
    int64_t v;
    double x;
    int i;

    memset(o, 0, sizeof(*o));
    /* A deployment's models come from --db and from the server's own
     * retraining (cmd/serve.c), which learns a logistic regression: --db
     * learns the same so that one database holds one kind of model. */
    cls_params_default(p, CLS_SVM);
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--db") == 0)
            cls_params_default(p, CLS_LOGREG);
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--algo") == 0 && i + 1 < argc) {
            if (cls_algo_parse(argv[i + 1], &p->algo) != CG_OK) {
                fprintf(stderr, "train: --algo is svm, logreg or nb\n");
                return CG_EINVAL;
            }
            cls_params_default(p, p->algo);
        }
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int rc = CG_OK;

        if (!val) {
            fprintf(stderr, "train: unexpected argument '%s'\n", a);
            return CG_EINVAL;
        }
        i++;
        if (strcmp(a, "--csv") == 0)
            o->csv = val;
        else if (strcmp(a, "--db") == 0)
            o->db = val;
        else if (strcmp(a, "--model") == 0)
            o->model = val;
        else if (strcmp(a, "--taxonomy") == 0)
            o->taxonomy = val;
        else if (strcmp(a, "--prior-weight") == 0 &&
                 (rc = str_to_double(val, &x)) == CG_OK)
            p->prior_weight = x;
        else if (strcmp(a, "--algo") == 0)
            continue;
        else if (strcmp(a, "--cv") == 0 &&
                 (rc = str_to_i64(val, 2, 1000, &v)) == CG_OK)
            o->cv = (unsigned)v;
        else if (strcmp(a, "--ngram") == 0 &&
                 (rc = str_to_i64(val, 1, CLS_MAX_NGRAM, &v)) == CG_OK)
            p->ngram_max = (unsigned)v;
        else if (strcmp(a, "--min-df") == 0 &&
                 (rc = str_to_i64(val, 1, 1000000, &v)) == CG_OK)
            p->min_df = (unsigned)v;
        else if (strcmp(a, "--max-features") == 0 &&
                 (rc = str_to_i64(val, 1, CLS_MAX_FEATURES, &v)) == CG_OK)
            p->max_features = (size_t)v;
        else if (strcmp(a, "--epochs") == 0 &&
                 (rc = str_to_i64(val, 1, 1000, &v)) == CG_OK)
            p->epochs = (unsigned)v;
        else if (strcmp(a, "--seed") == 0 &&
                 (rc = str_to_i64(val, 0, INT64_MAX, &v)) == CG_OK)
            p->seed = (uint64_t)v;
        else if (strcmp(a, "--subject-weight") == 0 &&
                 (rc = str_to_double(val, &x)) == CG_OK)
            p->subject_weight = x;
        else if (strcmp(a, "--lambda") == 0 &&
                 (rc = str_to_double(val, &x)) == CG_OK)
            p->lambda = x;
        else if (strcmp(a, "--eta") == 0 &&
                 (rc = str_to_double(val, &x)) == CG_OK)
            p->eta0 = x;
        else if (strcmp(a, "--alpha") == 0 &&
                 (rc = str_to_double(val, &x)) == CG_OK)
            p->alpha = x;
        else if (strcmp(a, "--c") == 0 &&
                 (rc = str_to_double(val, &x)) == CG_OK)
            p->c = x;
        else if (strcmp(a, "--nb-beta") == 0 &&
                 (rc = str_to_double(val, &x)) == CG_OK)
            p->nb_beta = x;
        else if (strcmp(a, "--calibrate") == 0 &&
                 (rc = str_to_i64(val, 0, 20, &v)) == CG_OK)
            p->calibrate = (unsigned)v;
        else if (rc == CG_OK) {
            fprintf(stderr, "train: unexpected argument '%s'\n", a);
            return CG_EINVAL;
        }
        if (rc != CG_OK) {
            fprintf(stderr, "train: %s: bad value '%s'\n", a, val);
            return CG_EINVAL;
        }
    }
    if (o->db && (o->csv || o->model || o->taxonomy)) {
        fprintf(stderr, "train: --db learns from the database; it takes "
                        "no --csv, --model or --taxonomy\n");
        return CG_EINVAL;
    }
    if (!o->db && (!o->csv || (!o->model && !o->cv))) {
        fprintf(stderr, "train: give --csv FILE and --model PATH, --csv "
                        "FILE and --cv K, or --db PATH\n");
        return CG_EINVAL;
    }
    if (cls_params_check(p, why, sizeof(why)) != CG_OK) {
        fprintf(stderr, "train: %s\n", why);
        return CG_EINVAL;
    }
    return CG_OK;
}

/* Writes the model to path through path.tmp and a rename. */
static int
model_write(const struct cls_model *m, const char *path)
{
    char tmp[1100];
    struct buf b;
    FILE *f;
    int rc;

    if (str_fmt(tmp, sizeof(tmp), "%s.tmp", path) != CG_OK) {
        fprintf(stderr, "train: the model path is too long\n");
        return CG_EINVAL;
    }
    buf_init(&b, CLS_MAX_MODEL_BYTES);
    if ((rc = cls_save(m, &b)) != CG_OK) {
        fprintf(stderr, "train: the model is larger than %u bytes\n",
                CLS_MAX_MODEL_BYTES);
        buf_free(&b);
        return rc;
    }
    rc = CG_ERR;
    f = fopen(tmp, "wb");
    if (f && fwrite(b.data, 1, b.len, f) == b.len && fclose(f) == 0) {
        f = NULL;
        if (rename(tmp, path) == 0)
            rc = CG_OK;
    }
    if (f)
        fclose(f);
    if (rc != CG_OK) {
        fprintf(stderr, "train: cannot write the model to %s\n", path);
        remove(tmp);
    }
    buf_free(&b);
    return rc;
}

/* Reads and checks a model file; prints the reason when it is refused. */
static int
model_read(const char *path, struct cls_model **m)
{
    char chunk[65536], why[200];
    struct buf b;
    size_t n;
    int rc = CG_OK;
    FILE *f = fopen(path, "rb");

    *m = NULL;
    if (!f) {
        fprintf(stderr, "classify: cannot open the model %s\n", path);
        return CG_ENOTFOUND;
    }
    buf_init(&b, CLS_MAX_MODEL_BYTES);
    while (rc == CG_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = buf_append(&b, chunk, n);
    if (rc == CG_OK && ferror(f))
        rc = CG_ERR;
    fclose(f);
    if (rc == CG_ETOOBIG)
        str_fmt(why, sizeof(why), "larger than %u bytes", CLS_MAX_MODEL_BYTES);
    else if (rc != CG_OK)
        str_copy(why, sizeof(why), "cannot read the file");
    else
        rc = cls_load(b.data, b.len, m, why, sizeof(why));
    if (rc != CG_OK)
        fprintf(stderr, "classify: refusing the model %s: %s\n", path, why);
    buf_free(&b);
    return rc;
}

int
cmd_train(int argc, char **argv)
{
    struct cls_model *m = NULL;
    struct train_opts o;
    struct prior t;
    struct cases c;
    struct cls_cv cv;
    char why[200], taxonomy[PATH_MAX + 64];
    double t0;
    int i, rc;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            train_usage(stdout);
            return 0;
        }
    if (parse_train(argc, argv, &o) != CG_OK) {
        train_usage(stderr);
        return 2;
    }
    if (o.db)
        return train_db(&o) == CG_OK ? 0 : 1;
    if (cases_read(o.csv, true, &c) != CG_OK) {
        cases_free(&c);
        return 1;
    }
    if (c.unlabelled)
        fprintf(stderr, "train: %s: skipped %zu rows without a category\n",
                o.csv, c.unlabelled);
    if (!o.taxonomy)
        default_taxonomy(taxonomy, sizeof(taxonomy));
    if (prior_read(o.taxonomy ? o.taxonomy : taxonomy, o.taxonomy, &t) !=
        CG_OK) {
        prior_free(&t);
        cases_free(&c);
        return 1;
    }
    if (t.n)
        fprintf(stderr, "train: %zu prior texts from %s\n", t.n,
                o.taxonomy ? o.taxonomy : taxonomy);
    else
        fprintf(stderr,
                "train: no taxonomy (%s): learning from the cases "
                "alone\n",
                o.taxonomy ? o.taxonomy : taxonomy);
    rc = CG_OK;
    if (o.cv) {
        rc = cls_cross_validate_prior(&o.params, c.ex, c.n, t.ex, t.n, o.cv,
                                      o.params.seed, &cv, why, sizeof(why));
        if (rc == CG_OK)
            printf("cross-validation: %u folds, %zu cases, %s, n-grams 1-%u, "
                   "subject weight %g\n"
                   "top-1 accuracy: %.4f (%zu/%zu)\n"
                   "top-3 accuracy: %.4f (%zu/%zu)\n",
                   cv.folds, cv.n, cls_algo_name(o.params.algo),
                   o.params.ngram_max, o.params.subject_weight,
                   (double)cv.top1 / (double)cv.n, cv.top1, cv.n,
                   (double)cv.top3 / (double)cv.n, cv.top3, cv.n);
    }
    if (rc == CG_OK && o.model) {
        t0 = now_us();
        rc = cls_train_prior(&o.params, c.ex, c.n, t.ex, t.n, &m, why,
                             sizeof(why));
        if (rc == CG_OK)
            rc = model_write(m, o.model);
        else
            fprintf(stderr, "train: %s\n", why);
        if (rc == CG_OK)
            printf("trained %s on %zu cases: %zu categories, %zu n-grams, "
                   "%.0f ms; model written to %s\n",
                   cls_algo_name(o.params.algo), c.n, cls_nclasses(m),
                   cls_nfeatures(m), (now_us() - t0) / 1000.0, o.model);
    } else if (rc != CG_OK) {
        fprintf(stderr, "train: %s\n", why);
    }
    cls_free(m);
    prior_free(&t);
    cases_free(&c);
    return rc == CG_OK ? 0 : 1;
}

/* Writes a CSV field, quoted when it holds a separator or a quote. */
static void
csv_field(const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* Rounds down to four decimals, so the printed probabilities still sum to
 * at most 1. */
static double
floor4(double p)
{
    return floor(p * 10000.0) / 10000.0;
}

static double
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Times cls_classify call by call over the cases in turn and reports the
 * median and the 90th percentile. */
static void
time_classify(const struct cls_model *m, const struct cases *c)
{
    double *t = xmalloc(TIME_CALLS * sizeof(*t)), t0;
    struct cls_guess g[3];
    size_t i;

    if (c->n == 0) {
        free(t);
        return;
    }
    for (i = 0; i < TIME_CALLS; i++) {
        const struct cls_example *e = &c->ex[i % c->n];

        t0 = now_us();
        cls_classify(m, e->subject, e->detail, g, 3);
        t[i] = now_us() - t0;
    }
    qsort(t, TIME_CALLS, sizeof(*t), dbl_cmp);
    fprintf(stderr,
            "classify: %d classifications of %zu cases: median %.1f us, "
            "90th percentile %.1f us\n",
            TIME_CALLS, c->n, t[TIME_CALLS / 2], t[TIME_CALLS * 9 / 10]);
    free(t);
}

int
cmd_classify(int argc, char **argv)
{
    const char *csv = NULL, *model = NULL;
    struct cls_model *m = NULL;
    struct cls_guess g[3];
    struct cases c;
    bool timing = false;
    size_t i, k, got;
    int a;

    for (a = 1; a < argc; a++)
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            classify_usage(stdout);
            return 0;
        }
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--time") == 0) {
            timing = true;
            continue;
        }
        if (a + 1 < argc && strcmp(argv[a], "--csv") == 0)
            csv = argv[++a];
        else if (a + 1 < argc && strcmp(argv[a], "--model") == 0)
            model = argv[++a];
        else {
            fprintf(stderr, "classify: unexpected argument '%s'\n", argv[a]);
            classify_usage(stderr);
            return 2;
        }
    }
    if (!csv || !model) {
        fprintf(stderr, "classify: give --csv FILE and --model PATH\n");
        classify_usage(stderr);
        return 2;
    }
    if (model_read(model, &m) != CG_OK)
        return 1;
    if (cases_read(csv, false, &c) != CG_OK) {
        cases_free(&c);
        cls_free(m);
        return 1;
    }
    printf("id,top1,p1,top2,p2,top3,p3\n");
    for (i = 0; i < c.n; i++) {
        got = cls_classify(m, c.ex[i].subject, c.ex[i].detail, g, 3);
        if (c.id[i])
            csv_field(c.id[i]);
        else
            printf("%zu", i + 1);
        for (k = 0; k < 3; k++) {
            putchar(',');
            if (k < got) {
                csv_field(g[k].label);
                printf(",%.4f", floor4(g[k].p));
            } else {
                putchar(',');
            }
        }
        putchar('\n');
    }
    if (timing)
        time_classify(m, &c);
    cases_free(&c);
    cls_free(m);
    return 0;
}

/* Says what the model in use has not learnt: the cases closed since. */
static void
report_previous(struct db *db)
{
    struct model_info prev;
    void *bytes = NULL;
    size_t len;

    if (store_model_latest(db, &prev, &bytes, &len) == CG_OK)
        printf("model #%lld in use: %lld closed cases, %lld closed since\n",
               (long long)prev.id, (long long)prev.n_examples,
               (long long)store_training_new(db, prev.created_at));
    else
        printf("no model yet: reports are matched by the catalogue's "
               "words\n");
    free(bytes);
}

/*
 * Learns from the closed cases of a deployment and stores the model in
 * its database (store_model_train, as the server does when it retrains).
 * Cross-validation runs first when there are enough cases for five folds,
 * so that the stored model carries its own figures.
 */
static int
train_db(const struct train_opts *o)
{
    struct model_trained t;
    struct store *s = NULL;
    struct db *db;
    char why[300] = "";
    int rc;

    if ((rc = store_open(o->db, &s)) != CG_OK) {
        fprintf(stderr, "train: cannot open the database %s\n", o->db);
        goto out;
    }
    db = store_db(s);
    if ((rc = store_migrate(db)) != CG_OK) {
        fprintf(stderr, "train: cannot bring the schema of %s up to date\n",
                o->db);
        goto out;
    }
    report_previous(db);
    rc = store_model_train(db, &o->params, 5, &t, why, sizeof(why));
    if (rc != CG_OK) {
        fprintf(stderr, "train: %s: %s\n", o->db, why);
        goto out;
    }
    printf("model #%lld: %s on %lld closed cases, %d categories, %zu "
           "n-grams, %zu bytes\n",
           (long long)t.info.id, t.info.name, (long long)t.info.n_examples,
           t.info.n_classes, t.n_features, t.bytes);
    if (t.info.cv_top1 >= 0)
        printf("cross-validation (5 folds): top-1 %.4f, top-3 %.4f\n",
               t.info.cv_top1, t.info.cv_top3);
    else
        printf("cross-validation: not measured (fewer than 50 cases)\n");
out:
    if (s)
        store_close(s);
    return rc;
}
