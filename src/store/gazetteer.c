/*
 * gazetteer.c - finding the areas an address names, by their names.
 *
 * One query asks which area names occur in the text; the choice among them
 * is core/gazetteer.c's.  Names of one character are too common to mean a
 * place and are left out.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "core/gazetteer.h"
#include "store/gazetteer.h"
#include "store/store.h"

/* More candidates than this and the text is not an address. */
#define GAZ_MAX 256

int
store_area_by_text(struct db *db, const char *text, char *out, size_t outlen)
{
    struct db_stmt *st = NULL;
    struct gaz_candidate c[GAZ_MAX];
    char *owned[2 * GAZ_MAX];
    size_t n = 0, i, k = 0;
    int rc;

    memset(owned, 0, sizeof(owned));
    /* '?' LIKE '%' || name || '%' is a substring test both SQL dialects
     * share; area names hold no LIKE wildcards. */
    rc = db_prepare(db,
                    "SELECT code, path, level FROM areas"
                    " WHERE length(name) >= 2"
                    " AND ? LIKE '%' || name || '%'"
                    " ORDER BY level DESC, code LIMIT 257",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, text);
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == GAZ_MAX) {
            rc = CG_ECONFLICT;
            goto out;
        }
        owned[k] = strdup(db_col_text(st, 0));
        owned[k + 1] = strdup(db_col_text(st, 1));
        if (!owned[k] || !owned[k + 1]) {
            rc = CG_ENOMEM;
            goto out;
        }
        c[n].code = owned[k];
        c[n].path = owned[k + 1];
        c[n].level = (int)db_col_int(st, 2);
        k += 2;
        n++;
    }
    if (rc != DB_DONE)
        goto out;
    rc = gazetteer_pick(c, n, out, outlen);
out:
    db_finalize(st);
    for (i = 0; i < k + 2 && i < 2 * GAZ_MAX; i++)
        free(owned[i]);
    return rc;
}
