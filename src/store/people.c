/*
 * people.c - users and their sessions.  Passwords and session tokens are
 * never stored: only an argon2id hash of the one and a hash of the other.
 */
#include <string.h>

#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "store/store.h"

#define USER_COLS                                                              \
    "u.id, u.username, u.role, u.area_code, a.path, u.unit_id,"                \
    " u.display_name, u.phone"

static int user_from_row(struct db_stmt *st, struct user *u);

/* Reads a user row; CG_EINVAL when a stored value does not fit, rather
 * than hand on a name cut in the middle of a character. */
static int
user_from_row(struct db_stmt *st, struct user *u)
{
    int rc = CG_OK;

    memset(u, 0, sizeof(*u));
    u->id = db_col_int(st, 0);
    rc |= str_copy(u->username, sizeof(u->username), db_col_text(st, 1));
    if (role_parse(db_col_text(st, 2), &u->role) != CG_OK)
        return CG_EINVAL;
    if (!db_col_null(st, 3))
        rc |= str_copy(u->area_code, sizeof(u->area_code), db_col_text(st, 3));
    if (!db_col_null(st, 4))
        rc |= str_copy(u->area_path, sizeof(u->area_path), db_col_text(st, 4));
    u->unit_id = db_col_int(st, 5);
    if (!db_col_null(st, 6))
        rc |= str_copy(u->display_name, sizeof(u->display_name),
                       db_col_text(st, 6));
    if (!db_col_null(st, 7))
        rc |= str_copy(u->phone, sizeof(u->phone), db_col_text(st, 7));
    return rc ? CG_EINVAL : CG_OK;
}

int
store_user_add(struct db *db, const char *username, const char *hash,
               enum role role, const char *area_code, int64_t unit_id,
               const char *display_name, const char *phone, int64_t *id)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO users (username, password_hash, role,"
                    " area_code, unit_id, display_name, phone, created_at)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, username);
    db_bind_text(st, 2, hash);
    db_bind_text(st, 3, role_name(role));
    db_bind_text(st, 4, area_code && *area_code ? area_code : NULL);
    if (unit_id)
        db_bind_int(st, 5, unit_id);
    db_bind_text(st, 6, display_name);
    db_bind_text(st, 7, phone);
    db_bind_int(st, 8, cgtime_now());
    rc = db_step(st);
    db_finalize(st);
    if (rc != DB_DONE)
        return rc;
    if (id)
        *id = db_last_id(db);
    return CG_OK;
}

int
store_user_set_hash(struct db *db, int64_t id, const char *hash)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db, "UPDATE users SET password_hash = ? WHERE id = ?", &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, hash);
    db_bind_int(st, 2, id);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

int
store_user_by_name(struct db *db, const char *username, struct user *out,
                   char *hash, size_t hashlen)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "SELECT " USER_COLS ", u.password_hash FROM users u"
                    " LEFT JOIN areas a ON a.code = u.area_code"
                    " WHERE u.username = ? AND u.disabled = 0",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, username);
    rc = db_step(st);
    if (rc == DB_ROW) {
        rc = user_from_row(st, out);
        if (rc == CG_OK && hash)
            str_copy(hash, hashlen, db_col_text(st, 8));
        db_finalize(st);
        return rc;
    }
    db_finalize(st);
    return rc == DB_DONE ? CG_ENOTFOUND : rc;
}

int
store_user_get(struct db *db, int64_t id, struct user *out)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "SELECT " USER_COLS " FROM users u"
                    " LEFT JOIN areas a ON a.code = u.area_code"
                    " WHERE u.id = ?",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_int(st, 1, id);
    rc = db_step(st);
    if (rc == DB_ROW)
        rc = user_from_row(st, out);
    else if (rc == DB_DONE)
        rc = CG_ENOTFOUND;
    db_finalize(st);
    return rc;
}

json_t *
store_user_list(struct db *db, const char *within_path)
{
    json_t *arr = json_array();
    struct db_stmt *st;

    if (db_prepare(db,
                   "SELECT " USER_COLS " FROM users u"
                   " LEFT JOIN areas a ON a.code = u.area_code"
                   " WHERE CAST(? AS TEXT) IS NULL OR a.path IS NULL"
                   " OR substr(a.path, 1, length(?)) = ?"
                   " ORDER BY u.role, u.username",
                   &st) != CG_OK)
        return arr;
    db_bind_text(st, 1, within_path);
    db_bind_text(st, 2, within_path);
    db_bind_text(st, 3, within_path);
    while (db_step(st) == DB_ROW) {
        struct user u;
        if (user_from_row(st, &u) != CG_OK)
            continue;
        json_array_append_new(
            arr,
            json_pack("{s:I, s:s, s:s, s:s?, s:s?}", "id", (json_int_t)u.id,
                      "username", u.username, "role", role_name(u.role), "area",
                      u.area_code[0] ? u.area_code : NULL, "display_name",
                      u.display_name[0] ? u.display_name : NULL));
    }
    db_finalize(st);
    return arr;
}

int
store_session_add(struct db *db, const char *token_hash, int64_t user_id,
                  const char *csrf, int64_t expires_at)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "INSERT INTO sessions (token_hash, user_id, csrf,"
                    " created_at, expires_at)"
                    " VALUES (?,?,?,?,?)",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, token_hash);
    db_bind_int(st, 2, user_id);
    db_bind_text(st, 3, csrf);
    db_bind_int(st, 4, cgtime_now());
    db_bind_int(st, 5, expires_at);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}

int
store_session_get(struct db *db, const char *token_hash, int64_t now,
                  struct user *out, char *csrf, size_t csrflen)
{
    struct db_stmt *st;
    int rc;

    rc = db_prepare(db,
                    "SELECT " USER_COLS ", s.csrf FROM sessions s"
                    " JOIN users u ON u.id = s.user_id"
                    " LEFT JOIN areas a ON a.code = u.area_code"
                    " WHERE s.token_hash = ? AND s.expires_at > ?"
                    " AND u.disabled = 0",
                    &st);
    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, token_hash);
    db_bind_int(st, 2, now);
    rc = db_step(st);
    if (rc == DB_ROW) {
        rc = user_from_row(st, out);
        if (csrf)
            str_copy(csrf, csrflen, db_col_text(st, 8));
    } else if (rc == DB_DONE) {
        rc = CG_ENOTFOUND;
    }
    db_finalize(st);
    return rc;
}

int
store_session_delete(struct db *db, const char *token_hash)
{
    struct db_stmt *st;
    int rc = db_prepare(db, "DELETE FROM sessions WHERE token_hash = ?", &st);

    if (rc != CG_OK)
        return rc;
    db_bind_text(st, 1, token_hash);
    rc = db_step(st);
    db_finalize(st);
    return rc == DB_DONE ? CG_OK : rc;
}
