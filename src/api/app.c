/*
 * app.c - the running platform: its area index, and who is asking.
 */
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/app.h"
#include "api/live.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

/* Days ahead the working calendar should know. */
#define CALENDAR_AHEAD 90

static int add_area(const char *code, int level, const char *geometry,
                    void *ctx);

int
app_init(struct app *a, struct store *s)
{
    memset(a, 0, sizeof(*a));
    a->store = s;
    a->cal = calendar_new();
    a->live = live_new();
    pthread_rwlock_init(&a->geo_lock, NULL);
    a->photo.max_bytes = 10 * 1024 * 1024;
    a->photo.max_pixels = 100000000; /* a 108-megapixel phone camera */
    a->photo.max_side = 2048;
    a->photo.thumb_side = 320;
    a->session_ttl = 12 * 3600;
    str_copy(a->blob_dir, sizeof(a->blob_dir), "blobs");
    str_copy(a->city_code, sizeof(a->city_code), "150100");
    return CG_OK;
}

void
app_free(struct app *a)
{
    calendar_free(a->cal);
    live_free(a->live);
    geo_index_free(a->geo);
    pthread_rwlock_destroy(&a->geo_lock);
}

static int
add_area(const char *code, int level, const char *geometry, void *ctx)
{
    if (geo_index_add(ctx, code, level, geometry) != CG_OK)
        log_warn("msg=\"area geometry unreadable; left out of the index\""
                 " area=%s",
                 code);
    return CG_OK;
}

int
app_reload_areas(struct app *a)
{
    struct geo_index *ix = geo_index_new(), *old;
    int rc;

    rc = store_area_each_geometry(store_db(a->store), add_area, ix);
    if (rc == CG_OK)
        rc = geo_index_build(ix);
    if (rc != CG_OK) {
        geo_index_free(ix);
        return rc;
    }
    pthread_rwlock_wrlock(&a->geo_lock);
    old = a->geo;
    a->geo = ix;
    pthread_rwlock_unlock(&a->geo_lock);
    geo_index_free(old);
    log_debug("msg=\"area index built\" areas=%zu", geo_index_count(ix));
    return CG_OK;
}

int
app_locate(struct app *a, double lon, double lat, char *code, size_t codelen)
{
    const char *hit = NULL;
    int rc = CG_ENOTFOUND;

    pthread_rwlock_rdlock(&a->geo_lock);
    if (a->geo)
        hit = geo_index_locate(a->geo, lon, lat);
    if (hit)
        rc = str_copy(code, codelen, hit);
    pthread_rwlock_unlock(&a->geo_lock);
    return rc;
}

void
api_principal(struct http_req *r, struct principal *p)
{
    memset(p, 0, sizeof(*p));
    if (!r->authed)
        return;
    p->user_id = r->user.id;
    p->role = r->user.role;
    p->area_path = r->user.area_path;
    p->unit_id = r->user.unit_id;
}

/*
 * Bearer tokens are for programs; the cookie is for the web UI, and then
 * every request that changes something must echo the session's CSRF token
 * in X-CSRF-Token, which a page on another site cannot read.
 */
int
api_authenticate(struct http_req *r)
{
    const char *auth = http_header(r, "Authorization"), *token = NULL;
    char digest[AUTH_DIGEST_LEN];
    int rc;

    /* Signing in needs no session, and must work while an old one is
     * still in the browser. */
    if (r->route && r->route->handler == api_session_create)
        return CG_OK;
    if (auth) {
        if (strncasecmp(auth, "Bearer ", 7) != 0)
            return http_error(r, 401, "unauthenticated",
                              "the Authorization header must be 'Bearer "
                              "TOKEN'");
        token = auth + 7;
    } else {
        token = http_cookie(r, "cg_session");
        r->via_cookie = token != NULL;
    }
    if (!token)
        return CG_OK;
    if (strlen(token) >= AUTH_TOKEN_LEN + 8)
        return http_error(r, 401, "unauthenticated", "the token is malformed");
    auth_token_digest(token, digest);
    rc = store_session_get(api_db(r), digest, cgtime_now(), &r->user, r->csrf,
                           sizeof(r->csrf));
    if (rc == CG_ENOTFOUND) {
        if (r->via_cookie)
            return CG_OK; /* a stale cookie is just a stranger */
        return http_error(r, 401, "unauthenticated",
                          "the token is unknown or has expired; sign in "
                          "again");
    }
    if (rc != CG_OK)
        return http_error(r, 503, "unavailable",
                          "the session store is not answering; try again");
    r->authed = true;
    if (r->via_cookie && strcmp(r->method, "GET") != 0 &&
        strcmp(r->method, "HEAD") != 0) {
        const char *csrf = http_header(r, "X-CSRF-Token");
        if (!csrf || !auth_equal(csrf, r->csrf))
            return http_error(r, 403, "csrf",
                              "this request must carry the X-CSRF-Token "
                              "header of your session");
    }
    return CG_OK;
}

bool
app_calendar_warning(const struct app *a, int64_t now, char *out, size_t len)
{
    int64_t today = (now + (int64_t)calendar_offset_min(a->cal) * 60) / 86400;
    int64_t last = calendar_last_day(a->cal);
    unsigned m = 1, d = 1;
    int y = 1970, last_y = 0;

    /* A year is covered once any of its holidays is named (the State
     * Council publishes a whole year at once): through the 31 December
     * of the last year named. */
    cgtime_civil_from_days(today + CALENDAR_AHEAD, &y, &m, &d);
    if (last >= 0)
        cgtime_civil_from_days(last, &last_y, &m, &d);
    if (last >= 0 && last_y >= y)
        return false;
    if (last < 0)
        str_copy(out, len,
                 "the working calendar names no holidays: every weekday "
                 "counts as a working day; give the calendar file of the "
                 "public holidays (--calendar)");
    else
        str_fmt(out, len,
                "the working calendar names no holidays for %d: deadlines "
                "running into it count every weekday as a working day; add "
                "its public holidays and worked weekend days to the "
                "calendar file",
                last_y + 1);
    return true;
}
