/*
 * dedupe.c - distance, text similarity and the verdict on whether a new
 * report is a case already open.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "core/dedupe.h"

#define EARTH_RADIUS_M 6371008.8
#define DEG_TO_RAD     (3.14159265358979323846 / 180.0)

static size_t utf8_next(const unsigned char *s, uint32_t *cp);
static uint32_t fold(uint32_t cp);
static size_t code_points(const char *s, uint32_t *out, size_t max);
static size_t grams(const uint32_t *cps, size_t n, uint64_t *out);
static int cmp_u64(const void *a, const void *b);
static size_t unique(uint64_t *v, size_t n);

double
dedupe_distance_m(double lon1, double lat1, double lon2, double lat2)
{
    double p1 = lat1 * DEG_TO_RAD, p2 = lat2 * DEG_TO_RAD;
    double dp = (lat2 - lat1) * DEG_TO_RAD, dl = (lon2 - lon1) * DEG_TO_RAD;
    double h = sin(dp / 2) * sin(dp / 2) +
               cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

    if (h > 1)
        h = 1;
    return 2 * EARTH_RADIUS_M * asin(sqrt(h));
}

/* Decodes one UTF-8 character; returns the bytes it took (0 at the end).
 * An invalid byte decodes as 0 and takes one byte, so that it is skipped
 * rather than read as part of a neighbour. */
static size_t
utf8_next(const unsigned char *s, uint32_t *cp)
{
    size_t n, i;

    if (s[0] == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0)
        n = 2, *cp = s[0] & 0x1F;
    else if ((s[0] & 0xF0) == 0xE0)
        n = 3, *cp = s[0] & 0x0F;
    else if ((s[0] & 0xF8) == 0xF0)
        n = 4, *cp = s[0] & 0x07;
    else {
        *cp = 0;
        return 1;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0;
            return 1;
        }
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    return n;
}

/* The character as compared: letters in lower case, full-width letters
 * and digits as their ASCII twins; 0 for what does not carry meaning
 * (spaces, punctuation, symbols). */
static uint32_t
fold(uint32_t cp)
{
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        cp -= 0xFEE0; /* full-width forms */
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z')
            return cp + ('a' - 'A');
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
            return cp;
        return 0;
    }
    /* General punctuation, CJK symbols and punctuation, and the
     * space-like characters around them. */
    if ((cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || cp == 0x00A0 || cp == 0xFEFF)
        return 0;
    return cp;
}

/* The meaningful characters of s, at most max. */
static size_t
code_points(const char *s, uint32_t *out, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0, len;
    uint32_t cp;

    if (s == NULL)
        return 0;
    while (n < max && (len = utf8_next(p, &cp)) > 0) {
        p += len;
        cp = fold(cp);
        if (cp != 0)
            out[n++] = cp;
    }
    return n;
}

/* The bigrams of a character sequence as sortable keys; a single
 * character is its own gram, so that "灯" still matches "灯". */
static size_t
grams(const uint32_t *cps, size_t n, uint64_t *out)
{
    size_t i;

    if (n == 1) {
        out[0] = cps[0];
        return 1;
    }
    for (i = 0; i + 1 < n; i++)
        out[i] = ((uint64_t)cps[i] << 32) | cps[i + 1];
    return n ? n - 1 : 0;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static size_t
unique(uint64_t *v, size_t n)
{
    size_t i, k = 0;

    qsort(v, n, sizeof(v[0]), cmp_u64);
    for (i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

double
dedupe_text_similarity(const char *a, const char *b)
{
    uint32_t ca[DEDUPE_TEXT_MAX], cb[DEDUPE_TEXT_MAX];
    uint64_t ga[DEDUPE_TEXT_MAX], gb[DEDUPE_TEXT_MAX];
    size_t na, nb, i = 0, j = 0, common = 0;

    na = unique(ga, grams(ca, code_points(a, ca, DEDUPE_TEXT_MAX), ga));
    nb = unique(gb, grams(cb, code_points(b, cb, DEDUPE_TEXT_MAX), gb));
    if (na == 0 || nb == 0)
        return 0;
    while (i < na && j < nb) {
        if (ga[i] == gb[j]) {
            common++;
            i++;
            j++;
        } else if (ga[i] < gb[j]) {
            i++;
        } else {
            j++;
        }
    }
    return 2.0 * (double)common / (double)(na + nb);
}

void
dedupe_judge(const struct dedupe_input *in, struct dedupe_verdict *out)
{
    double radius = in->radius_m > 0 ? in->radius_m : DEDUPE_RADIUS_M;
    double min_sim =
        in->min_similarity > 0 ? in->min_similarity : DEDUPE_TEXT_MIN;
    double closeness = 1 - in->distance_m / radius;
    long metres = lround(in->distance_m), pct = lround(in->similarity * 100);
    bool near = in->distance_m <= radius * DEDUPE_NEAR_SHARE;

    memset(out, 0, sizeof(*out));
    if (!in->same_category) {
        str_copy(out->reason, sizeof(out->reason), "类别不同");
        return;
    }
    if (in->distance_m > radius) {
        str_fmt(out->reason, sizeof(out->reason),
                "相距约 %ld 米，超出 %ld 米范围", metres, lround(radius));
        return;
    }
    if (in->max_age_s > 0 && (in->age_s < 0 || in->age_s > in->max_age_s)) {
        str_fmt(out->reason, sizeof(out->reason), "时间相隔超过 %lld 天",
                (long long)(in->max_age_s / 86400));
        return;
    }
    if (in->has_text && in->similarity < min_sim && !near) {
        str_fmt(out->reason, sizeof(out->reason),
                "相距约 %ld 米，但描述相似度仅 %ld%%", metres, pct);
        return;
    }
    out->suggest = true;
    if (closeness < 0)
        closeness = 0;
    if (!in->has_text) {
        out->score = closeness;
        str_fmt(out->reason, sizeof(out->reason), "同类问题，相距约 %ld 米",
                metres);
        return;
    }
    out->score = 0.6 * in->similarity + 0.4 * closeness;
    if (in->similarity < min_sim)
        str_fmt(out->reason, sizeof(out->reason),
                "同类问题，相距仅约 %ld 米（描述相似度 %ld%%）", metres, pct);
    else
        str_fmt(out->reason, sizeof(out->reason),
                "同类问题，相距约 %ld 米，描述相似度 %ld%%", metres, pct);
}
