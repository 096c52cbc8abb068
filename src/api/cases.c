/*
 * cases.c - reporting, listing, reading and acting on cases.
 *
 * What a person sees of a case depends on who they are (perm_case_view):
 * the reporter and the staff who contact residents see it whole, and each
 * such look at someone else's personal data is logged; handling units see
 * the phone masked; everyone else sees it anonymised.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "api/api.h"
#include "api/app.h"
#include "api/casework.h"
#include "api/validate.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

#define MAX_PHOTOS 9
/* How far a list's total is counted, and a search's (a search in part of
 * the city reads the case of each match it counts, to see whether it is
 * in scope; a list's total comes from an index). */
#define LIST_COUNT_CAP        10000
#define LIST_SEARCH_COUNT_CAP 1000

static void mask_text_field(json_t *o, const char *key);
static bool has_long_number(const char *q);
static int answer_cw(struct http_req *r, const struct cw_error *e);
static void anonymise(struct db *db, json_t *o);
static json_t *timeline(json_t *events, enum case_view view,
                        const struct case_row *c);
static json_t *case_for_viewer(struct http_req *r, int64_t id,
                               enum case_view *view);
static int idem_replay(struct http_req *r, char *fp, const char **key,
                       bool *replayed);
static int store_upload(struct http_req *r, const struct multipart_part *p,
                        char hash[65]);

static int
answer_cw(struct http_req *r, const struct cw_error *e)
{
    return http_error(r, e->status, e->code, "%s", e->message);
}

/* What anyone may see of a case: no reporter, no address, no outside
 * reference, the place rounded to about 100 m, and the area no finer than
 * the unit grid (a compound or a building would point at the reporter's
 * home).  Near enough to find the problem, not the door. */
static void
anonymise(struct db *db, json_t *o)
{
    json_t *loc = json_object_get(o, "location");
    const char *const keys[] = {"lon", "lat"};
    const char *code =
        json_string_value(json_object_get(json_object_get(o, "area"), "code"));
    struct area a;
    size_t i;
    int guard = 0;

    mask_text_field(o, "title");
    mask_text_field(o, "description");
    json_object_del(o, "reporter");
    json_object_del(o, "address");
    json_object_del(o, "ref");
    json_object_del(o, "route_reason");
    json_object_del(o, "level_reason");
    json_object_del(o, "suggestions");
    json_object_del(o, "category_reason");
    for (i = 0; loc && i < 2; i++) {
        double v = json_number_value(json_object_get(loc, keys[i]));
        json_object_set_new(loc, keys[i], json_real(round(v * 1000) / 1000));
    }
    if (!code || store_area_get(db, code, &a) != CG_OK)
        return;
    while (a.level > AREA_GRID && a.parent[0] && guard++ < 8)
        if (store_area_get(db, a.parent, &a) != CG_OK)
            return;
    json_object_set_new(
        o, "area", json_pack("{s:s, s:s}", "code", a.code, "name", a.name));
}

/* Hides the numbers that identify a person in a text member of o (see
 * perm_mask_text): residents write their phone into the description. */
static void
mask_text_field(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    char *copy;

    if (!v || !strpbrk(v, "0123456789"))
        return;
    copy = str_dup(v);
    if (perm_mask_text(copy) > 0)
        json_object_set_new(o, key, json_string(copy));
    free(copy);
}

void
api_events_mask(json_t *events)
{
    json_t *ev;
    size_t i;

    json_array_foreach(events, i, ev) mask_text_field(ev, "note");
}

/* Whether q holds four digits in a row (0-9 or full-width), perhaps with
 * spaces or hyphens between them. */
static bool
has_long_number(const char *q)
{
    const unsigned char *u = (const unsigned char *)q;
    size_t i = 0, run, start;

    while (u[i]) {
        if (!isdigit(u[i]) && !(u[i] == 0xEF && u[i + 1] == 0xBC &&
                                u[i + 2] >= 0x90 && u[i + 2] <= 0x99)) {
            i++;
            continue;
        }
        /* A run of digits, spaces and hyphens; one inside a word of
         * letters (a code like a1234b) is no phone number. */
        start = i;
        run = 0;
        while (u[i]) {
            if (isdigit(u[i]))
                run++, i++;
            else if (u[i] == 0xEF && u[i + 1] == 0xBC && u[i + 2] >= 0x90 &&
                     u[i + 2] <= 0x99)
                run++, i += 3;
            else if ((u[i] == ' ' || u[i] == '-') && isdigit(u[i + 1]))
                i++;
            else
                break;
        }
        if (run >= 4 && !(start > 0 && isalpha(u[start - 1])) && !isalpha(u[i]))
            return true;
    }
    return false;
}

/* The same, for the other resources that show cases to anyone. */
void
api_case_anonymise(struct db *db, json_t *o)
{
    anonymise(db, o);
}

/* The history as this viewer may see it: whoever did a step is named, but
 * the reporter (and any resident) only to those who see the case whole. */
static json_t *
timeline(json_t *events, enum case_view view, const struct case_row *c)
{
    json_t *ev;
    size_t i;

    json_array_foreach(events, i, ev)
    {
        json_int_t actor = json_integer_value(json_object_get(ev, "actor_id"));
        const char *role = json_string_value(json_object_get(ev, "actor_role"));
        if (view != VIEW_FULL && ((c->reporter_id && actor == c->reporter_id) ||
                                  (role && strcmp(role, "resident") == 0)))
            json_object_del(ev, "actor");
        if (view != VIEW_FULL)
            mask_text_field(ev, "note");
        json_object_del(ev, "actor_id");
    }
    return events;
}

/* Removes or masks what this viewer has no need to see, adds what they may
 * do next, and logs a look at someone else's personal data. */
static json_t *
case_for_viewer(struct http_req *r, int64_t id, enum case_view *view)
{
    struct db *db = api_db(r);
    struct principal p;
    struct case_scope scope;
    struct case_row c;
    struct cw_actor who;
    struct lc_facts f;
    json_t *o, *rep, *acts, *area;
    uint64_t allowed;
    char masked[64];
    int i;

    if (!(o = store_case_view(db, id, &c)))
        return NULL;
    api_principal(r, &p);
    scope.area_path = c.area_path;
    scope.reporter_id = c.reporter_id;
    scope.unit_id = c.unit_id;
    *view = c.state == ST_NONE ? VIEW_NONE : perm_case_view(&p, &scope);
    if (*view == VIEW_NONE) {
        json_decref(o);
        return NULL;
    }
    rep = json_object_get(o, "reporter");
    switch (*view) {
    case VIEW_PUBLIC:
        anonymise(db, o);
        break;
    case VIEW_MASKED:
        mask_text_field(o, "title");
        mask_text_field(o, "description");
        if (json_string_value(json_object_get(rep, "phone"))) {
            perm_mask_phone(json_string_value(json_object_get(rep, "phone")),
                            masked, sizeof(masked));
            json_object_set_new(rep, "phone", json_string(masked));
        }
        if (json_string_value(json_object_get(rep, "name"))) {
            perm_mask_name(json_string_value(json_object_get(rep, "name")),
                           masked, sizeof(masked));
            json_object_set_new(rep, "name", json_string(masked));
        }
        break;
    case VIEW_FULL:
        if (p.user_id != c.reporter_id &&
            (json_string_value(json_object_get(rep, "phone")) ||
             json_string_value(json_object_get(rep, "name"))))
            store_pii_log(db, p.user_id, c.id, "reporter.name,reporter.phone");
        break;
    default:
        break;
    }
    /* The platform's guesses and reasons are for staff deciding the
     * case, the reporter's own case included. */
    if (p.role == ROLE_RESIDENT) {
        json_object_del(o, "suggestions");
        json_object_del(o, "category_reason");
        json_object_del(o, "route_reason");
        json_object_del(o, "level_reason");
    }
    memset(&who, 0, sizeof(who));
    who.p = p;
    casework_facts(&who, &c, &f);
    allowed = lifecycle_allowed(&lc_complaint, &f);
    acts = json_array();
    for (i = 0; i < ACT__COUNT; i++) {
        const char *why;
        if (!(allowed & (1ull << i)) ||
            !perm_case_action(&p, &scope, (enum case_action)i, &why))
            continue;
        json_array_append_new(
            acts, json_pack("{s:s, s:s}", "action",
                            case_action_name((enum case_action)i), "label",
                            case_action_label_zh((enum case_action)i)));
    }
    json_object_set_new(o, "allowed_actions", acts);
    /* Where the case is, from the district down, as far as this viewer
     * may know it. */
    area = json_object_get(o, "area");
    json_object_set_new(
        area, "path",
        store_area_chain(db, json_string_value(json_object_get(area, "code"))));
    json_object_set_new(o, "mine", json_boolean(f.is_reporter));
    json_object_set_new(o, "events",
                        timeline(store_case_events(db, id), *view, &c));
    return o;
}

/*
 * A POST with an Idempotency-Key that was seen before is answered with what
 * the first one created, and changes nothing.  The same key with another
 * body is a client error.  The fingerprint is a hash of method, path and
 * body.
 */
static int
idem_replay(struct http_req *r, char *fp, const char **key, bool *replayed)
{
    unsigned char d[32];
    crypto_generichash_state h;
    char seen[AUTH_DIGEST_LEN];
    int64_t case_id;
    int status, rc;
    enum case_view view;
    json_t *o;

    *replayed = false;
    *key = http_header(r, "Idempotency-Key");
    if (!*key)
        return CG_OK;
    if (strlen(*key) < 1 || strlen(*key) > 128)
        return http_error(r, 400, "invalid_header",
                          "Idempotency-Key must have 1 to 128 characters");
    crypto_generichash_init(&h, NULL, 0, sizeof(d));
    crypto_generichash_update(&h, (const unsigned char *)r->method,
                              strlen(r->method));
    crypto_generichash_update(&h, (const unsigned char *)r->path,
                              strlen(r->path));
    /* A form is taken by its fields, not its bytes: a client that retries
     * picks a new boundary. */
    if (r->nparts) {
        int i;
        for (i = 0; i < r->nparts; i++) {
            const struct multipart_part *p = &r->parts[i];
            uint64_t len = p->len;
            crypto_generichash_update(&h, (const unsigned char *)p->name,
                                      strlen(p->name) + 1);
            crypto_generichash_update(&h, (const unsigned char *)&len,
                                      sizeof(len));
            crypto_generichash_update(&h, (const unsigned char *)p->data,
                                      p->len);
        }
    } else if (r->body.data) {
        crypto_generichash_update(&h, (const unsigned char *)r->body.data,
                                  r->body.len);
    }
    crypto_generichash_final(&h, d, sizeof(d));
    str_hex(d, sizeof(d), fp);
    rc = store_idem_get(api_db(r), r->user.id, *key, seen, sizeof(seen),
                        &case_id, &status);
    if (rc == CG_ENOTFOUND)
        return CG_OK;
    if (rc != CG_OK)
        return http_error(r, 503, "unavailable", "try again in a moment");
    if (strcmp(seen, fp) != 0)
        return http_error(r, 422, "idempotency_key_reused",
                          "this Idempotency-Key was used for a different "
                          "request; use a new key for a new request");
    *replayed = true;
    /* The first request's write may not be on disk yet (its group is
     * being synced): no answer before it is. */
    if (db_wait_all_synced(api_db(r)) != CG_OK)
        return http_error(r, 503, "unavailable", "try again in a moment");
    o = case_for_viewer(r, case_id, &view);
    if (!o) /* out of the caller's sight since: say that it was done */
        o = json_pack("{s:I, s:s}", "id", (json_int_t)case_id, "result",
                      "done");
    json_object_set_new(o, "replayed", json_true());
    return http_json(r, status, o);
}

/* Runs one uploaded photo through the pipeline and records it. */
static int
store_upload(struct http_req *r, const struct multipart_part *p, char hash[65])
{
    struct app *a = api_app(r);
    struct photo_info info;
    char err[256];
    int rc;

    rc = photo_ingest(p->data, p->len, &a->photo, a->blob_dir, &info, err,
                      sizeof(err));
    switch (rc) {
    case CG_OK:
        break;
    case CG_EUNSUPPORTED:
        return http_error(r, 415, "unsupported_photo", "%s", err);
    case CG_ETOOBIG:
        return http_error(r, 413, "photo_too_large", "%s", err);
    case CG_EINVAL:
        return http_error(r, 422, "bad_photo", "%s", err);
    default:
        return http_error(r, 500, "internal",
                          "the photo could not be "
                          "stored");
    }
    if (store_photo_put(api_db(r), info.hash, info.width, info.height,
                        (int64_t)info.bytes, info.source_type,
                        r->user.id) != CG_OK)
        return http_error(r, 500, "internal",
                          "the photo could not be "
                          "recorded");
    memcpy(hash, info.hash, 65);
    return CG_OK;
}

int
api_photos_upload(struct http_req *r)
{
    const struct multipart_part *p = http_part(r, "photo");
    char hash[65], url[96], thumb[96];
    struct multipart_part raw;
    const char *ct = http_header(r, "Content-Type");
    int rc;

    if (!p && ct && strncasecmp(ct, "image/", 6) == 0) {
        memset(&raw, 0, sizeof(raw));
        raw.data = r->body.data;
        raw.len = r->body.len;
        p = &raw;
    }
    if (!p || p->len == 0)
        return http_error(r, 400, "missing_photo",
                          "send the photo as the form field 'photo' "
                          "(multipart/form-data)");
    if ((rc = store_upload(r, p, hash)) != CG_OK)
        return rc;
    str_fmt(url, sizeof(url), "/photos/%s.jpg", hash);
    str_fmt(thumb, sizeof(thumb), "/photos/%s.thumb.jpg", hash);
    return http_json(r, 201,
                     json_pack("{s:s, s:s, s:s}", "hash", hash, "url", url,
                               "thumb_url", thumb));
}

/* A form part that carries a file (a photo) rather than a field. */
static bool
is_file_part(const struct multipart_part *p)
{
    return p->filename[0] || strcmp(p->name, "photo") == 0;
}

/* Reads the fields of a multipart report into the same JSON shape a JSON
 * report has; files are left for form_photos().  A text field "photos"
 * lists photo hashes separated by commas.  Returns the object or NULL
 * (answered). */
static json_t *
report_from_form(struct http_req *r)
{
    json_t *o = json_object();
    int i;

    for (i = 0; i < r->nparts; i++) {
        const struct multipart_part *p = &r->parts[i];
        json_t *v = NULL;
        char *text;

        if (is_file_part(p))
            continue;
        text = str_ndup(p->data, p->len);
        if (strcmp(p->name, "lon") == 0 || strcmp(p->name, "lat") == 0) {
            double d;
            if (str_to_double(text, &d) == CG_OK)
                v = json_real(d);
        } else if (strcmp(p->name, "self_handle") == 0) {
            v = json_boolean(strcmp(text, "true") == 0 ||
                             strcmp(text, "1") == 0);
        } else if (strcmp(p->name, "photos") == 0) {
            const char *q = text;
            v = json_array();
            while (*q) {
                size_t n = strcspn(q, ", ");
                if (n)
                    json_array_append_new(v, json_stringn(q, n));
                q += n + (q[n] != '\0');
            }
        } else {
            v = json_stringn(p->data, p->len);
        }
        free(text);
        if (!v) {
            http_error(r, 400, "invalid_field",
                       "field '%.64s' is not valid: a number for lon and "
                       "lat, UTF-8 text otherwise",
                       p->name);
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, p->name, v);
    }
    return o;
}

/* Runs the photos of a multipart report through the pipeline, once its
 * fields have passed validation, and adds their hashes to body.photos. */
static int
form_photos(struct http_req *r, json_t *body)
{
    json_t *photos = json_object_get(body, "photos");
    char hash[65];
    int i, rc;

    if (!photos) {
        photos = json_array();
        json_object_set_new(body, "photos", photos);
    }
    for (i = 0; i < r->nparts; i++) {
        if (!is_file_part(&r->parts[i]) || r->parts[i].len == 0)
            continue;
        if (json_array_size(photos) == MAX_PHOTOS)
            return http_error(r, 422, "too_many_photos",
                              "at most %d photos per report", MAX_PHOTOS);
        if ((rc = store_upload(r, &r->parts[i], hash)) != CG_OK)
            return rc;
        json_array_append_new(photos, json_string(hash));
    }
    return CG_OK;
}

int
api_cases_create(struct http_req *r)
{
    static const struct field fields[] = {
        {"title", F_STRING, false, 0, 100},
        {"description", F_STRING, true, 2, 4000},
        {"category", F_STRING, false, 1, 16},
        {"area", F_STRING, false, 1, 24},
        {"lon", F_NUMBER, false, 0, 0},
        {"lat", F_NUMBER, false, 0, 0},
        {"crs", F_STRING, false, 1, 16},
        {"address", F_STRING, false, 0, 200},
        {"channel", F_STRING, false, 1, 16},
        {"reporter_name", F_STRING, false, 0, 50},
        {"reporter_phone", F_STRING, false, 0, 20},
        {"photos", F_STRINGS, false, 0, MAX_PHOTOS},
        {"self_handle", F_BOOL, false, 0, 0},
        {"note", F_STRING, false, 0, 2000},
        FIELDS_END,
    };
    const char *photos[MAX_PHOTOS], *key = NULL, *crs;
    char fp[AUTH_DIGEST_LEN];
    struct cw_report rep;
    struct cw_actor who;
    struct cw_error err;
    enum case_view view;
    json_t *body, *o, *ph;
    bool replayed;
    int64_t id;
    size_t i;
    int rc;

    if ((rc = idem_replay(r, fp, &key, &replayed)) != CG_OK || replayed)
        return rc;
    body = r->nparts ? report_from_form(r) : json_incref(r->json);
    if (!body)
        return r->answered ? CG_EINVAL
                           : http_error(r, 400, "bad_body",
                                        "send the report as JSON or as "
                                        "multipart/form-data");
    if ((rc = validate_body(r, body, fields)) != CG_OK)
        goto out;
    if (r->nparts && (rc = form_photos(r, body)) != CG_OK)
        goto out;
    memset(&rep, 0, sizeof(rep));
    rep.title = body_str(body, "title");
    rep.description = body_str(body, "description");
    rep.category = body_str(body, "category");
    rep.area_code = body_str(body, "area");
    rep.has_point =
        json_object_get(body, "lon") && json_object_get(body, "lat");
    if ((json_object_get(body, "lon") != NULL) !=
        (json_object_get(body, "lat") != NULL)) {
        rc = http_error(r, 422, "invalid_location",
                        "give both lon and lat, or neither");
        goto out;
    }
    rep.lon = json_number_value(json_object_get(body, "lon"));
    rep.lat = json_number_value(json_object_get(body, "lat"));
    rep.crs = GEO_WGS84;
    crs = body_str(body, "crs");
    if (crs && geo_crs_parse(crs, &rep.crs) != CG_OK) {
        rc = http_error(r, 422, "invalid_field",
                        "crs must be 'wgs84' or 'gcj02'");
        goto out;
    }
    rep.address = body_str(body, "address");
    rep.channel = body_str(body, "channel") ? body_str(body, "channel") : "web";
    rep.reporter_name = body_str(body, "reporter_name");
    rep.reporter_phone = body_str(body, "reporter_phone");
    if (!rep.reporter_name && r->user.role == ROLE_RESIDENT)
        rep.reporter_name =
            r->user.display_name[0] ? r->user.display_name : NULL;
    if (!rep.reporter_phone && r->user.role == ROLE_RESIDENT)
        rep.reporter_phone = r->user.phone[0] ? r->user.phone : NULL;
    ph = json_object_get(body, "photos");
    for (i = 0; i < json_array_size(ph); i++)
        photos[i] = json_string_value(json_array_get(ph, i));
    rep.photos = photos;
    rep.nphotos = json_array_size(ph);
    rep.self_handle = json_is_true(json_object_get(body, "self_handle"));
    rep.note = body_str(body, "note");
    rep.idem_key = key;
    rep.idem_fp = key ? fp : NULL;
    memset(&who, 0, sizeof(who));
    api_principal(r, &who.p);
    rc = casework_submit(api_app(r), &who, &rep, &id, &err);
    if (rc == CG_ECONFLICT && key) {
        /* The same key raced in from another connection: answer with
         * what that one created. */
        bool again;
        json_decref(body);
        return idem_replay(r, fp, &key, &again) == CG_OK && again
                   ? CG_OK
                   : answer_cw(r, &err);
    }
    if (rc != CG_OK) {
        rc = answer_cw(r, &err);
        goto out;
    }
    o = case_for_viewer(r, id, &view);
    rc = http_json(r, 201, o);
out:
    json_decref(body);
    return rc;
}

int
api_case_get(struct http_req *r)
{
    enum case_view view = VIEW_NONE;
    struct case_row c;
    json_t *o;

    if ((o = case_for_viewer(r, r->id, &view)))
        return http_json(r, 200, o);
    if (store_case_get(api_db(r), r->id, &c) != CG_OK || c.state == ST_NONE)
        return http_error(r, 404, "not_found", "there is no case %lld",
                          (long long)r->id);
    return http_error(r, 403, "forbidden",
                      "case %lld is in an area outside your scope",
                      (long long)r->id);
}

int
api_case_events(struct http_req *r)
{
    enum case_view view = VIEW_NONE;
    json_t *o, *body;

    o = case_for_viewer(r, r->id, &view);
    if (!o)
        return http_error(r, 404, "not_found",
                          "there is no case %lld that you may see",
                          (long long)r->id);
    body = json_pack("{s:I, s:O}", "case_id", (json_int_t)r->id, "events",
                     json_object_get(o, "events"));
    json_decref(o);
    return http_json(r, 200, body);
}

int
api_case_action(struct http_req *r)
{
    static const struct field fields[] = {
        {"action", F_STRING, true, 1, 32},
        {"note", F_STRING, false, 0, 2000},
        {"photos", F_STRINGS, false, 0, MAX_PHOTOS},
        {"unit", F_STRING, false, 1, 48},
        {"target", F_INT, false, 1, 0},
        {"rating", F_STRING, false, 1, 32},
        {"days", F_INT, false, 1, 60},
        {"version", F_INT, false, 1, 0},
        {"category", F_STRING, false, 1, 16},
        FIELDS_END,
    };
    const char *photos[MAX_PHOTOS], *key = NULL, *s;
    char fp[AUTH_DIGEST_LEN];
    struct cw_action act;
    struct cw_actor who;
    struct cw_error err;
    enum case_view view;
    bool replayed;
    json_t *ph, *o;
    size_t i;
    int rc;

    if ((rc = validate_body(r, r->json, fields)) != CG_OK)
        return rc;
    memset(&act, 0, sizeof(act));
    if (case_action_parse(body_str(r->json, "action"), &act.action) != CG_OK)
        return http_error(r, 400, "unknown_action",
                          "'%.32s' is not an action; see allowed_actions of "
                          "the case",
                          body_str(r->json, "action"));
    if ((s = body_str(r->json, "rating")) &&
        rating_parse(s, &act.rating) != CG_OK)
        return http_error(r, 422, "invalid_field",
                          "rating must be 'satisfied', 'basically_satisfied' "
                          "or 'unsatisfied'");
    if ((rc = idem_replay(r, fp, &key, &replayed)) != CG_OK || replayed)
        return rc;
    act.note = body_str(r->json, "note");
    ph = json_object_get(r->json, "photos");
    for (i = 0; i < json_array_size(ph); i++)
        photos[i] = json_string_value(json_array_get(ph, i));
    act.photos = photos;
    act.nphotos = json_array_size(ph);
    act.unit_code = body_str(r->json, "unit");
    act.category = body_str(r->json, "category");
    act.target = body_int(r->json, "target", 0);
    act.days = (int)body_int(r->json, "days", 0);
    act.version = body_int(r->json, "version", 0);
    act.idem_key = key;
    act.idem_fp = key ? fp : NULL;
    memset(&who, 0, sizeof(who));
    api_principal(r, &who.p);
    rc = casework_act(api_app(r), &who, r->id, &act, &err);
    if (rc != CG_OK && key) {
        /* A retry that raced its original: once the original committed,
         * the retry gets its answer, not the conflict it ran into. */
        bool again;
        if (idem_replay(r, fp, &key, &again) == CG_OK && again)
            return CG_OK;
        if (r->answered)
            return CG_ECONFLICT;
    }
    if (rc != CG_OK)
        return answer_cw(r, &err);
    o = case_for_viewer(r, r->id, &view);
    if (!o) /* e.g. a unit that returned the case no longer sees it */
        return http_json(
            r, 200,
            json_pack("{s:I, s:s}", "id", (json_int_t)r->id, "result", "done"));
    return http_json(r, 200, o);
}

int
api_cases_list(struct http_req *r)
{
    struct case_query q;
    struct principal p;
    struct area area;
    const char *s, *why = "";
    char path[PATH_LEN];
    json_t *items, *it;
    int64_t total, v;
    size_t i;
    bool public_view = false, capped = false;

    memset(&q, 0, sizeof(q));
    api_principal(r, &p);
    q.now = cgtime_now();
    q.page = 1;
    q.per_page = 20;
    if ((s = http_query(r, "page")) && str_to_i64(s, 1, 100000, &v) == CG_OK)
        q.page = (int)v;
    else if (s)
        return http_error(r, 400, "invalid_query",
                          "page must be a whole number from 1");
    if ((s = http_query(r, "per_page")) && str_to_i64(s, 1, 100, &v) == CG_OK)
        q.per_page = (int)v;
    else if (s)
        return http_error(r, 400, "invalid_query",
                          "per_page must be a whole number from 1 to 100");
    if ((s = http_query(r, "state"))) {
        enum case_state st;
        if (case_state_parse(s, &st) != CG_OK || st == ST_NONE)
            return http_error(r, 400, "invalid_query",
                              "state '%.32s' is not a case state", s);
        q.state = case_state_name(st);
    }
    if ((s = http_query(r, "q"))) {
        if (strlen(s) > 200 || str_utf8_len(s, strlen(s)) < 0)
            return http_error(r, 400, "invalid_query",
                              "q must be text of at most 200 bytes");
        /* Those who see others' phone and ID numbers hidden may not find
         * them digit by digit through the search either. */
        if ((r->user.role == ROLE_RESIDENT || r->user.role == ROLE_UNIT) &&
            has_long_number(s))
            return http_error(r, 400, "invalid_query",
                              "searching by a number of four digits or more "
                              "is for intake staff; search by words, or "
                              "open the case by its number");
        q.q = s;
    }
    q.category = http_query(r, "category");
    q.sort = http_query(r, "sort");
    q.overdue_only = (s = http_query(r, "overdue")) && strcmp(s, "1") == 0;
    if ((s = http_query(r, "area"))) {
        if (store_area_get(api_db(r), s, &area) != CG_OK)
            return http_error(r, 404, "not_found", "there is no area %.24s", s);
        str_copy(path, sizeof(path), area.path);
        q.area_path = path;
    }
    s = http_query(r, "scope");
    if (p.role == ROLE_RESIDENT) {
        /* Residents list their own cases, or everyone's anonymised. */
        if (s && strcmp(s, "public") == 0) {
            public_view = true;
            q.public_only = true;
        } else
            q.reporter_id = p.user_id;
    } else if (s && strcmp(s, "mine") == 0) {
        q.reporter_id = p.user_id;
    } else if (p.role == ROLE_UNIT) {
        q.unit_id = p.unit_id;
    } else if (q.area_path) {
        if (!perm_allow(&p, PERM_QUEUE, q.area_path, &why))
            return http_error(r, 403, "forbidden", "%s", why);
    } else {
        q.area_path = p.area_path;
        if (!perm_allow(&p, PERM_QUEUE, q.area_path, &why))
            return http_error(r, 403, "forbidden", "%s", why);
    }
    /* Counting every case of a big list, or of a common word, would take
     * longer than reading the page: the total stops at a cap and says so
     * (docs/api.md). */
    q.count_cap = q.q && *q.q ? LIST_SEARCH_COUNT_CAP : LIST_COUNT_CAP;
    /* New cases join the text indexes in batches: those still waiting
     * are added first, so that a case reported a moment ago is found. */
    if (q.q && *q.q && store_search_settle(api_app(r)->store) != CG_OK)
        return http_error(r, 503, "unavailable",
                          "the search index could not be brought up to "
                          "date; try again");
    if (store_case_list(api_db(r), &q, &items, &total, &capped) != CG_OK)
        return http_error(r, 503, "unavailable",
                          "the list could not be "
                          "read; try again");
    json_array_foreach(items, i, it)
    {
        /* A case this person joined but did not report is someone
         * else's: they see it as anyone does. */
        bool supported =
            q.reporter_id &&
            json_integer_value(json_object_get(json_object_get(it, "reporter"),
                                               "id")) != q.reporter_id;
        json_object_del(it, "reporter");
        json_object_del(it, "route_reason");
        if (p.role == ROLE_RESIDENT) {
            json_object_del(it, "suggestions");
            json_object_del(it, "category_reason");
        }
        if (supported)
            json_object_set_new(it, "supported", json_true());
        if (public_view || supported)
            anonymise(api_db(r), it);
    }
    return http_json(r, 200,
                     json_pack("{s:o, s:I, s:b, s:i, s:i}", "items", items,
                               "total", (json_int_t)total, "total_capped",
                               capped, "page", q.page, "per_page", q.per_page));
}

/*
 * GET /api/v1/categories/suggest?text=...[&title=...]: the three small
 * classes the platform would file a report under, with the reason, before
 * it is sent, so that a resident who is unsure can pick one.
 */
int
api_categories_suggest(struct http_req *r)
{
    const char *text = http_query(r, "text"), *title = http_query(r, "title");
    struct cw_suggest sug;
    json_t *o;

    if (!text || !*text)
        return http_error(r, 400, "invalid_query",
                          "give the description as text=...");
    if (strlen(text) > 16000 || str_utf8_len(text, strlen(text)) < 0 ||
        (title &&
         (strlen(title) > 400 || str_utf8_len(title, strlen(title)) < 0)))
        return http_error(r, 400, "invalid_query",
                          "text must be UTF-8 of at most 4000 characters and "
                          "title of at most 100");
    casework_suggest(api_app(r), title, text, &sug);
    o = casework_suggest_json(&sug);
    json_object_set_new(o, "auto_accept",
                        json_real(casework_auto_accept(api_app(r))));
    /* Cases closed since the model was trained: what the next
     * `civicgrid train --db` would learn from in addition. */
    if (sug.by == CW_SUGGEST_MODEL)
        json_object_set_new(
            o, "closed_since_model",
            json_integer(store_training_new(api_db(r), sug.model_trained_at)));
    return http_json(r, 200, o);
}
