/* cgtime.c - instants as UTC seconds and their ISO 8601 text. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/cgtime.h"
#include "base/err.h"

static int parse_digits(const char **p, int n, int *out);

int cgtime_display_offset = 480;

void
cgtime_display(int64_t t, char out[CGTIME_LEN])
{
    if (t == 0) {
        out[0] = '\0';
        return;
    }
    cgtime_format(t, cgtime_display_offset, out);
}

int64_t
cgtime_now(void)
{
    return (int64_t)time(NULL);
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
int64_t
cgtime_days_from_civil(int y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
cgtime_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int
parse_digits(const char **p, int n, int *out)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return CG_EINVAL;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return CG_OK;
}

static int
days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : dm[m - 1];
}

int
cgtime_parse(const char *s, int default_offset_min, int64_t *out)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, se = 0, oh, om, off = default_offset_min;

    if (!s)
        return CG_EINVAL;
    if (parse_digits(&p, 4, &y) || *p++ != '-' || parse_digits(&p, 2, &mo) ||
        *p++ != '-' || parse_digits(&p, 2, &d))
        return CG_EINVAL;
    if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        d > days_in_month(y, mo))
        return CG_EINVAL;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (parse_digits(&p, 2, &h) || *p++ != ':' || parse_digits(&p, 2, &mi))
            return CG_EINVAL;
        if (*p == ':') {
            p++;
            if (parse_digits(&p, 2, &se))
                return CG_EINVAL;
            if (*p == '.') /* fractions of a second are dropped */
                for (p++; *p >= '0' && *p <= '9'; p++)
                    ;
        }
        if (h > 23 || mi > 59 || se > 60)
            return CG_EINVAL;
        if (*p == 'Z') {
            off = 0;
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            if (parse_digits(&p, 2, &oh))
                return CG_EINVAL;
            if (*p == ':')
                p++;
            if (parse_digits(&p, 2, &om) || oh > 14 || om > 59)
                return CG_EINVAL;
            off = sign * (oh * 60 + om);
        }
    }
    if (*p)
        return CG_EINVAL;
    *out = cgtime_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
           h * 3600 + mi * 60 + se - (int64_t)off * 60;
    return CG_OK;
}

void
cgtime_format(int64_t t, int offset_min, char out[CGTIME_LEN])
{
    int64_t local = t + (int64_t)offset_min * 60, days, secs;
    int y, a = offset_min < 0 ? -offset_min : offset_min;
    unsigned m, d;

    days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    secs = local - days * 86400;
    cgtime_civil_from_days(days, &y, &m, &d);
    snprintf(out, CGTIME_LEN, "%04d-%02u-%02uT%02u:%02u:%02u%c%02u:%02u",
             y % 10000, m % 13, d % 32, (unsigned)(secs / 3600) % 24,
             (unsigned)(secs / 60 % 60), (unsigned)(secs % 60),
             offset_min < 0 ? '-' : '+', (unsigned)(a / 60) % 24,
             (unsigned)(a % 60));
}
