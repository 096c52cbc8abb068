/*
 * demo_side.h - the text indexes of a bulk load of cases, built on a
 * second core in a file of their own while the load writes the rows, and
 * copied in at its end.
 */
#ifndef CG_DEMO_SIDE_H
#define CG_DEMO_SIDE_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct side;

/* What the text indexes read of a case.  The strings must live until
 * side_finish(). */
struct side_row {
    int64_t id;
    const char *title, *description;
};

/* Before the load's transaction: attaches the side file, named after
 * dbfile, to db as "side". */
int side_attach(struct db *db, const char *dbfile, struct side **out);
/* In the load's transaction, once the triggers are set aside: starts the
 * builder of the text indexes over the cases fts[0..nfts), names that
 * must live until side_close().  Returns once
 * the side holds the cases the city had before the load; an error then
 * means the load must build them in place, and side_close() is all that
 * is left to call. */
int side_start(struct side *s, char *const *fts, size_t nfts);
/* Hands over rows[0..n) just written. */
int side_add(struct side *s, const struct side_row *rows, size_t n);
/* No more rows: the side finishes while the load goes on. */
void side_last(struct side *s);
/* Waits for the side to be built (saying there are no more rows if
 * side_last() has not); its result. */
int side_finish(struct side *s);
/* In the load's transaction: replaces the city's text indexes with the
 * side's. */
int side_copy(struct side *s);
/* After the transaction: detaches the side file and removes it. */
void side_close(struct side *s);

#endif
