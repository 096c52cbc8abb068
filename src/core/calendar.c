/*
 * calendar.c - working days, working hours and deadlines counted in them.
 *
 * Days are counted as days since 1970-01-01 in local time (the calendar's
 * fixed offset; China has no daylight saving).  Holidays and swapped
 * working days are two sorted arrays of such day numbers, looked up by
 * binary search.  A day is worked when it is a swapped working day, or when
 * it is Monday to Friday and not a holiday.
 *
 * Every walk over days is bounded.  A deadline that is not reached within
 * CAL_SCAN_DAYS calendar days of the start (a calendar with no working day
 * at all, or an absurdly long limit) is given up on: the answer is then
 * the start plus the amount in plain calendar hours or days, which is
 * late enough never to flag a case overdue by mistake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "core/calendar.h"

#define CAL_MAX_PERIODS 8
#define CAL_MAX_DAYS    100000 /* holidays plus workdays in one calendar */
#define CAL_MAX_RANGE   366    /* days in one holiday or workday line */
#define CAL_SCAN_DAYS   3660   /* calendar days a deadline walk may scan */
#define CAL_SPAN_DAYS   36600  /* days calendar_working_seconds counts */
#define CAL_MAX_FILE    (1 << 20)
#define CAL_MAX_TOKENS  10
#define DAY_SECS        86400

struct period {
    int start; /* seconds after local midnight */
    int end;
};

struct day_set {
    int64_t *v; /* sorted, no duplicates */
    size_t n;
    size_t cap;
};

struct calendar {
    int offset_min;
    int nperiods;
    struct period periods[CAL_MAX_PERIODS];
    struct day_set holidays;
    struct day_set workdays;
};

struct token {
    const char *s;
    size_t n;
};

static void calendar_defaults(struct calendar *c);
static void calendar_copy(struct calendar *dst, const struct calendar *src);
static void calendar_release(struct calendar *c);
static size_t set_lower_bound(const struct day_set *s, int64_t day);
static bool set_has(const struct day_set *s, int64_t day);
static int set_add(struct day_set *s, int64_t day);
static void set_copy(struct day_set *dst, const struct day_set *src);
static bool day_is_workday(const struct calendar *c, int64_t day);
static int64_t floor_div(int64_t a, int64_t b);
static int64_t last_period_end(const struct calendar *c);
static int parse_line(struct calendar *c, const char *line, size_t len,
                      char *msg, size_t msglen);
static size_t split_tokens(const char *line, size_t len, struct token *t,
                           size_t max);
static bool tok_is(const struct token *t, const char *word);
static int parse_num(const char *s, size_t n, int *out);
static int parse_date(const struct token *t, int64_t *day);
static int parse_clock(const char *s, int *secs);
static int parse_zone(const struct token *t, int *minutes);
static int parse_hours(struct calendar *c, const struct token *t, size_t ntok,
                       char *msg, size_t msglen);
static int parse_days(struct calendar *c, const struct token *t, size_t ntok,
                      bool holiday, char *msg, size_t msglen);
static int64_t add_hours(const struct calendar *c, int64_t start, int amount);
static int64_t add_days(const struct calendar *c, int64_t start, int amount);

struct calendar *
calendar_new(void)
{
    struct calendar *c = xcalloc(1, sizeof(*c));

    calendar_defaults(c);
    return c;
}

void
calendar_free(struct calendar *c)
{
    if (c == NULL)
        return;
    calendar_release(c);
    free(c);
}

/*
 * Parses into a copy of the calendar and puts the copy in place only when
 * the whole text was good, so a bad file leaves the calendar as it was.
 * Holidays and workdays add to what the calendar has; zone and hours
 * replace it.
 */
int
calendar_parse(struct calendar *c, const char *text, char *err, size_t errlen)
{
    struct calendar tmp;
    const char *p = text;
    char msg[128];
    long lineno = 0;

    calendar_copy(&tmp, c);
    while (*p != '\0') {
        const char *eol = strchr(p, '\n');
        size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);

        lineno++;
        if (parse_line(&tmp, p, len, msg, sizeof(msg)) != CG_OK) {
            if (err != NULL && errlen > 0)
                str_fmt(err, errlen, "line %ld: %s", lineno, msg);
            calendar_release(&tmp);
            return CG_EINVAL;
        }
        p += len + (eol != NULL);
    }
    calendar_release(c);
    *c = tmp;
    return CG_OK;
}

/* Reads a whole calendar file (at most 1 MiB) and parses it. */
int
calendar_load_file(struct calendar *c, const char *path, char *err,
                   size_t errlen)
{
    struct buf b;
    char chunk[4096];
    size_t n;
    int rc = CG_OK;
    FILE *f = fopen(path, "rb");

    if (f == NULL) {
        if (err != NULL && errlen > 0)
            str_fmt(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return CG_ERR;
    }
    buf_init(&b, CAL_MAX_FILE);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        rc = buf_append(&b, chunk, n);
        if (rc != CG_OK) {
            if (err != NULL && errlen > 0)
                str_fmt(err, errlen, "%s is larger than %d bytes", path,
                        CAL_MAX_FILE);
            goto out;
        }
    }
    if (ferror(f)) {
        if (err != NULL && errlen > 0)
            str_fmt(err, errlen, "cannot read %s", path);
        rc = CG_ERR;
        goto out;
    }
    rc = calendar_parse(c, b.data != NULL ? b.data : "", err, errlen);
out:
    buf_free(&b);
    fclose(f);
    return rc;
}

int
calendar_offset_min(const struct calendar *c)
{
    return c->offset_min;
}

int64_t
calendar_last_day(const struct calendar *c)
{
    int64_t h = c->holidays.n ? c->holidays.v[c->holidays.n - 1] : -1;
    int64_t w = c->workdays.n ? c->workdays.v[c->workdays.n - 1] : -1;

    return h > w ? h : w;
}

bool
calendar_is_workday(const struct calendar *c, int y, unsigned m, unsigned d)
{
    int64_t day = cgtime_days_from_civil(y, m, d);
    int yy;
    unsigned mm, dd;

    cgtime_civil_from_days(day, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d)
        return false;
    return day_is_workday(c, day);
}

int64_t
calendar_add(const struct calendar *c, int64_t start, int amount,
             enum limit_unit unit)
{
    if (amount <= 0)
        return start;
    if (unit == LIMIT_DAYS)
        return add_days(c, start, amount);
    return add_hours(c, start, amount);
}

/*
 * Sums the overlap of [a, b) with the working periods of working days.
 * Spans longer than CAL_SPAN_DAYS (a hundred years) count only their first
 * CAL_SPAN_DAYS days.
 */
int64_t
calendar_working_seconds(const struct calendar *c, int64_t a, int64_t b)
{
    int64_t off = (int64_t)c->offset_min * 60, la, lb, day, last, total = 0;
    int i;

    if (b <= a)
        return 0;
    la = a + off;
    lb = b + off;
    day = floor_div(la, DAY_SECS);
    last = floor_div(lb, DAY_SECS);
    if (last - day > CAL_SPAN_DAYS)
        last = day + CAL_SPAN_DAYS;
    for (; day <= last; day++) {
        int64_t base = day * DAY_SECS;

        if (!day_is_workday(c, day))
            continue;
        for (i = 0; i < c->nperiods; i++) {
            int64_t ps = base + c->periods[i].start;
            int64_t pe = base + c->periods[i].end;

            if (ps < la)
                ps = la;
            if (pe > lb)
                pe = lb;
            if (pe > ps)
                total += pe - ps;
        }
    }
    return total;
}

/* Walks forward from start through working periods until amount hours of
 * them have passed; a start outside working time begins at the next
 * period. */
static int64_t
add_hours(const struct calendar *c, int64_t start, int amount)
{
    int64_t off = (int64_t)c->offset_min * 60;
    int64_t local = start + off, remaining = (int64_t)amount * 3600;
    int64_t day = floor_div(local, DAY_SECS);
    int64_t sec = local - day * DAY_SECS;
    int scanned, i;

    for (scanned = 0; scanned < CAL_SCAN_DAYS; scanned++, day++, sec = 0) {
        if (!day_is_workday(c, day))
            continue;
        for (i = 0; i < c->nperiods; i++) {
            const struct period *p = &c->periods[i];
            int64_t from = sec > p->start ? sec : p->start;

            if (from >= p->end)
                continue;
            if (remaining <= p->end - from)
                return day * DAY_SECS + from + remaining - off;
            remaining -= p->end - from;
        }
    }
    return start + (int64_t)amount * 3600;
}

/* The end of the last working period of the amount-th working day after
 * the start's local date. */
static int64_t
add_days(const struct calendar *c, int64_t start, int amount)
{
    int64_t off = (int64_t)c->offset_min * 60;
    int64_t day = floor_div(start + off, DAY_SECS);
    int scanned, found = 0;

    for (scanned = 0; scanned < CAL_SCAN_DAYS; scanned++) {
        day++;
        if (day_is_workday(c, day) && ++found == amount)
            return day * DAY_SECS + last_period_end(c) - off;
    }
    return start + (int64_t)amount * DAY_SECS;
}

static int64_t
last_period_end(const struct calendar *c)
{
    return c->periods[c->nperiods - 1].end;
}

static bool
day_is_workday(const struct calendar *c, int64_t day)
{
    /* 1970-01-01 was a Thursday; weekday 0 is Sunday. */
    int64_t wd = ((day % 7) + 7 + 4) % 7;

    if (set_has(&c->workdays, day))
        return true;
    if (set_has(&c->holidays, day))
        return false;
    return wd != 0 && wd != 6;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static void
calendar_defaults(struct calendar *c)
{
    c->offset_min = 8 * 60;
    c->nperiods = 2;
    c->periods[0].start = 9 * 3600;
    c->periods[0].end = 12 * 3600;
    c->periods[1].start = 13 * 3600;
    c->periods[1].end = 18 * 3600;
}

static void
calendar_copy(struct calendar *dst, const struct calendar *src)
{
    *dst = *src;
    set_copy(&dst->holidays, &src->holidays);
    set_copy(&dst->workdays, &src->workdays);
}

static void
calendar_release(struct calendar *c)
{
    free(c->holidays.v);
    free(c->workdays.v);
    c->holidays.v = c->workdays.v = NULL;
    c->holidays.n = c->workdays.n = 0;
    c->holidays.cap = c->workdays.cap = 0;
}

static void
set_copy(struct day_set *dst, const struct day_set *src)
{
    dst->n = src->n;
    dst->cap = src->n;
    dst->v = NULL;
    if (src->n > 0) {
        dst->v = xmalloc(src->n * sizeof(*dst->v));
        memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
    }
}

/* Index of the first element not below day. */
static size_t
set_lower_bound(const struct day_set *s, int64_t day)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool
set_has(const struct day_set *s, int64_t day)
{
    size_t i = set_lower_bound(s, day);

    return i < s->n && s->v[i] == day;
}

/* Inserts day in order; CG_ETOOBIG past CAL_MAX_DAYS in one set. */
static int
set_add(struct day_set *s, int64_t day)
{
    size_t i = set_lower_bound(s, day);

    if (i < s->n && s->v[i] == day)
        return CG_OK;
    if (s->n >= CAL_MAX_DAYS)
        return CG_ETOOBIG;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    memmove(s->v + i + 1, s->v + i, (s->n - i) * sizeof(*s->v));
    s->v[i] = day;
    s->n++;
    return CG_OK;
}

/* One line of calendar text; on error writes the reason (without the line
 * number) into msg. */
static int
parse_line(struct calendar *c, const char *line, size_t len, char *msg,
           size_t msglen)
{
    struct token t[CAL_MAX_TOKENS + 1];
    size_t n = split_tokens(line, len, t, CAL_MAX_TOKENS + 1);

    if (n == 0)
        return CG_OK;
    if (n > CAL_MAX_TOKENS) {
        str_fmt(msg, msglen, "too many fields (at most %d)", CAL_MAX_TOKENS);
        return CG_EINVAL;
    }
    if (tok_is(&t[0], "zone")) {
        if (n != 2) {
            str_fmt(msg, msglen, "zone takes one offset like +08:00");
            return CG_EINVAL;
        }
        if (parse_zone(&t[1], &c->offset_min) != CG_OK) {
            str_fmt(msg, msglen, "bad zone '%.*s'; write it like +08:00",
                    (int)t[1].n, t[1].s);
            return CG_EINVAL;
        }
        return CG_OK;
    }
    if (tok_is(&t[0], "hours"))
        return parse_hours(c, t, n, msg, msglen);
    if (tok_is(&t[0], "holiday"))
        return parse_days(c, t, n, true, msg, msglen);
    if (tok_is(&t[0], "workday"))
        return parse_days(c, t, n, false, msg, msglen);
    str_fmt(msg, msglen,
            "unknown directive '%.*s' (expected zone, hours, holiday or "
            "workday)",
            (int)(t[0].n > 32 ? 32 : t[0].n), t[0].s);
    return CG_EINVAL;
}

/* Splits on blanks up to a '#' comment; returns the number of tokens
 * found, counting at most max. */
static size_t
split_tokens(const char *line, size_t len, struct token *t, size_t max)
{
    size_t i = 0, n = 0;

    while (i < len && n < max) {
        size_t j;

        while (i < len &&
               (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            i++;
        if (i >= len || line[i] == '#')
            break;
        j = i;
        while (j < len && line[j] != ' ' && line[j] != '\t' &&
               line[j] != '\r' && line[j] != '#')
            j++;
        t[n].s = line + i;
        t[n].n = j - i;
        n++;
        i = j;
    }
    return n;
}

static bool
tok_is(const struct token *t, const char *word)
{
    return strlen(word) == t->n && memcmp(t->s, word, t->n) == 0;
}

static int
parse_num(const char *s, size_t n, int *out)
{
    size_t i;
    int v = 0;

    if (!str_is_digits(s, n))
        return CG_EINVAL;
    for (i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    *out = v;
    return CG_OK;
}

/* "2026-10-01" to a day number; impossible dates are refused. */
static int
parse_date(const struct token *t, int64_t *day)
{
    int y, m, d, yy;
    unsigned mm, dd;

    if (t->n != 10 || t->s[4] != '-' || t->s[7] != '-')
        return CG_EINVAL;
    if (parse_num(t->s, 4, &y) != CG_OK ||
        parse_num(t->s + 5, 2, &m) != CG_OK ||
        parse_num(t->s + 8, 2, &d) != CG_OK)
        return CG_EINVAL;
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return CG_EINVAL;
    *day = cgtime_days_from_civil(y, (unsigned)m, (unsigned)d);
    cgtime_civil_from_days(*day, &yy, &mm, &dd);
    if (yy != y || mm != (unsigned)m || dd != (unsigned)d)
        return CG_EINVAL;
    return CG_OK;
}

/* "HH:MM" (00:00 to 24:00) to seconds after midnight. */
static int
parse_clock(const char *s, int *secs)
{
    int h, m;

    if (s[2] != ':' || parse_num(s, 2, &h) != CG_OK ||
        parse_num(s + 3, 2, &m) != CG_OK)
        return CG_EINVAL;
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return CG_EINVAL;
    *secs = h * 3600 + m * 60;
    return CG_OK;
}

/* "+08:00" or "-05:30" to minutes east of UTC (-12:00 to +14:00). */
static int
parse_zone(const struct token *t, int *minutes)
{
    int secs, v;

    if (t->n != 6 || (t->s[0] != '+' && t->s[0] != '-'))
        return CG_EINVAL;
    if (parse_clock(t->s + 1, &secs) != CG_OK)
        return CG_EINVAL;
    v = secs / 60;
    if (t->s[0] == '-')
        v = -v;
    if (v < -12 * 60 || v > 14 * 60)
        return CG_EINVAL;
    *minutes = v;
    return CG_OK;
}

/* "hours 09:00-12:00 13:00-18:00": ascending periods that do not
 * overlap, replacing the ones the calendar had. */
static int
parse_hours(struct calendar *c, const struct token *t, size_t ntok, char *msg,
            size_t msglen)
{
    struct period p[CAL_MAX_PERIODS];
    size_t i, np = ntok - 1;

    if (np == 0 || np > CAL_MAX_PERIODS) {
        str_fmt(msg, msglen, "hours takes 1 to %d periods like 09:00-12:00",
                CAL_MAX_PERIODS);
        return CG_EINVAL;
    }
    for (i = 0; i < np; i++) {
        const struct token *k = &t[i + 1];

        if (k->n != 11 || k->s[5] != '-' ||
            parse_clock(k->s, &p[i].start) != CG_OK ||
            parse_clock(k->s + 6, &p[i].end) != CG_OK) {
            str_fmt(msg, msglen, "bad period '%.*s'; write it like 09:00-12:00",
                    (int)(k->n > 32 ? 32 : k->n), k->s);
            return CG_EINVAL;
        }
        if (p[i].end <= p[i].start) {
            str_fmt(msg, msglen, "period '%.*s' ends before it starts",
                    (int)k->n, k->s);
            return CG_EINVAL;
        }
        if (i > 0 && p[i].start < p[i - 1].end) {
            str_fmt(msg, msglen,
                    "period '%.*s' overlaps or precedes the one before it",
                    (int)k->n, k->s);
            return CG_EINVAL;
        }
    }
    memcpy(c->periods, p, np * sizeof(p[0]));
    c->nperiods = (int)np;
    return CG_OK;
}

/* "holiday FIRST [LAST]" or "workday FIRST [LAST]": an inclusive range of
 * at most CAL_MAX_RANGE days.  A day may not be both. */
static int
parse_days(struct calendar *c, const struct token *t, size_t ntok, bool holiday,
           char *msg, size_t msglen)
{
    const char *what = holiday ? "holiday" : "workday";
    struct day_set *set = holiday ? &c->holidays : &c->workdays;
    const struct day_set *other = holiday ? &c->workdays : &c->holidays;
    int64_t first, last, day;
    size_t i;

    if (ntok != 2 && ntok != 3) {
        str_fmt(msg, msglen, "%s takes a date or two dates like 2026-10-01",
                what);
        return CG_EINVAL;
    }
    for (i = 1; i < ntok; i++) {
        if (parse_date(&t[i], i == 1 ? &first : &last) != CG_OK) {
            str_fmt(msg, msglen, "bad date '%.*s'; write it like 2026-10-01",
                    (int)(t[i].n > 32 ? 32 : t[i].n), t[i].s);
            return CG_EINVAL;
        }
    }
    if (ntok == 2)
        last = first;
    if (last < first) {
        str_fmt(msg, msglen, "%s range ends before it starts", what);
        return CG_EINVAL;
    }
    if (last - first >= CAL_MAX_RANGE) {
        str_fmt(msg, msglen, "%s range is longer than %d days", what,
                CAL_MAX_RANGE);
        return CG_EINVAL;
    }
    for (day = first; day <= last; day++) {
        if (set_has(other, day)) {
            int y;
            unsigned m, d;

            cgtime_civil_from_days(day, &y, &m, &d);
            str_fmt(msg, msglen,
                    "%04d-%02u-%02u is both a holiday and a workday", y, m, d);
            return CG_EINVAL;
        }
        if (set_add(set, day) != CG_OK) {
            str_fmt(msg, msglen, "more than %d %ss", CAL_MAX_DAYS, what);
            return CG_EINVAL;
        }
    }
    return CG_OK;
}
