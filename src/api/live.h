/*
 * live.h - changes as they happen, to the people who may see them.
 *
 * Every signed-in page may hold one event stream (GET /api/v1/stream).
 * When a case changes, each stream whose user may see that case gets one
 * event naming the case, its state and version; the page then reads what
 * it shows through the ordinary API, so the stream carries no personal
 * data and no view of its own.  Staff get the cases in their scope and
 * those assigned to their unit (their queues and their area's dashboard),
 * residents their own cases and those they support.
 */
#ifndef CG_LIVE_H
#define CG_LIVE_H

#include <stdint.h>

#include "http/http.h"
#include "store/db.h"
#include "store/store.h"

struct live;

struct live *live_new(void);
void live_free(struct live *l);

/* GET /api/v1/stream: joins the caller's stream to the hub. */
int api_stream(struct http_req *r);

/* Tells every stream that may see it that case id changed; db is the
 * caller's connection, after the change is committed. */
void live_case_changed(struct live *l, struct db *db, int64_t id);

/* Ends the streams of user id (they signed out). */
void live_user_signed_out(struct live *l, int64_t user_id);

/* Streams joined to this hub now. */
size_t live_count(struct live *l);

/*
 * With several server processes on one PostgreSQL database, a change made
 * through one must reach the streams of all: live_case_changed then
 * announces it through the database (NOTIFY), and each process listens
 * (LISTEN) on a thread of its own and tells its own streams.  For a SQLite
 * path there is one process and nothing to start.
 */
int live_listen_start(struct live *l, struct store *store, const char *url);
void live_listen_stop(struct live *l);

#endif
