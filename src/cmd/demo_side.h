/*
 * demo_side.h - a text index of a bulk load of cases, filled on a thread
 * and in a file of its own while the load writes the rows, and copied in
 * at its end.
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

/* Before the load's transaction: attaches the side file number k, named
 * after dbfile, to db as "side<k>", to build the text index fts. */
int side_attach(struct db *db, const char *dbfile, const char *fts, int k,
                struct side **out);
/* In the load's transaction, once the triggers are set aside: starts the
 * builder. */
int side_start(struct side *s);
/* Waits until the side holds the cases the city had before the load; an
 * error (or from side_start) means the load must build the index in
 * place, and side_close() is all that is left to call. */
int side_ready(struct side *s);
/* Hands over rows[0..n) just written. */
int side_add(struct side *s, const struct side_row *rows, size_t n);
/* No more rows: the side finishes while the load goes on. */
void side_last(struct side *s);
/* Waits for the side to be built (saying there are no more rows if
 * side_last() has not); its result. */
int side_finish(struct side *s);
/* In the load's transaction: replaces the city's text index with the
 * side's. */
int side_copy(struct side *s);
/* After the transaction: detaches the side file and removes it. */
void side_close(struct side *s);

#endif
