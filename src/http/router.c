/*
 * router.c - matching a path against a route pattern.
 *
 * Patterns are literal segments and at most one {id} segment, which must be
 * a positive decimal integer that fits in 63 bits; anything else does not
 * match, so a handler never sees an id it has to validate.  A {code}
 * segment is a name of 1 to 64 letters, digits, '-' or '_' that the
 * handler reads from the path (an outside system's identifiers are not
 * always numbers, and an unknown one must reach the handler to be answered
 * in that system's own error format).  Both end at a '/' or a '.', so that
 * "/requests/{id}.json" names a format suffix.
 */
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "http/http.h"

bool
http_route_match(const char *pattern, const char *path, int64_t *id)
{
    const char *p = pattern, *s = path;

    while (*p && *s) {
        if (strncmp(p, "{id}", 4) == 0) {
            size_t n = strcspn(s, "/.");
            char num[24];
            int64_t v;

            if (n == 0 || n >= sizeof(num) || !str_is_digits(s, n))
                return false;
            memcpy(num, s, n);
            num[n] = '\0';
            if (str_to_i64(num, 1, INT64_MAX, &v) != CG_OK)
                return false;
            *id = v;
            p += 4;
            s += n;
            continue;
        }
        if (strncmp(p, "{code}", 6) == 0) {
            size_t n = strcspn(s, "/.");

            if (n == 0 || n > 64)
                return false;
            for (size_t i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyz"
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
                            s[i]))
                    return false;
            p += 6;
            s += n;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}
