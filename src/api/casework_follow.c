/*
 * casework_follow.c - events the platform writes on a case without a
 * person acting on it: merged cases following their parent when it
 * closes or reopens, and notes from outside systems (Open311 clients).
 */
#include <string.h>

#include "api/casework.h"
#include "api/casework_int.h"
#include "api/live.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

/* The merged cases that follow one parent: more would mean a merge gone
 * wrong, and their notes would still be written on the next close. */
#define MAX_CHILDREN 256

/*
 * When a case closes or reopens, each case merged into it gets an event
 * saying so, in the same transaction, through the lifecycle table: the
 * reporter of a merged case learns what became of their problem (the
 * parent's last reply goes into the note).  The merged case keeps its
 * state, so the figures still count the problem once.
 */
int
cw_follow_parent(struct app *a, const struct case_row *parent,
                 const struct case_event *pe, struct cw_error *err)
{
    struct db *db = store_db(a->store);
    int64_t ids[MAX_CHILDREN];
    char reply[600], note[800];
    struct case_event ev;
    struct case_row child;
    struct lc_facts f;
    enum case_state to;
    const char *why = "";
    size_t n = 0, i;
    enum lc_result lr;
    int rc;

    if (store_case_children(db, parent->id, ids, MAX_CHILDREN, &n) != CG_OK)
        return cw_fail(err, 500, "internal", "the merged cases were not read");
    if (n == 0)
        return CG_OK;
    if (pe->to == ST_CLOSED) {
        store_case_last_note(db, parent->id, "handle", reply, sizeof(reply));
        if (reply[0])
            str_fmt(note, sizeof(note), "随主案件结案 #%lld：%s",
                    (long long)parent->id, reply);
        else
            str_fmt(note, sizeof(note), "随主案件结案 #%lld",
                    (long long)parent->id);
    } else {
        str_fmt(note, sizeof(note), "主案件 #%lld 重新办理，本案随之跟进",
                (long long)parent->id);
    }
    str_utf8_clean(note);
    for (i = 0; i < n; i++) {
        if (store_case_get(db, ids[i], &child) != CG_OK)
            return cw_fail(err, 500, "internal", "merged case %lld vanished",
                           (long long)ids[i]);
        memset(&f, 0, sizeof(f));
        f.state = child.state;
        f.by_platform = true;
        f.has_note = true;
        lr = lifecycle_check(&lc_complaint, ACT_FOLLOW_PARENT, &f, &to, &why);
        if (lr != LC_OK)
            return cw_lc_fail(err, lr, why);
        memset(&ev, 0, sizeof(ev));
        ev.at = pe->at;
        ev.actor_id = pe->actor_id;
        ev.actor_role = pe->actor_role;
        ev.action = ACT_FOLLOW_PARENT;
        ev.from = child.state;
        ev.to = to;
        ev.note = note;
        rc = store_case_apply(db, &child, &ev, 0);
        if (rc != CG_OK)
            return cw_fail(err, rc == CG_ECONFLICT ? 409 : 500,
                           rc == CG_ECONFLICT ? "conflict" : "internal",
                           "merged case %lld could not follow its parent",
                           (long long)ids[i]);
    }
    log_info("msg=\"merged cases follow their parent\" case=%lld"
             " merged=%zu to=%s",
             (long long)parent->id, n, case_state_name(pe->to));
    return CG_OK;
}

int
casework_outside_note(struct app *a, int64_t case_id, const char *note,
                      struct cw_error *err)
{
    struct db *db = store_db(a->store);
    struct case_event ev;
    struct case_row c;
    struct lc_facts f;
    enum case_state to;
    const char *why = "";
    bool own = !db_in_tx(db);
    enum lc_result lr;
    int rc;

    if (own && db_begin(db) != CG_OK)
        return cw_fail(err, 503, "busy", "the database is busy; try again");
    if (store_case_get(db, case_id, &c) != CG_OK) {
        rc = cw_fail(err, 404, "not_found", "there is no case %lld",
                     (long long)case_id);
        goto out;
    }
    memset(&f, 0, sizeof(f));
    f.state = c.state;
    f.by_platform = true;
    f.has_note = note && *note;
    lr = lifecycle_check(&lc_complaint, ACT_OUTSIDE_NOTE, &f, &to, &why);
    if (lr != LC_OK) {
        rc = cw_lc_fail(err, lr, why);
        goto out;
    }
    memset(&ev, 0, sizeof(ev));
    ev.at = cgtime_now();
    ev.actor_role = ROLE_RESIDENT; /* an outside system speaks for residents */
    ev.action = ACT_OUTSIDE_NOTE;
    ev.from = c.state;
    ev.to = to;
    ev.note = note;
    rc = store_case_apply(db, &c, &ev, 0);
    if (rc != CG_OK) {
        rc = cw_fail(err, rc == CG_ECONFLICT ? 409 : 500,
                     rc == CG_ECONFLICT ? "conflict" : "internal",
                     "the note could not be stored");
        goto out;
    }
    if (own && db_commit(db) != CG_OK)
        rc = cw_fail(err, 500, "internal", "the note could not be stored");
    else if (own)
        live_case_changed(a->live, db, case_id);
out:
    if (own && rc != CG_OK)
        db_rollback(db);
    return rc;
}
