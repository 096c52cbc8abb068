/*
 * route.c - which routing rule decides where a new case goes: the most
 * specific of the rules that apply, part by part (see route.h).
 */
#include <string.h>

#include "core/route.h"

static const char *text(const char *s);
static size_t path_depth(const char *path);
static bool outranks(const struct route_rule *a,
                     const struct route_specificity *sa,
                     const struct route_rule *b,
                     const struct route_specificity *sb);

static const char *
text(const char *s)
{
    return s ? s : "";
}

/* The levels below the root a path names: "/150100/150103/" is 2. */
static size_t
path_depth(const char *path)
{
    size_t depth = 0;
    const char *s;

    for (s = path; *s; s++)
        if (*s != '/' && (s == path || s[-1] == '/'))
            depth++;
    return depth;
}

/* Whether rule a beats rule b, both applicable, with their specificities:
 * the category, then the area, then the grade; the lower id when all three
 * are equal, which the unique key of the table rules out. */
static bool
outranks(const struct route_rule *a, const struct route_specificity *sa,
         const struct route_rule *b, const struct route_specificity *sb)
{
    if (sa->category != sb->category)
        return sa->category > sb->category;
    if (sa->depth != sb->depth)
        return sa->depth > sb->depth;
    if (sa->graded != sb->graded)
        return sa->graded;
    return a->id < b->id;
}

bool
route_applies(const struct route_rule *r, const struct route_query *q)
{
    const char *cat = text(r->category), *path = text(r->area_path);

    if (cat[0] && strcmp(cat, text(q->small)) != 0 &&
        strcmp(cat, text(q->big)) != 0)
        return false;
    /* Paths end with '/', so a prefix is always a whole ancestor. */
    if (path[0] && strncmp(text(q->area_path), path, strlen(path)) != 0)
        return false;
    return !r->grade || r->grade == q->grade;
}

bool
route_specificity(const struct route_rule *r, const struct route_query *q,
                  struct route_specificity *out)
{
    const char *cat = text(r->category);

    if (!route_applies(r, q))
        return false;
    if (!cat[0])
        out->category = ROUTE_CATEGORY_ANY;
    else if (strcmp(cat, text(q->small)) == 0)
        out->category = ROUTE_CATEGORY_SMALL;
    else
        out->category = ROUTE_CATEGORY_BIG;
    out->depth = path_depth(text(r->area_path));
    out->graded = r->grade != 0;
    return true;
}

long
route_pick(const struct route_rule *rules, size_t n,
           const struct route_query *q, struct route_specificity *why)
{
    struct route_specificity best = {0}, s;
    long won = -1;
    size_t i;

    for (i = 0; i < n; i++) {
        if (!route_specificity(&rules[i], q, &s))
            continue;
        if (won < 0 || outranks(&rules[i], &s, &rules[won], &best)) {
            won = (long)i;
            best = s;
        }
    }
    if (won >= 0 && why)
        *why = best;
    return won;
}

size_t
route_rank(const struct route_rule *rules, size_t n,
           const struct route_query *q, size_t *order, size_t max)
{
    struct route_specificity s, t;
    size_t i, k = 0, at, applied = 0;

    for (i = 0; i < n; i++) {
        if (!route_specificity(&rules[i], q, &s))
            continue;
        applied++;
        /* Insert into the order kept so far; at most a few dozen rules
         * apply to one case, so a linear insertion is enough. */
        for (at = k; at > 0; at--) {
            route_specificity(&rules[order[at - 1]], q, &t);
            if (!outranks(&rules[i], &s, &rules[order[at - 1]], &t))
                break;
        }
        if (at >= max)
            continue;
        if (k == max)
            k--;
        memmove(&order[at + 1], &order[at], (k - at) * sizeof(*order));
        order[at] = i;
        k++;
    }
    return applied;
}
