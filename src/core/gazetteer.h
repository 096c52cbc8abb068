/*
 * gazetteer.h - which area an address written in words names.
 *
 * A Chinese address names its areas from the largest down: "回民区
 * 海拉尔西路街道锦绣苑社区".  Given every area whose name occurs in the
 * text, the area meant is the one that agrees with the most of the others
 * (its ancestors named too), the deepest on a tie.  Names that recur under
 * many parents ("第3网格") settle nothing alone: when the best candidates
 * disagree, the answer is their deepest common ancestor, and when that is
 * only the city the address is refused as ambiguous.
 */
#ifndef CG_GAZETTEER_H
#define CG_GAZETTEER_H

#include <stddef.h>

/* An area whose name occurs in the text. */
struct gaz_candidate {
    const char *code;
    const char *path; /* materialised path "/150100/150103/..." */
    int level;        /* 0 city ... deeper is larger */
};

/*
 * Picks the area meant among n candidates and copies its code into out.
 * CG_OK; CG_ENOTFOUND when nothing was named; CG_ECONFLICT when the names
 * agree on nothing finer than the top of the tree.
 */
int gazetteer_pick(const struct gaz_candidate *c, size_t n, char *out,
                   size_t outlen);

#endif
