/*
 * classify.h - the category of a case suggested from what the resident
 * wrote.
 *
 * Chinese needs no word segmenter here: a text is read as runs of
 * characters (letters and CJK ideographs; whitespace, punctuation, digits
 * and invalid UTF-8 end a run) and every run gives its character 1- to
 * n-grams.  Each n-gram is hashed to 64 bits; the vocabulary is the set of
 * hashes seen in training (capped, the most frequent kept), so the model
 * grows with the training data, not with a fixed table.  The subject is
 * short and names the problem, so its n-grams count several times.
 *
 * Three learners share one linear scorer (score = bias + weights . x, then
 * a softmax):
 *
 *   CLS_SVM     one linear SVM per category against the rest (squared
 *               hinge, L2), over TF-IDF whose features are stretched by
 *               the naive Bayes log-count ratios of the category (NB-SVM);
 *               the default: about 4 points of top-1 above CLS_LOGREG by
 *               cross-validation on real messages;
 *   CLS_LOGREG  multinomial logistic regression over TF-IDF (sublinear term
 *               frequency, smoothed IDF, L2-normalised), trained by seeded
 *               stochastic gradient descent with L2 regularisation;
 *   CLS_NB      multinomial naive Bayes over raw counts with add-one
 *               smoothing, kept as the baseline to compare against.
 *
 * The scores of CLS_SVM and CLS_LOGREG are given a temperature (softmax of
 * t times the score) fitted by cross-validation inside the training
 * examples, so that a suggestion's probability is about how often such a
 * suggestion is right; t is folded into the weights.
 *
 * The module works on memory only: a model is saved to and loaded from a
 * byte buffer, so the callers choose where it lives and the tests need no
 * files.  Loading checks every size and value against the buffer and
 * refuses anything that does not add up, with a reason a person can read.
 */
#ifndef CG_CLASSIFY_H
#define CG_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define CLS_MAX_CLASSES  64
#define CLS_LABEL_LEN    64 /* bytes with the terminating NUL */
#define CLS_MAX_FEATURES (1u << 21)
#define CLS_MAX_NGRAM    3
/* Characters read from one field; the rest of a longer text is ignored. */
#define CLS_MAX_CHARS 20000
/* The largest model file cls_load accepts. */
#define CLS_MAX_MODEL_BYTES (256u * 1024 * 1024)

enum cls_algo { CLS_LOGREG, CLS_NB, CLS_SVM };

struct cls_params {
    enum cls_algo algo;
    unsigned ngram_max;    /* 1 .. CLS_MAX_NGRAM */
    double subject_weight; /* a subject n-gram counts this many times */
    unsigned min_df;       /* n-grams in fewer training texts are dropped */
    size_t max_features;   /* the vocabulary cap */
    unsigned epochs;       /* CLS_LOGREG: passes over the data */
    double lambda;         /* CLS_LOGREG: L2 regularisation strength */
    double eta0;           /* CLS_LOGREG: initial step size */
    double alpha;          /* CLS_NB: additive smoothing */
    uint64_t seed;         /* order of the examples; same seed, same model */
    double c;              /* CLS_SVM: cost of a margin violation */
    double nb_beta;        /* CLS_SVM: weight of the NB log-count ratios */
    unsigned calibrate;    /* folds to fit the temperature on; 0: none */
    double prior_weight;   /* a prior text counts this much, 0 to 1 */
};

/* One training case: its subject, its description and the category a
 * dispatcher confirmed.  subject and detail may be NULL or empty. */
struct cls_example {
    const char *subject;
    const char *detail;
    const char *label;
};

/* A suggested category; label points into the model. */
struct cls_guess {
    const char *label;
    double p;
};

struct cls_cv {
    unsigned folds;
    size_t n;    /* cases scored, each once */
    size_t top1; /* cases whose category came first */
    size_t top3; /* cases whose category was among the first three */
};

struct cls_model;

/* The parameters chosen by cross-validation for algo.  The server's
 * retraining asks for CLS_LOGREG's; CLS_SVM's are the better ones. */
void cls_params_default(struct cls_params *p, enum cls_algo algo);

/* Checks the parameters; on CG_EINVAL, why says which one is wrong. */
int cls_params_check(const struct cls_params *p, char *why, size_t whylen);

/*
 * Learns a model from n examples (at least two categories).  On success
 * *out is the caller's to cls_free.  CG_EINVAL with a reason in why when
 * the examples cannot train a model (no categories, a label too long, too
 * many categories); CG_ETOOBIG when the vocabulary would not fit.
 */
int cls_train(const struct cls_params *p, const struct cls_example *ex,
              size_t n, struct cls_model **out, char *why, size_t whylen);

/*
 * Suggests up to k categories for a case, most probable first, into
 * out[0..k); returns how many were written (min(k, classes)).  The
 * probabilities are a softmax over all categories, so those returned sum
 * to at most 1.  Any bytes are accepted; a text with nothing to read gets
 * the order of the biases alone (for CLS_NB the categories' prior order;
 * the other learners weigh the categories evenly, so nearly even
 * probabilities).
 */
size_t cls_classify(const struct cls_model *m, const char *subject,
                    const char *detail, struct cls_guess *out, size_t k);

/*
 * As cls_train, with nprior prior texts besides the cases: short texts
 * that name what a category covers (its subcategories in the hotline's
 * taxonomy), so that a category with few cases still knows its words.
 * Each counts p->prior_weight of a case; one whose category none of the
 * cases has is left out.  prior may be NULL when nprior is 0.
 */
int cls_train_prior(const struct cls_params *p, const struct cls_example *ex,
                    size_t n, const struct cls_example *prior, size_t nprior,
                    struct cls_model **out, char *why, size_t whylen);

/* Appends the model in its file format to out. */
int cls_save(const struct cls_model *m, struct buf *out);

/*
 * Reads a model saved by cls_save from data[0..len).  CG_EINVAL with a
 * reason in why when the bytes are not a model, are of another version,
 * are cut short or corrupt; CG_ETOOBIG over CLS_MAX_MODEL_BYTES.
 */
int cls_load(const void *data, size_t len, struct cls_model **out, char *why,
             size_t whylen);

void cls_free(struct cls_model *m);

size_t cls_nclasses(const struct cls_model *m);
size_t cls_nfeatures(const struct cls_model *m);
const char *cls_label(const struct cls_model *m, size_t i);

/*
 * Stratified k-fold cross-validation: the examples of each category are
 * shuffled with seed and dealt to the folds in turn, so every fold holds
 * each category in proportion and the same seed gives the same folds for
 * every learner.  Each fold is scored by a model trained on the others.
 */
int cls_cross_validate(const struct cls_params *p, const struct cls_example *ex,
                       size_t n, unsigned folds, uint64_t seed,
                       struct cls_cv *out, char *why, size_t whylen);

/* As cls_cross_validate, the prior texts joining every training part;
 * only the cases are dealt to the folds and scored. */
int cls_cross_validate_prior(const struct cls_params *p,
                             const struct cls_example *ex, size_t n,
                             const struct cls_example *prior, size_t nprior,
                             unsigned folds, uint64_t seed, struct cls_cv *out,
                             char *why, size_t whylen);

const char *cls_algo_name(enum cls_algo algo);
int cls_algo_parse(const char *s, enum cls_algo *out);

/* ---- the cold start: keywords from the category catalogue --------------- */

/*
 * Before a deployment has closed cases to learn from, a new case is
 * matched against the names of the categories.  A class is known by its
 * name (暴露垃圾), by the two-character words inside its name (暴露, 垃圾;
 * words as general as 异常 or 问题 are left out) and by the keywords the
 * catalogue gives it (comma-separated).  A word found in the subject
 * counts twice, a longer word more than a shorter one.
 */
struct cls_keyclass {
    const char *label;    /* the small class code */
    const char *name;     /* its name */
    const char *keywords; /* more words, comma-separated; may be NULL */
};

/* A class the words point at; label points into the caller's classes. */
struct cls_keyguess {
    const char *label;
    double p;      /* its share of the evidence, never 1: see below */
    double score;  /* the weighted characters matched */
    char word[48]; /* the word that weighed most, for the reason */
};

/*
 * Scores the n classes against a case and writes the best (up to max,
 * only those with a match) to out, most likely first; returns how many.
 * p is score / (total score + CLS_KEY_DOUBT): probability-like, summing
 * to less than 1, so that one short word never looks certain.
 */
#define CLS_KEY_DOUBT 4.0
size_t cls_keyword_match(const struct cls_keyclass *k, size_t n,
                         const char *subject, const char *detail,
                         struct cls_keyguess *out, size_t max);

#endif
