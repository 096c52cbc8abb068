/*
 * gazetteer.c - choosing the area an address names; see gazetteer.h.
 */
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "core/gazetteer.h"

static size_t support(const struct gaz_candidate *c, size_t n, size_t i);
static size_t common_prefix(const char *a, const char *b);

/* How many candidates lie on candidate i's own path: itself and each of
 * its ancestors that the text also names. */
static size_t
support(const struct gaz_candidate *c, size_t n, size_t i)
{
    size_t j, k = 0, len;

    for (j = 0; j < n; j++) {
        len = strlen(c[j].path);
        if (strncmp(c[i].path, c[j].path, len) == 0)
            k++;
    }
    return k;
}

/* Length of the longest common prefix of two paths that ends at a '/'. */
static size_t
common_prefix(const char *a, const char *b)
{
    size_t i = 0, cut = 0;

    while (a[i] && a[i] == b[i]) {
        if (a[i] == '/')
            cut = i + 1;
        i++;
    }
    return cut;
}

int
gazetteer_pick(const struct gaz_candidate *c, size_t n, char *out,
               size_t outlen)
{
    size_t i, best = 0, best_support = 0, prefix = 0, s, start, ties = 0;
    const char *path;

    if (n == 0)
        return CG_ENOTFOUND;
    for (i = 0; i < n; i++) {
        s = support(c, n, i);
        if (s > best_support ||
            (s == best_support && c[i].level > c[best].level)) {
            best = i;
            best_support = s;
        }
    }
    /* Every other candidate as good as the best narrows the answer to the
     * part of the tree they share. */
    path = c[best].path;
    prefix = strlen(path);
    for (i = 0; i < n; i++) {
        if (i == best || c[i].level != c[best].level ||
            support(c, n, i) != best_support)
            continue;
        ties++;
        s = common_prefix(path, c[i].path);
        if (s < prefix)
            prefix = s;
    }
    if (ties == 0)
        return str_copy(out, outlen, c[best].code);
    /* The path is "/a/b/c/": the deepest shared area is the last segment of
     * the shared prefix, and a prefix of one segment is only the city. */
    if (prefix < 2)
        return CG_ECONFLICT;
    start = prefix - 1;
    while (start > 0 && path[start - 1] != '/')
        start--;
    if (start <= 1)
        return CG_ECONFLICT;
    if (prefix - 1 - start >= outlen)
        return CG_ETOOBIG;
    memcpy(out, path + start, prefix - 1 - start);
    out[prefix - 1 - start] = '\0';
    return CG_OK;
}
