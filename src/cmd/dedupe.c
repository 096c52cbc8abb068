/*
 * dedupe.c - `civicgrid dedupe-eval`: how good the duplicate suggestion
 * shown before a report is sent would have been on real service requests.
 *
 * The US 311 exports say, for some requests, that the city closed them as
 * a duplicate of an existing one (San Francisco's Status.Notes, Boston's
 * closure_reason, New York's Resolution Description).  That flag was set
 * by city staff, independently of this scorer, and is the ground truth.
 * The suggestion fires for a request when an earlier request of the same
 * type lies within the radius and the time window and its descriptor
 * reads alike (core/dedupe.c, as the platform uses it).  Precision and
 * recall are counted per request.
 *
 * A second table measures the same suggestion against duplicates "by
 * construction" (same type, within the radius and the window): that only
 * shows what the text test removes, since the truth shares the other
 * three conditions with the scorer.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "cmd/demo_city.h"
#include "core/dedupe.h"

#define MAX_FILE   (256u * 1024 * 1024)
#define MAX_FIELDS 128
#define DAY_S      86400

enum fmt { FMT_NYC, FMT_SF, FMT_BOSTON };

/* The columns each export names, and the column that records a duplicate
 * closure. */
struct layout {
    const char *name;
    const char *time, *type, *text, *flag, *lat, *lon;
};

static const struct layout layouts[] = {
    [FMT_NYC] = {"nyc", "Created Date", "Complaint Type", "Descriptor",
                 "Resolution Description", "Latitude", "Longitude"},
    [FMT_SF] = {"sf", "Opened", "Request.Type", "Request.Details",
                "Status.Notes", "Lat", "Long"},
    [FMT_BOSTON] = {"boston", "open_dt", "type", "case_title", "closure_reason",
                    "latitude", "longitude"},
};

struct request {
    int64_t t;
    size_t order; /* in the file, to break ties of equal times */
    const char *type, *text;
    double lon, lat;
    bool flagged;    /* closed by the city as a duplicate */
    bool near_prior; /* an earlier one of its type within radius and window */
};

struct eval_opts {
    enum fmt fmt;
    const char *file;
    double radius;
    int64_t window;
};

struct counts {
    size_t tp, fp, fn, tn;
};

static void usage(FILE *out);
static int parse_args(int argc, char **argv, struct eval_opts *o);
static int column(char **hdr, size_t n, const char *name);
static int digits(const char **p, int max, int *out);
static int parse_time(const char *s, int64_t *out);
static bool mentions_duplicate(const char *s);
static int cmp_request(const void *a, const void *b);
static bool suggested(const struct request *r, size_t i,
                      const struct eval_opts *o, double min_sim, bool use_text);
static void count(const struct request *r, size_t n, const struct eval_opts *o,
                  double min_sim, bool use_text, bool constructed,
                  struct counts *c);
static void print_row(const char *label, const struct counts *c);

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: civicgrid dedupe-eval --format nyc|sf|boston [--radius M]"
            " [--days N] FILE.csv\n\n"
            "Measures the duplicate suggestion on a US 311 export: requests"
            " the city\nclosed as duplicates are the truth; the suggestion"
            " fires when an earlier\nrequest of the same type lies within M"
            " metres (default 250) and N days\n(default 7) and its"
            " descriptor reads alike.\n");
}

static int
parse_args(int argc, char **argv, struct eval_opts *o)
{
    int64_t v;
    int i;

    memset(o, 0, sizeof(*o));
    o->fmt = FMT_NYC;
    o->radius = DEDUPE_RADIUS_M;
    o->window = 7 * DAY_S;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "nyc") == 0)
                o->fmt = FMT_NYC;
            else if (strcmp(argv[i], "sf") == 0)
                o->fmt = FMT_SF;
            else if (strcmp(argv[i], "boston") == 0)
                o->fmt = FMT_BOSTON;
            else {
                fprintf(stderr, "dedupe-eval: unknown format '%s'\n", argv[i]);
                return CG_EINVAL;
            }
        } else if (strcmp(argv[i], "--radius") == 0 && i + 1 < argc) {
            if (str_to_i64(argv[++i], 10, 5000, &v) != CG_OK) {
                fprintf(stderr, "dedupe-eval: --radius takes 10..5000\n");
                return CG_EINVAL;
            }
            o->radius = (double)v;
        } else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
            if (str_to_i64(argv[++i], 1, 365, &v) != CG_OK) {
                fprintf(stderr, "dedupe-eval: --days takes 1..365\n");
                return CG_EINVAL;
            }
            o->window = v * DAY_S;
        } else if (argv[i][0] != '-' && !o->file) {
            o->file = argv[i];
        } else {
            fprintf(stderr, "dedupe-eval: unexpected argument '%s'\n", argv[i]);
            return CG_EINVAL;
        }
    }
    if (!o->file) {
        fprintf(stderr, "dedupe-eval: name the CSV file\n");
        return CG_EINVAL;
    }
    return CG_OK;
}

static int
column(char **hdr, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(hdr[i], name) == 0)
            return (int)i;
    return -1;
}

/* Reads up to max decimal digits (at least one) and moves *p past them. */
static int
digits(const char **p, int max, int *out)
{
    int v = 0, k = 0;

    while (k < max && isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    if (k == 0)
        return CG_EINVAL;
    *out = v;
    return CG_OK;
}

/* "2012-12-04 15:21:00" (San Francisco, Boston; fractions ignored) or
 * "05/01/2022 12:00:03 AM" (New York), as seconds of a local clock: only
 * differences between requests of one file matter. */
static int
parse_time(const char *s, int64_t *out)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, se = 0;

    if (strchr(s, '/')) {
        if (digits(&p, 2, &mo) || *p++ != '/' || digits(&p, 2, &d) ||
            *p++ != '/' || digits(&p, 4, &y))
            return CG_EINVAL;
    } else if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
               *p++ != '-' || digits(&p, 2, &d)) {
        return CG_EINVAL;
    }
    if (*p == ' ' || *p == 'T') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            return CG_EINVAL;
        if (*p == ':' && (p++, digits(&p, 2, &se)))
            return CG_EINVAL;
        while (*p == '.' || isdigit((unsigned char)*p))
            p++;
        if (*p == ' ' && (strncasecmp(p + 1, "PM", 2) == 0) && h < 12)
            h += 12;
        else if (*p == ' ' && strncasecmp(p + 1, "AM", 2) == 0 && h == 12)
            h = 0;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return CG_EINVAL;
    *out = cgtime_days_from_civil(y, (unsigned)mo, (unsigned)d) * DAY_S +
           h * 3600 + mi * 60 + se;
    return CG_OK;
}

static bool
mentions_duplicate(const char *s)
{
    return s && strcasestr(s, "duplicate") != NULL;
}

static int
cmp_request(const void *a, const void *b)
{
    const struct request *x = a, *y = b;

    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Whether the platform would have suggested an earlier request when
 * r[i] was being reported.  The list is sorted by time. */
static bool
suggested(const struct request *r, size_t i, const struct eval_opts *o,
          double min_sim, bool use_text)
{
    struct dedupe_input in;
    struct dedupe_verdict v;
    size_t j;

    memset(&in, 0, sizeof(in));
    in.same_category = true;
    in.radius_m = o->radius;
    in.max_age_s = o->window;
    in.has_text = use_text;
    in.min_similarity = min_sim;
    for (j = i; j-- > 0;) {
        if (r[i].t - r[j].t > o->window)
            break;
        if (strcmp(r[i].type, r[j].type) != 0)
            continue;
        in.distance_m =
            dedupe_distance_m(r[i].lon, r[i].lat, r[j].lon, r[j].lat);
        if (in.distance_m > o->radius)
            continue;
        in.age_s = r[i].t - r[j].t;
        in.similarity =
            use_text ? dedupe_text_similarity(r[i].text, r[j].text) : 0;
        dedupe_judge(&in, &v);
        if (v.suggest)
            return true;
    }
    return false;
}

static void
count(const struct request *r, size_t n, const struct eval_opts *o,
      double min_sim, bool use_text, bool constructed, struct counts *c)
{
    size_t i;

    memset(c, 0, sizeof(*c));
    for (i = 0; i < n; i++) {
        bool truth = constructed ? r[i].near_prior : r[i].flagged;
        bool got = suggested(r, i, o, min_sim, use_text);
        if (got && truth)
            c->tp++;
        else if (got)
            c->fp++;
        else if (truth)
            c->fn++;
        else
            c->tn++;
    }
}

static void
print_row(const char *label, const struct counts *c)
{
    size_t sug = c->tp + c->fp, pos = c->tp + c->fn;
    char p[16] = "–", rc[16] = "–";

    if (sug)
        str_fmt(p, sizeof(p), "%.3f", (double)c->tp / (double)sug);
    if (pos)
        str_fmt(rc, sizeof(rc), "%.3f", (double)c->tp / (double)pos);
    printf("| %s | %zu | %zu | %zu | %zu | %s | %s |\n", label, sug, c->tp,
           c->fp, c->fn, p, rc);
}

int
cmd_dedupe_eval(int argc, char **argv)
{
    static const double thresholds[] = {0.1, DEDUPE_TEXT_MIN, 0.3, 0.5, 0.8};
    const struct layout *L;
    struct eval_opts o;
    struct demo_csv csv;
    struct request *r = NULL;
    struct counts c;
    char *f[MAX_FIELDS], **hdr = NULL, label[64];
    int col[6];
    size_t nf, n = 0, cap = 0, rows = 0, no_point = 0, no_time = 0, flagged;
    size_t i, k, hn = 0;
    int rc, ret = 1;

    for (i = 1; i < (size_t)argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    if (parse_args(argc, argv, &o) != CG_OK) {
        usage(stderr);
        return 2;
    }
    L = &layouts[o.fmt];
    if ((rc = demo_csv_open(&csv, o.file, MAX_FILE)) != CG_OK) {
        fprintf(stderr, "dedupe-eval: cannot read %s (%s)\n", o.file,
                cg_strerror(rc));
        return 1;
    }
    if (demo_csv_next(&csv, f, MAX_FIELDS, &hn) != CG_OK) {
        fprintf(stderr, "dedupe-eval: %s has no header\n", o.file);
        goto out;
    }
    hdr = f;
    {
        const char *names[6] = {L->time, L->type, L->text,
                                L->flag, L->lat,  L->lon};
        for (k = 0; k < 6; k++)
            if ((col[k] = column(hdr, hn, names[k])) < 0) {
                fprintf(stderr,
                        "dedupe-eval: %s has no column '%s'; is it a %s "
                        "export?\n",
                        o.file, names[k], L->name);
                goto out;
            }
    }
    for (;;) {
        char *row[MAX_FIELDS];
        double lat, lon;
        int64_t t;

        rc = demo_csv_next(&csv, row, MAX_FIELDS, &nf);
        if (rc == CG_ENOTFOUND)
            break;
        if (rc != CG_OK) {
            fprintf(stderr, "dedupe-eval: %s: malformed record at line %ld\n",
                    o.file, csv.line);
            goto out;
        }
        rows++;
        if (nf < hn) {
            no_point++;
            continue;
        }
        if (str_to_double(row[col[4]], &lat) != CG_OK ||
            str_to_double(row[col[5]], &lon) != CG_OK || lat < -90 ||
            lat > 90 || lon < -180 || lon > 180 || (lat == 0 && lon == 0)) {
            no_point++;
            continue;
        }
        if (parse_time(row[col[0]], &t) != CG_OK) {
            no_time++;
            continue;
        }
        if (n == cap) {
            struct request *nr;
            cap = cap ? cap * 2 : 1024;
            nr = realloc(r, cap * sizeof(*r));
            if (!nr) {
                fprintf(stderr, "dedupe-eval: out of memory\n");
                goto out;
            }
            r = nr;
        }
        memset(&r[n], 0, sizeof(r[n]));
        r[n].t = t;
        r[n].order = n;
        r[n].type = row[col[1]];
        r[n].text = row[col[2]];
        r[n].lat = lat;
        r[n].lon = lon;
        r[n].flagged = mentions_duplicate(row[col[3]]);
        n++;
    }
    if (n)
        qsort(r, n, sizeof(*r), cmp_request);
    flagged = 0;
    for (i = 0; i < n; i++) {
        r[i].near_prior = suggested(r, i, &o, 0, false);
        flagged += r[i].flagged;
    }

    printf("### %s (%s)\n\n", o.file, L->name);
    printf("- rows: %zu; measured: %zu; skipped: %zu without usable "
           "coordinates, %zu without a readable time\n",
           rows, n, no_point, no_time);
    printf("- suggestion: same '%s', within %.0f m, earlier by at most %lld "
           "days, '%s' alike (Dice of character bigrams >= threshold, or "
           "within %.0f m)\n",
           L->type, o.radius, (long long)(o.window / DAY_S), L->text,
           o.radius * DEDUPE_NEAR_SHARE);
    printf("- ground truth: %zu requests the city closed as duplicates "
           "('%s' mentions \"duplicate\")\n\n",
           flagged, L->flag);
    printf("| against the city's duplicate flag | suggested | tp | fp | fn "
           "| precision | recall |\n|---|---|---|---|---|---|---|\n");
    for (k = 0; k < sizeof(thresholds) / sizeof(thresholds[0]); k++) {
        count(r, n, &o, thresholds[k], true, false, &c);
        str_fmt(label, sizeof(label), "text >= %.2f%s", thresholds[k],
                thresholds[k] == DEDUPE_TEXT_MIN ? " (default)" : "");
        print_row(label, &c);
    }
    count(r, n, &o, 0, false, false, &c);
    print_row("type, place and time only", &c);
    printf("\n| against duplicates by construction (same type, place, time)"
           " | suggested | tp | fp | fn | precision | recall |\n"
           "|---|---|---|---|---|---|---|\n");
    for (k = 0; k < sizeof(thresholds) / sizeof(thresholds[0]); k++) {
        count(r, n, &o, thresholds[k], true, true, &c);
        str_fmt(label, sizeof(label), "text >= %.2f%s", thresholds[k],
                thresholds[k] == DEDUPE_TEXT_MIN ? " (default)" : "");
        print_row(label, &c);
    }
    count(r, n, &o, DEDUPE_TEXT_MIN, true, false, &c);
    if (flagged == 0)
        printf("\nprecision: n/a (no request in this file is flagged as a "
               "duplicate)\nrecall: n/a\n");
    else
        printf("\nprecision: %.3f\nrecall: %.3f\n",
               c.tp + c.fp ? (double)c.tp / (double)(c.tp + c.fp) : 0.0,
               (double)c.tp / (double)(c.tp + c.fn));
    printf("counts: tp=%zu fp=%zu fn=%zu tn=%zu flagged=%zu measured=%zu\n",
           c.tp, c.fp, c.fn, c.tn, flagged, n);
    ret = 0;
out:
    free(r);
    demo_csv_close(&csv);
    return ret;
}
