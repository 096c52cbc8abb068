/*
 * gazetteer.h - placing an address written in words on the area tree.
 */
#ifndef CG_STORE_GAZETTEER_H
#define CG_STORE_GAZETTEER_H

#include <stddef.h>

#include "store/db.h"

/*
 * The code of the area the text names (see core/gazetteer.h) into out.
 * CG_OK; CG_ENOTFOUND when no area's name occurs in it; CG_ECONFLICT when
 * the names in it agree on nothing finer than the city; CG_EDB.
 */
int store_area_by_text(struct db *db, const char *text, char *out,
                       size_t outlen);

#endif
