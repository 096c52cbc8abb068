/*
 * session.c - signing in and out, and who am I.
 */
#include <pthread.h>
#include <string.h>

#include "api/api.h"
#include "api/app.h"
#include "api/live.h"
#include "api/validate.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

/* A valid hash of a random password: checking it when the user does not
 * exist makes "no such user" cost as much as "wrong password". */
static char decoy_hash[AUTH_HASH_LEN];
static pthread_once_t decoy_once = PTHREAD_ONCE_INIT;

static void
make_decoy(void)
{
    auth_password_hash("decoy-password-never-used", decoy_hash);
}

static json_t *user_json(struct http_req *r, const struct user *u);
static void signin_slow(struct http_req *r);
static int signin_checked(struct http_req *r);

int
api_healthz(struct http_req *r)
{
    char why[256];
    int64_t one = 0;
    json_t *ans;

    if (db_scalar_int(api_db(r), 0, &one, "SELECT 1", NULL) != CG_OK ||
        one != 1)
        return http_error(r, 503, "unavailable",
                          "the database is not "
                          "answering");
    ans = json_pack("{s:s}", "status", "ok");
    /* Still answering, but something for the operator to mend. */
    if (app_calendar_warning(api_app(r), cgtime_now(), why, sizeof(why)))
        json_object_set_new(ans, "warnings", json_pack("[s]", why));
    return http_json(r, 200, ans);
}

int
api_config(struct http_req *r)
{
    struct app *a = api_app(r);
    struct area city;
    const char *name = "";

    if (store_area_get(api_db(r), a->city_code, &city) == CG_OK)
        name = city.name;
    return http_json(r, 200,
                     json_pack("{s:s, s:s, s:s?, s:i, s:s}", "city_code",
                               a->city_code, "city_name", name, "tile_url",
                               a->tile_url[0] ? a->tile_url : NULL,
                               "utc_offset_minutes", cgtime_display_offset,
                               "time_zone", "Asia/Shanghai"));
}

static json_t *
user_json(struct http_req *r, const struct user *u)
{
    struct unit unit;
    struct area area;
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s?}", "id", (json_int_t)u->id, "username",
                  u->username, "role", role_name(u->role), "display_name",
                  u->display_name[0] ? u->display_name : NULL);

    if (u->area_code[0] &&
        store_area_get(api_db(r), u->area_code, &area) == CG_OK)
        json_object_set_new(o, "area",
                            json_pack("{s:s, s:s, s:s}", "code", area.code,
                                      "name", area.name, "level",
                                      area_level_name(area.level)));
    if (u->unit_id && store_unit_get(api_db(r), u->unit_id, &unit) == CG_OK)
        json_object_set_new(o, "unit",
                            json_pack("{s:I, s:s, s:s}", "id",
                                      (json_int_t)unit.id, "code", unit.code,
                                      "name", unit.name));
    return o;
}

int
api_session_create(struct http_req *r)
{
    static const struct field fields[] = {
        {"username", F_STRING, true, 1, 64},
        {"password", F_STRING, true, 1, 128},
        FIELDS_END,
    };
    char key[AUTH_THROTTLE_KEY_LEN];
    int64_t wait, since, failures;
    int rc;

    if ((rc = validate_body(r, r->json, fields)) != CG_OK)
        return rc;
    auth_throttle_key(body_str(r->json, "username"), key);
    if (store_throttle_get(api_db(r), key, &since, &failures) != CG_OK)
        return http_error(r, 503, "unavailable", "try again in a moment");
    wait = auth_throttle_policy(since, failures, cgtime_now());
    if (wait > 0) {
        r->retry_after = (int)wait;
        return http_error(r, 429, "too_many_attempts",
                          "too many wrong passwords for this account; try "
                          "again in %lld minutes",
                          (long long)(wait + 59) / 60);
    }
    /* Hashing the password takes a worker of its own, so that a crowd
     * signing in leaves the server's threads to everyone else; when the
     * workers' queue is full the caller comes back in a second. */
    if (http_defer(r, signin_slow) != CG_OK) {
        r->retry_after = 1;
        return http_error(r, 429, "too_many_signins",
                          "many people are signing in at this moment; try "
                          "again in a second");
    }
    return CG_OK;
}

/* The sign-in itself, on a sign-in worker. */
static void
signin_slow(struct http_req *r)
{
    (void)signin_checked(r);
}

static int
signin_checked(struct http_req *r)
{
    char hash[AUTH_HASH_LEN], token[AUTH_TOKEN_LEN], csrf[AUTH_TOKEN_LEN];
    char digest[AUTH_DIGEST_LEN], cookie[256], when[CGTIME_LEN];
    struct app *a = api_app(r);
    struct user u;
    const char *proto, *secure;
    json_t *who;
    char key[AUTH_THROTTLE_KEY_LEN];
    int64_t expires;
    int rc;

    rc = store_user_by_name(api_db(r), body_str(r->json, "username"), &u, hash,
                            sizeof(hash));
    if (rc != CG_OK && rc != CG_ENOTFOUND)
        return http_error(r, 503, "unavailable", "try again in a moment");
    if (rc == CG_ENOTFOUND) {
        pthread_once(&decoy_once, make_decoy);
        auth_password_verify(decoy_hash, body_str(r->json, "password"));
    }
    if (rc == CG_ENOTFOUND ||
        !auth_password_verify(hash, body_str(r->json, "password"))) {
        log_info("msg=\"sign-in refused\" username=\"%.64s\"",
                 body_str(r->json, "username"));
        auth_throttle_key(body_str(r->json, "username"), key);
        store_throttle_fail(api_db(r), key, cgtime_now(), AUTH_FAILURE_WINDOW);
        return http_error(r, 401, "bad_credentials",
                          "the username or the password is wrong");
    }
    auth_throttle_key(body_str(r->json, "username"), key);
    store_throttle_clear(api_db(r), key);
    /* A hash from settings since changed is made again while the password
     * is at hand; a failure only leaves the old one, still valid. */
    if (auth_password_needs_rehash(hash) &&
        (auth_password_hash(body_str(r->json, "password"), hash) != CG_OK ||
         store_user_set_hash(api_db(r), u.id, hash) != CG_OK))
        log_warn("msg=\"password hash not renewed\" user=%lld",
                 (long long)u.id);
    /* The answer is built before the session exists, so a failure leaves
     * no session behind. */
    who = user_json(r, &u);
    if (!who)
        return http_error(r, 500, "internal",
                          "your account could not be "
                          "read");
    auth_token_new(token);
    auth_token_new(csrf);
    auth_token_digest(token, digest);
    expires = cgtime_now() + a->session_ttl;
    if (store_session_add(api_db(r), digest, u.id, csrf, expires) != CG_OK) {
        json_decref(who);
        return http_error(r, 503, "unavailable", "try again in a moment");
    }
    /* Behind a TLS-terminating proxy the cookies are marked Secure. */
    proto = http_header(r, "X-Forwarded-Proto");
    secure = proto && strcmp(proto, "https") == 0 ? "; Secure" : "";
    str_fmt(cookie, sizeof(cookie),
            "cg_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
            token, (long long)a->session_ttl, secure);
    http_set_cookie(r, cookie);
    str_fmt(cookie, sizeof(cookie),
            "cg_csrf=%s; Path=/; SameSite=Strict; Max-Age=%lld%s", csrf,
            (long long)a->session_ttl, secure);
    http_set_cookie(r, cookie);
    cgtime_display(expires, when);
    log_info("msg=\"signed in\" user=%s role=%s", u.username,
             role_name(u.role));
    return http_json(r, 201,
                     json_pack("{s:s, s:s, s:s, s:o}", "token", token, "csrf",
                               csrf, "expires_at", when, "user", who));
}

int
api_session_delete(struct http_req *r)
{
    const char *auth = http_header(r, "Authorization");
    const char *token = auth ? auth + 7 : http_cookie(r, "cg_session");
    char digest[AUTH_DIGEST_LEN];

    if (token) {
        auth_token_digest(token, digest);
        store_session_delete(api_db(r), digest);
    }
    /* The person's open streams end with the session; those of their other
     * sessions (another device) reconnect by themselves. */
    live_user_signed_out(api_app(r)->live, r->user.id);
    http_set_cookie(r, "cg_session=; Path=/; HttpOnly; SameSite=Strict; "
                       "Max-Age=0");
    http_set_cookie(r, "cg_csrf=; Path=/; SameSite=Strict; Max-Age=0");
    return http_json(r, 200, json_pack("{s:b}", "signed_out", 1));
}

int
api_me(struct http_req *r)
{
    json_t *o = user_json(r, &r->user);

    json_object_set_new(o, "csrf", json_string(r->csrf));
    return http_json(r, 200, o);
}
