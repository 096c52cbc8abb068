/*
 * pii.c - the log of who was shown a resident's personal data.
 *
 * Every time a staff member is shown a reporter's name or phone a row is
 * written here, before the answer leaves the server.  A busy hotline
 * opens thousands of cases a second; a transaction for each would queue
 * every reader behind the one writer.  So readers meet here: the first
 * finding nobody writing takes every row waiting at that moment and writes
 * them in one transaction, and those whose rows it took wait for it to
 * commit.  A row is therefore committed (in the WAL: it survives the
 * process being killed) before its reader's answer is sent; it reaches
 * the disk with the next synced commit (db_commit_nowait).
 */
#include <pthread.h>
#include <string.h>

#include "base/cgtime.h"
#include "base/cpu.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"
#include "store/store.h"

struct pii_row {
    int64_t at;
    int64_t user_id;
    int64_t case_id;
    const char *fields;
    int rc;
    bool done;
    struct pii_row *next;
};

static pthread_mutex_t pii_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pii_written = PTHREAD_COND_INITIALIZER;
static struct pii_row *pii_waiting; /* newest first */
static bool pii_writing;

static struct pii_row *oldest_first(struct pii_row *rows);
static int write_rows(struct db *db, struct pii_row *rows);
static int insert_row(struct db *db, const struct pii_row *row);

int
store_pii_log(struct db *db, int64_t user_id, int64_t case_id,
              const char *fields)
{
    struct pii_row me = {cgtime_now(), user_id, case_id, fields, 0,
                         false,        NULL};
    struct pii_row *batch, *r, *next;
    bool held;
    int rc;

    /* Inside a transaction of its own the row is part of that. */
    if (db_in_tx(db))
        return insert_row(db, &me);
    /* Waiting for the batch (or writing it), the thread leaves its turn
     * on the processor to others (base/cpu.h). */
    held = cpu_turn_pause();
    pthread_mutex_lock(&pii_mu);
    me.next = pii_waiting;
    pii_waiting = &me;
    while (!me.done) {
        if (pii_writing) {
            pthread_cond_wait(&pii_written, &pii_mu);
            continue;
        }
        pii_writing = true;
        batch = oldest_first(pii_waiting);
        pii_waiting = NULL;
        pthread_mutex_unlock(&pii_mu);
        rc = write_rows(db, batch);
        pthread_mutex_lock(&pii_mu);
        for (r = batch; r; r = next) {
            next = r->next; /* r may leave as soon as it is done */
            r->rc = rc;
            r->done = true;
        }
        pii_writing = false;
        pthread_cond_broadcast(&pii_written);
    }
    pthread_mutex_unlock(&pii_mu);
    cpu_turn_resume(held);
    return me.rc;
}

static struct pii_row *
oldest_first(struct pii_row *rows)
{
    struct pii_row *rev = NULL, *next;

    for (; rows; rows = next) {
        next = rows->next;
        rows->next = rev;
        rev = rows;
    }
    return rev;
}

/* Writes rows in one transaction: all of them or, logged, none. */
static int
write_rows(struct db *db, struct pii_row *rows)
{
    struct pii_row *r;
    int rc, n = 0;

    for (r = rows; r; r = r->next)
        n++;
    if ((rc = db_begin(db)) != CG_OK)
        goto out;
    for (r = rows; r && rc == CG_OK; r = r->next)
        rc = insert_row(db, r);
    if (rc == CG_OK)
        rc = db_commit_nowait(db);
    else
        db_rollback(db);
out:
    if (rc != CG_OK)
        log_error("msg=\"access to personal data not logged\" rows=%d", n);
    return rc;
}

static int
insert_row(struct db *db, const struct pii_row *row)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO pii_access (at, user_id, case_id, fields,"
                    " city_code) VALUES (?, ?, ?, ?, (SELECT city_code FROM"
                    " cases WHERE id = ?))",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, row->at);
    db_bind_int(st, 2, row->user_id);
    db_bind_int(st, 3, row->case_id);
    db_bind_text(st, 4, row->fields);
    db_bind_int(st, 5, row->case_id);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}
