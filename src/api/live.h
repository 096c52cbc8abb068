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

struct live;

struct live *live_new(void);
void live_free(struct live *l);

/* GET /api/v1/stream: joins the caller's stream to the hub. */
int api_stream(struct http_req *r);

/* Tells every stream that may see it that case id changed; db is the
 * caller's connection, after the change is committed. */
void live_case_changed(struct live *l, struct db *db, int64_t id);

/* Streams joined to this hub now. */
size_t live_count(struct live *l);

#endif
