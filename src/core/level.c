/*
 * level.c - the urgency of a case from its category and its text.
 *
 * Chinese needs no word segmenter for this: the keywords are matched as
 * substrings of the UTF-8 text, which cannot match in the middle of a
 * character.  A negation is looked for only a few characters back and
 * never across a clause mark, which is simple and wrong now and then
 * ("没有人管燃气泄漏" reads as negated); the cost of that error is a
 * category's own deadline, not a missed emergency in a plain report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "core/level.h"

/* How far back from a keyword a negation still counts, in characters. */
#define NEG_WINDOW 6

struct keyword {
    const char *word;
    enum case_level level;
    /* When set, one of these must appear somewhere in the text too. */
    const char *const *context;
};

static const char *utf8_prev(const char *start, const char *p);
static bool starts_with_any(const char *p, const char *const *words,
                            const char **which);
static bool has_any(const char *title, const char *description,
                    const char *const *words);
static const char *negation_before(const char *text, const char *match);
static bool find_keyword(const char *text, const char *word,
                         const char **negation);
static void append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *const names[LEVEL_COUNT] = {
    "emergency",
    "utility",
    "general",
    "complex",
};

static const char *const labels[LEVEL_COUNT] = {
    "紧急",
    "水电气暖",
    "一般",
    "复杂",
};

/* An open manhole is an emergency where people walk or drive. */
static const char *const on_road[] = {
    "路", "街", "车道", "人行道", "广场", NULL,
};

/* In each level the more specific words come first: the first match is
 * the one the reason names. */
static const struct keyword keywords[] = {
    {"燃气泄漏", LEVEL_EMERGENCY, NULL},
    {"燃气泄露", LEVEL_EMERGENCY, NULL},
    {"煤气泄漏", LEVEL_EMERGENCY, NULL},
    {"煤气泄露", LEVEL_EMERGENCY, NULL},
    {"天然气泄漏", LEVEL_EMERGENCY, NULL},
    {"天然气泄露", LEVEL_EMERGENCY, NULL},
    {"燃气味", LEVEL_EMERGENCY, NULL},
    {"煤气味", LEVEL_EMERGENCY, NULL},
    {"煤气中毒", LEVEL_EMERGENCY, NULL},
    {"火灾", LEVEL_EMERGENCY, NULL},
    {"起火", LEVEL_EMERGENCY, NULL},
    {"着火", LEVEL_EMERGENCY, NULL},
    {"失火", LEVEL_EMERGENCY, NULL},
    {"冒烟", LEVEL_EMERGENCY, NULL},
    {"浓烟", LEVEL_EMERGENCY, NULL},
    {"爆炸", LEVEL_EMERGENCY, NULL},
    {"漏电", LEVEL_EMERGENCY, NULL},
    {"电线裸露", LEVEL_EMERGENCY, NULL},
    {"裸露电线", LEVEL_EMERGENCY, NULL},
    {"触电", LEVEL_EMERGENCY, NULL},
    {"电线脱落", LEVEL_EMERGENCY, NULL},
    {"电线掉落", LEVEL_EMERGENCY, NULL},
    {"电线打火", LEVEL_EMERGENCY, NULL},
    {"倒塌", LEVEL_EMERGENCY, NULL},
    {"坍塌", LEVEL_EMERGENCY, NULL},
    {"塌陷", LEVEL_EMERGENCY, NULL},
    {"塌方", LEVEL_EMERGENCY, NULL},
    {"房子塌", LEVEL_EMERGENCY, NULL},
    {"墙塌", LEVEL_EMERGENCY, NULL},
    {"墙倒了", LEVEL_EMERGENCY, NULL},
    {"电梯困人", LEVEL_EMERGENCY, NULL},
    {"困在电梯", LEVEL_EMERGENCY, NULL},
    {"井盖缺失", LEVEL_EMERGENCY, on_road},
    {"井盖丢失", LEVEL_EMERGENCY, on_road},
    {"井盖被盗", LEVEL_EMERGENCY, on_road},
    {"没有井盖", LEVEL_EMERGENCY, on_road},
    {"井盖没了", LEVEL_EMERGENCY, on_road},
    {"井盖丢了", LEVEL_EMERGENCY, on_road},
    /* The service words themselves ("供暖") are left out: negated they
     * describe the outage ("没有供暖"), so the outage is spelt out. */
    {"停水", LEVEL_UTILITY, NULL},
    {"断水", LEVEL_UTILITY, NULL},
    {"停电", LEVEL_UTILITY, NULL},
    {"断电", LEVEL_UTILITY, NULL},
    {"没水了", LEVEL_UTILITY, NULL},
    {"没电了", LEVEL_UTILITY, NULL},
    {"水停了", LEVEL_UTILITY, NULL},
    {"停气", LEVEL_UTILITY, NULL},
    {"停暖", LEVEL_UTILITY, NULL},
    {"暖气不热", LEVEL_UTILITY, NULL},
    {"暖气不暖", LEVEL_UTILITY, NULL},
    {"供暖不热", LEVEL_UTILITY, NULL},
    {"没有暖气", LEVEL_UTILITY, NULL},
    {"没暖气", LEVEL_UTILITY, NULL},
    {"没有供暖", LEVEL_UTILITY, NULL},
    {"未供暖", LEVEL_UTILITY, NULL},
    {"不供暖", LEVEL_UTILITY, NULL},
    {"暖气漏水", LEVEL_UTILITY, NULL},
};

#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))

/* Longer forms first, so that the reason names the whole word. */
static const char *const negations[] = {
    "没有", "不是", "并非", "排除", "没", "未", "无", NULL,
};

/* Words that start like a negation but deny nothing about what follows
 * ("无人处理燃气泄漏" is a leak nobody handles). */
static const char *const not_negations[] = {
    "没人", "无人", "无法", "无奈", "未能", "未及时", NULL,
};

static const char *const clause_ends[] = {
    "，", "。", "！", "？", "；", "：", "、", ",",
    ".",  "!",  "?",  ";",  ":",  "\n", NULL,
};

static const struct level_limit default_limits[LEVEL_COUNT] = {
    {2, LEVEL_CLOCK_HOURS},
    {24, LEVEL_CLOCK_HOURS},
    {7, LEVEL_WORK_DAYS},
    {15, LEVEL_WORK_DAYS},
};

const char *
level_name(enum case_level l)
{
    return l < LEVEL_COUNT ? names[l] : "general";
}

const char *
level_label(enum case_level l)
{
    return l < LEVEL_COUNT ? labels[l] : labels[LEVEL_GENERAL];
}

int
level_parse(const char *name, enum case_level *out)
{
    int i;

    for (i = 0; name && i < LEVEL_COUNT; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (enum case_level)i;
            return CG_OK;
        }
    return CG_EINVAL;
}

/* The start of the character before p (p > start). */
static const char *
utf8_prev(const char *start, const char *p)
{
    p--;
    while (p > start && ((unsigned char)*p & 0xc0) == 0x80)
        p--;
    return p;
}

static bool
starts_with_any(const char *p, const char *const *words, const char **which)
{
    size_t i;

    for (i = 0; words[i]; i++)
        if (strncmp(p, words[i], strlen(words[i])) == 0) {
            if (which)
                *which = words[i];
            return true;
        }
    return false;
}

static bool
has_any(const char *title, const char *description, const char *const *words)
{
    size_t i;

    for (i = 0; words[i]; i++)
        if ((title && strstr(title, words[i])) ||
            (description && strstr(description, words[i])))
            return true;
    return false;
}

/* The negation that denies the keyword starting at `match`, or NULL: one
 * that ends at most NEG_WINDOW characters before it, in the same clause. */
static const char *
negation_before(const char *text, const char *match)
{
    const char *p = match, *neg;
    int n;

    for (n = 0; n < NEG_WINDOW && p > text; n++) {
        p = utf8_prev(text, p);
        if (starts_with_any(p, clause_ends, NULL))
            return NULL;
        if (starts_with_any(p, negations, &neg) && p + strlen(neg) <= match &&
            !starts_with_any(p, not_negations, NULL))
            return neg;
    }
    return NULL;
}

/* Whether `word` occurs in text without a negation before it.  When every
 * occurrence is negated, *negation names the first negation found. */
static bool
find_keyword(const char *text, const char *word, const char **negation)
{
    const char *p = text, *neg;

    if (!text)
        return false;
    while ((p = strstr(p, word)) != NULL) {
        neg = negation_before(text, p);
        if (!neg)
            return true;
        if (!*negation)
            *negation = neg;
        p += strlen(word);
    }
    return false;
}

static void
append(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;

    if (used + 1 >= len)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

void
level_decide(enum case_level category_level, const char *category_name,
             const char *title, const char *description,
             struct level_decision *out)
{
    const struct keyword *hit = NULL, *denied = NULL;
    const char *denied_by = NULL, *kname;
    size_t i;

    if (category_level >= LEVEL_COUNT)
        category_level = LEVEL_GENERAL;
    kname = category_name && *category_name ? category_name : "未分类";
    for (i = 0; i < NKEYWORDS; i++) {
        const struct keyword *k = &keywords[i];
        const char *neg = NULL;

        if (hit && hit->level <= k->level)
            break; /* the table is in order of urgency */
        if (k->context && !has_any(title, description, k->context))
            continue;
        if (find_keyword(title, k->word, &neg) ||
            find_keyword(description, k->word, &neg)) {
            hit = k;
            continue;
        }
        if (neg && !denied) {
            denied = k;
            denied_by = neg;
        }
    }

    memset(out, 0, sizeof(*out));
    if (hit && hit->level < category_level) {
        out->level = hit->level;
        out->from_text = true;
        str_copy(out->keyword, sizeof(out->keyword), hit->word);
        append(out->reason, sizeof(out->reason),
               "文本含“%s”：%s（类别“%s”本身为%s）", hit->word,
               labels[hit->level], kname, labels[category_level]);
    } else {
        out->level = category_level;
        append(out->reason, sizeof(out->reason), "类别“%s”：%s", kname,
               labels[category_level]);
        if (hit)
            append(out->reason, sizeof(out->reason),
                   "；文本含“%s”（%s），不比类别紧急", hit->word,
                   labels[hit->level]);
    }
    /* A denied word is only worth a note when it would have mattered. */
    if (denied && denied->level < out->level)
        append(out->reason, sizeof(out->reason), "；“%s”前有否定词“%s”，不计",
               denied->word, denied_by);
    str_utf8_clean(out->reason);
}

bool
level_word_denied(const char *title, const char *description, const char *word)
{
    const char *neg = NULL;

    if (!word || !*word)
        return false;
    if (find_keyword(title, word, &neg) ||
        find_keyword(description, word, &neg))
        return false;
    return neg != NULL;
}

void
level_default_limit(enum case_level l, struct level_limit *out)
{
    *out = default_limits[l < LEVEL_COUNT ? l : LEVEL_GENERAL];
}

bool
level_counts_clock(enum case_level l)
{
    return l == LEVEL_EMERGENCY || l == LEVEL_UTILITY;
}

int
level_limit_parse(const char *s, struct level_limit *out)
{
    static const struct {
        const char *suffix;
        enum level_unit unit;
    } units[] = {
        {"h", LEVEL_CLOCK_HOURS},
        {"wh", LEVEL_WORK_HOURS},
        {"d", LEVEL_WORK_DAYS},
    };
    char digits[8];
    size_t n = 0, i;
    int64_t v;

    if (!s)
        return CG_EINVAL;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    if (n == 0 || n >= sizeof(digits))
        return CG_EINVAL;
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (str_to_i64(digits, 1, 9999, &v) != CG_OK)
        return CG_EINVAL;
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(s + n, units[i].suffix) == 0) {
            out->amount = (int)v;
            out->unit = units[i].unit;
            return CG_OK;
        }
    return CG_EINVAL;
}

void
level_limit_format(const struct level_limit *l, char *out, size_t outlen)
{
    switch (l->unit) {
    case LEVEL_CLOCK_HOURS:
        str_fmt(out, outlen, "%d 小时（自然时，不分昼夜）", l->amount);
        break;
    case LEVEL_WORK_HOURS:
        str_fmt(out, outlen, "%d 个工作小时", l->amount);
        break;
    default:
        str_fmt(out, outlen, "%d 个工作日", l->amount);
        break;
    }
}
