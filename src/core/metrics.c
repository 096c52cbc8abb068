/*
 * metrics.c - the leaders' figures from the store's counts.
 *
 * Each figure carries its key, labels and formula, so the API answer and
 * the spreadsheet export say how a number was reached without anyone
 * keeping a second copy of the definitions.
 */
#include <math.h>
#include <string.h>

#include "base/str.h"
#include "core/metrics.h"

enum kind { COUNT, RATE, AVERAGE };

/* The figures in display order, with their formulas in both languages. */
static const struct metric_def {
    const char *key, *zh, *en, *formula, *formula_zh;
    enum kind kind;
} defs[] = {
    {"reported", "上报数", "Reported",
     "cases reported, not counting withdrawn and merged ones",
     "上报的案件，不含撤回和合并的", COUNT},
    {"rejected", "驳回数", "Rejected", "cases rejected at intake",
     "受理时驳回的案件", COUNT},
    {"withdrawn", "撤回数", "Withdrawn",
     "cases withdrawn by the reporter, counted apart",
     "上报人撤回的案件，单独统计", COUNT},
    {"merged", "合并数", "Merged",
     "cases merged into another case, counted apart",
     "合并到其他案件的，单独统计", COUNT},
    {"closed", "结案数", "Closed", "cases verified and closed",
     "核查后结案的案件", COUNT},
    {"open", "未结案数", "Open", "reported - closed - rejected",
     "上报数 - 结案数 - 驳回数", COUNT},
    {"overdue", "超期数", "Overdue", "open cases whose deadline has passed",
     "已过办理时限仍未结案的案件", COUNT},
    {"should_close", "应结案数", "Should be closed",
     "closed + rejected + overdue", "结案数 + 驳回数 + 超期数", COUNT},
    {"closure_rate", "结案率", "Closure rate",
     "closed / should_close, should_close = closed + rejected + overdue",
     "结案数 / 应结案数，应结案数 = 结案数 + 驳回数 + 超期数", RATE},
    {"ontime_rate", "按期结案率", "On-time closure rate",
     "closed_on_time / should_close, "
     "should_close = closed + rejected + overdue",
     "按期结案数 / 应结案数", RATE},
    {"rework_rate", "返工率", "Rework rate",
     "reworked / handled (cases sent back at least once over cases fed "
     "back at least once)",
     "返工案件数 / 处置反馈案件数", RATE},
    {"satisfaction_rate", "满意率", "Satisfaction rate",
     "(satisfied + basically_satisfied) / rated",
     "(满意 + 基本满意) / 已评价案件数", RATE},
    {"avg_close_hours", "平均办结时长(小时)", "Average hours to close",
     "sum over closed cases of hours from report to close / closed",
     "已结案案件从上报到结案的小时数之和 / 结案数", AVERAGE},
};

/* The numerator and denominator of a figure; a count has no denominator
 * and the average's numerator is a sum of hours, not a count (0). */
static void
operands(const struct metric_counts *c, const char *key, long *num, long *den)
{
    long should_close = c->closed + c->rejected + c->overdue;
    static const char *const count_keys[] = {
        "reported", "rejected", "withdrawn", "merged",
        "closed",   "open",     "overdue",   "should_close",
    };
    const long counts[] = {
        c->reported, c->rejected, c->withdrawn, c->merged,
        c->closed,   c->open,     c->overdue,   should_close,
    };
    size_t i;

    *num = 0;
    *den = 0;
    for (i = 0; i < sizeof(count_keys) / sizeof(count_keys[0]); i++)
        if (strcmp(key, count_keys[i]) == 0) {
            *num = counts[i];
            return;
        }
    if (strcmp(key, "closure_rate") == 0) {
        *num = c->closed;
        *den = should_close;
    } else if (strcmp(key, "ontime_rate") == 0) {
        *num = c->closed_on_time;
        *den = should_close;
    } else if (strcmp(key, "rework_rate") == 0) {
        *num = c->reworked;
        *den = c->handled;
    } else if (strcmp(key, "satisfaction_rate") == 0) {
        *num = c->satisfied + c->basically_satisfied;
        *den = c->rated;
    } else {
        *den = c->closed;
    }
}

/*
 * Fills out[] in display order: the counts first, then the rates, then the
 * average time to close.  A rate or average over nothing has no value.
 */
size_t
metrics_compute(const struct metric_counts *c, struct metric out[METRICS_MAX])
{
    size_t i, n = sizeof(defs) / sizeof(defs[0]);

    for (i = 0; i < n && i < METRICS_MAX; i++) {
        const struct metric_def *d = &defs[i];
        struct metric *m = &out[i];

        m->key = d->key;
        m->label_zh = d->zh;
        m->label_en = d->en;
        m->formula = d->formula;
        m->formula_zh = d->formula_zh;
        m->is_rate = d->kind == RATE;
        operands(c, d->key, &m->num, &m->den);
        switch (d->kind) {
        case COUNT:
            m->has_value = true;
            m->value = (double)m->num;
            break;
        case RATE:
            m->has_value = m->den > 0;
            m->value = m->den > 0 ? (double)m->num / (double)m->den : 0.0;
            break;
        case AVERAGE:
            m->has_value = m->den > 0;
            m->value = m->den > 0 ? c->close_hours_sum / (double)m->den : 0.0;
            break;
        }
    }
    return i;
}

/*
 * Rounds half up on the decimal value: the product is nudged by 1e-9 so
 * that a fraction such as 0.9655, stored as 0.96549999..., rounds the way
 * a person reading "96.55" expects.  Digits are printed from an integer so
 * no second rounding happens in printf.  Non-finite or absurd input
 * prints "n/a".
 */
void
metrics_percent(double frac, char *out, size_t outlen)
{
    double tenths;
    long long v;
    bool neg;

    if (outlen == 0)
        return;
    if (!isfinite(frac) || fabs(frac) > 1e9) {
        str_copy(out, outlen, "n/a");
        return;
    }
    neg = frac < 0;
    tenths = floor(fabs(frac) * 1000.0 + 0.5 + 1e-9);
    v = (long long)tenths;
    str_fmt(out, outlen, "%s%lld.%lld%%", neg && v != 0 ? "-" : "", v / 10,
            v % 10);
}
