/*
 * metrics.c - the leaders' figures from the store's counts.
 *
 * Each figure carries its key, labels and formula, so the API answer and
 * the spreadsheet export say how a number was reached without anyone
 * keeping a second copy of the definitions.
 */
#include <math.h>

#include "base/str.h"
#include "core/metrics.h"

static struct metric *put_count(struct metric *m, const char *key,
                                const char *zh, const char *en,
                                const char *formula, long count);
static struct metric *put_rate(struct metric *m, const char *key,
                               const char *zh, const char *en,
                               const char *formula, long num, long den);

/*
 * Fills out[] in display order: the counts first, then the rates, then the
 * average time to close.  A rate or average over nothing has no value.
 * For avg_close_hours, den is the number of closed cases and num is 0
 * (the numerator is a sum of hours, not a count).
 */
size_t
metrics_compute(const struct metric_counts *c, struct metric out[METRICS_MAX])
{
    struct metric *m = out;
    long should_close = c->closed + c->rejected + c->overdue;

    m = put_count(m, "reported", "上报数", "Reported",
                  "cases reported, not counting withdrawn and merged ones",
                  c->reported);
    m = put_count(m, "rejected", "驳回数", "Rejected",
                  "cases rejected at intake", c->rejected);
    m = put_count(m, "withdrawn", "撤回数", "Withdrawn",
                  "cases withdrawn by the reporter, counted apart",
                  c->withdrawn);
    m = put_count(m, "merged", "合并数", "Merged",
                  "cases merged into another case, counted apart", c->merged);
    m = put_count(m, "closed", "结案数", "Closed", "cases verified and closed",
                  c->closed);
    m = put_count(m, "open", "未结案数", "Open", "reported - closed - rejected",
                  c->open);
    m = put_count(m, "overdue", "超期数", "Overdue",
                  "open cases whose deadline has passed", c->overdue);
    m = put_count(m, "should_close", "应结案数", "Should be closed",
                  "closed + rejected + overdue", should_close);
    m = put_rate(m, "closure_rate", "结案率", "Closure rate",
                 "closed / should_close, "
                 "should_close = closed + rejected + overdue",
                 c->closed, should_close);
    m = put_rate(m, "ontime_rate", "按期结案率", "On-time closure rate",
                 "closed_on_time / should_close, "
                 "should_close = closed + rejected + overdue",
                 c->closed_on_time, should_close);
    m = put_rate(m, "rework_rate", "返工率", "Rework rate",
                 "reworked / handled (cases sent back at least once over "
                 "cases fed back at least once)",
                 c->reworked, c->handled);
    m = put_rate(m, "satisfaction_rate", "满意率", "Satisfaction rate",
                 "(satisfied + basically_satisfied) / rated",
                 c->satisfied + c->basically_satisfied, c->rated);

    m->key = "avg_close_hours";
    m->label_zh = "平均办结时长(小时)";
    m->label_en = "Average hours to close";
    m->formula = "sum over closed cases of hours from report to close / "
                 "closed";
    m->is_rate = false;
    m->has_value = c->closed > 0;
    m->value = c->closed > 0 ? c->close_hours_sum / (double)c->closed : 0.0;
    m->num = 0;
    m->den = c->closed;
    m++;
    return (size_t)(m - out);
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

static struct metric *
put_count(struct metric *m, const char *key, const char *zh, const char *en,
          const char *formula, long count)
{
    m->key = key;
    m->label_zh = zh;
    m->label_en = en;
    m->formula = formula;
    m->is_rate = false;
    m->has_value = true;
    m->value = (double)count;
    m->num = count;
    m->den = 0;
    return m + 1;
}

static struct metric *
put_rate(struct metric *m, const char *key, const char *zh, const char *en,
         const char *formula, long num, long den)
{
    m->key = key;
    m->label_zh = zh;
    m->label_en = en;
    m->formula = formula;
    m->is_rate = true;
    m->has_value = den > 0;
    m->value = den > 0 ? (double)num / (double)den : 0.0;
    m->num = num;
    m->den = den;
    return m + 1;
}
