/*
 * metrics.h - the figures leaders read, computed from counts.
 *
 * The store counts cases as of a moment; this module turns the counts into
 * figures and says how each was computed.  Definitions:
 *
 *   reported        cases reported, withdrawn and merged ones excluded
 *   withdrawn       withdrawn by the reporter (counted apart)
 *   merged          merged into another case (counted apart)
 *   rejected        rejected at intake
 *   closed          verified and closed
 *   open            reported - closed - rejected
 *   overdue         open cases whose deadline has passed
 *   should_close    closed + rejected + overdue   (应结案数)
 *   closure_rate    closed / should_close
 *   ontime_rate     closed on time / should_close
 *   rework_rate     cases sent back to rework / cases handled
 *   satisfaction    (satisfied + basically satisfied) / rated
 *   avg_hours       mean hours from report to close, closed cases
 *
 * A rate whose denominator is 0 has no value (JSON null), never 0 or 1.
 */
#ifndef CG_METRICS_H
#define CG_METRICS_H

#include <stdbool.h>
#include <stddef.h>

struct metric_counts {
    long reported;
    long withdrawn;
    long merged;
    long rejected;
    long closed;
    long closed_on_time;
    long open;
    long overdue;
    long handled;  /* cases that were fed back at least once */
    long reworked; /* cases sent back to rework at least once */
    long rated;
    long satisfied;
    long basically_satisfied;
    long unsatisfied;
    double close_hours_sum; /* sum over closed cases of report->close */
};

struct metric {
    const char *key; /* "closure_rate" */
    const char *label_zh;
    const char *label_en;
    const char *formula; /* "closed / (closed + rejected + overdue)" */
    const char *formula_zh;
    bool is_rate;   /* a fraction in [0, 1] */
    bool has_value; /* false when the denominator is 0 */
    double value;   /* the figure (rates as fractions) */
    long num, den;  /* for rates: the two counts */
};

#define METRICS_MAX 16

/* Fills out[] with the figures in display order; returns how many. */
size_t metrics_compute(const struct metric_counts *c,
                       struct metric out[METRICS_MAX]);

/* A fraction as a percentage with one decimal, rounded half up on the
 * exact decimal value: 0.966004 -> "96.6%".  out must hold 16 bytes. */
void metrics_percent(double frac, char *out, size_t outlen);

#endif
