/*
 * perm.c - the one permission check.
 *
 * Every role except the resident works inside an area scope: a grid
 * worker's grid, a street office's street, a district center's district.
 * An area is inside the scope when the scope's path is a prefix of its
 * path.  Handling units see and act on what is assigned to them, wherever
 * it is.
 * Residents act only on what they reported themselves.
 */
#include <string.h>

#include "auth/auth.h"
#include "base/str.h"

static size_t digit_at(const char *s);
static size_t digit_run(const char *s, size_t *ndigits);

bool
perm_in_scope(const struct principal *p, const char *area_path)
{
    if (!p->area_path || !*p->area_path || !area_path)
        return false;
    return str_has_prefix(area_path, p->area_path);
}

enum case_view
perm_case_view(const struct principal *p, const struct case_scope *c)
{
    if (!p)
        return VIEW_PUBLIC;
    if (p->user_id && p->user_id == c->reporter_id)
        return VIEW_FULL;
    switch (p->role) {
    case ROLE_RESIDENT:
        return VIEW_PUBLIC;
    case ROLE_UNIT:
        /* A handling unit sees what is assigned to it, wherever it is,
         * and nothing else: a city-wide department is not a city-wide
         * reader. */
        return p->unit_id && p->unit_id == c->unit_id ? VIEW_MASKED : VIEW_NONE;
    case ROLE_GRID_WORKER:
    case ROLE_DISPATCHER:
    case ROLE_SUPERVISOR:
    case ROLE_ADMIN:
        return perm_in_scope(p, c->area_path) ? VIEW_FULL : VIEW_NONE;
    default:
        return VIEW_NONE;
    }
}

bool
perm_case_action(const struct principal *p, const struct case_scope *c,
                 enum case_action a, const char **why)
{
    switch (p->role) {
    case ROLE_RESIDENT:
        /* The lifecycle table's reporter guard decides. */
        return true;
    case ROLE_UNIT:
        if (p->unit_id && p->unit_id == c->unit_id)
            return true;
        *why = "this case is not assigned to your unit";
        return false;
    default:
        if (a == ACT_SUBMIT || a == ACT_SELF_HANDLE ||
            perm_in_scope(p, c->area_path))
            return true;
        if ((a == ACT_RATE || a == ACT_REOPEN || a == ACT_WITHDRAW) &&
            p->user_id == c->reporter_id)
            return true;
        *why = "this case is in an area outside your scope";
        return false;
    }
}

bool
perm_allow(const struct principal *p, enum perm_op op, const char *area_path,
           const char **why)
{
    switch (op) {
    case PERM_STATS:
        /* Figures are aggregates without personal data: residents see
         * the public ones for any area; staff their own scope. */
        if (p->role == ROLE_RESIDENT)
            return true;
        break;
    case PERM_USERS:
    case PERM_AREAS_EDIT:
        if (p->role != ROLE_ADMIN) {
            *why = "only an administrator may do this";
            return false;
        }
        break;
    case PERM_QUEUE:
        if (p->role == ROLE_RESIDENT) {
            *why = "work queues are for staff";
            return false;
        }
        if (p->role == ROLE_UNIT)
            return true; /* a unit's queue is what was sent to it */
        break;
    }
    if (perm_in_scope(p, area_path))
        return true;
    *why = "that area is outside your scope";
    return false;
}

void
perm_mask_phone(const char *phone, char *out, size_t outlen)
{
    size_t n = strlen(phone), i;

    if (outlen == 0)
        return;
    /* Only a plain number keeps its ends; anything else (a name typed in
     * the phone field) is hidden whole rather than cut mid-character. */
    for (i = 0; i < n; i++)
        if ((unsigned char)phone[i] >= 0x80)
            break;
    if (n < 7 || n + 1 > outlen || i < n) {
        str_copy(out, outlen, n ? "****" : "");
        return;
    }
    for (i = 0; i < n; i++)
        out[i] = (i < 3 || i >= n - 4) ? phone[i] : '*';
    out[n] = '\0';
}

void
perm_mask_name(const char *name, char *out, size_t outlen)
{
    size_t first = 1;
    unsigned char c = (unsigned char)name[0];

    if (!c) {
        str_copy(out, outlen, "");
        return;
    }
    /* Keep the first character whole, whatever its UTF-8 length. */
    if (c >= 0xf0)
        first = 4;
    else if (c >= 0xe0)
        first = 3;
    else if (c >= 0xc0)
        first = 2;
    if (first + 3 > outlen || strlen(name) < first) {
        str_copy(out, outlen, "**");
        return;
    }
    memcpy(out, name, first);
    memcpy(out + first, "**", 3);
}

/* The width in bytes of the digit at s: 1 for 0-9, 3 for the full-width
 * ０-９ that Chinese input methods type (EF BC 90-99); 0 for anything
 * else. */
static size_t
digit_at(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    if (u[0] >= '0' && u[0] <= '9')
        return 1;
    if (u[0] == 0xEF && u[1] == 0xBC && u[2] >= 0x90 && u[2] <= 0x99)
        return 3;
    return 0;
}

/*
 * The number starting at s: its length in bytes, and in *ndigits how many
 * digits it has.  Groups of digits separated by one space or hyphen are
 * one number when together they have at least 11 digits, as phones (139
 * 1234 5678), landlines with their area code (0471-6512345) and ID and card
 * numbers are written; dates (2019-04-25) and house numbers have fewer and
 * stay apart.  An ID number's final X belongs to it.
 */
static size_t
digit_run(const char *s, size_t *ndigits)
{
    size_t i = 0, n = 0, w, joined_i, joined_n;

    while ((w = digit_at(s + i)))
        i += w, n++;
    joined_i = i;
    joined_n = n;
    while ((s[joined_i] == ' ' || s[joined_i] == '-') &&
           digit_at(s + joined_i + 1)) {
        joined_i++;
        while ((w = digit_at(s + joined_i)))
            joined_i += w, joined_n++;
    }
    if (joined_n >= 11 && joined_i > i) {
        i = joined_i;
        n = joined_n;
    }
    if ((n == 17 || n == 14) && (s[i] == 'X' || s[i] == 'x'))
        i++, n++;
    *ndigits = n;
    return i;
}

size_t
perm_mask_text(char *text)
{
    size_t i = 0, len, n, k, w, seen, hidden = 0;

    while (text[i]) {
        if (!digit_at(text + i)) {
            i++;
            continue;
        }
        len = digit_run(text + i, &n);
        if (n >= 7) {
            size_t keep_head = n >= 11 ? 3 : 0, keep_tail = n >= 11 ? 4 : 2;

            for (k = 0, seen = 0; k < len; k += w ? w : 1) {
                char *c = &text[i + k];

                w = digit_at(c);
                if (!w && *c != 'X' && *c != 'x')
                    continue; /* a separator */
                if (seen >= keep_head && seen < n - keep_tail) {
                    if (w == 3)
                        memcpy(c, "\xEF\xBC\x8A", 3); /* ＊ */
                    else
                        *c = '*';
                }
                seen++;
            }
            hidden++;
        }
        i += len;
    }
    return hidden;
}
