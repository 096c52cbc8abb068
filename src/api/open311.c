/*
 * open311.c - the Open311 GeoReport v2 endpoint under /open311/v2/, so that
 * the apps, tools and other cities' systems that speak it can report cases
 * and read them back (docs/open311.md).
 *
 * Every small class of the catalogue is a service.  A POST of a request is
 * a report by a registered client (`civicgrid client add`), through the
 * same casework_submit every other report takes, on the channel "open311".
 * Reading is open to anyone and shows what the public view shows: no
 * reporter, no address, the place rounded to about 100 m.  Each answer is
 * built once as JSON and written as XML when the path ends in ".xml".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/app.h"
#include "api/casework.h"
#include "api/live.h"
#include "store/gazetteer.h"
#include "auth/auth.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/log.h"
#include "base/str.h"

#define SPEC_URL       "http://wiki.open311.org/GeoReport_v2"
#define DESC_MAX       4000 /* characters, as the spec says */
#define ADDRESS_MAX    200  /* characters */
#define RANGE_MAX      (90 * 86400)
#define PAGE_MAX       1000
#define IDS_MAX        100
#define PHOTOS_MAX     9
#define UPDATES_MAX    1000
#define CHANGESET      "2026-12-04T00:00:00+08:00"
#define NOTICE_DEFAULT "已登记，将按该类问题的处置时限办理。"

enum fmt { FMT_XML, FMT_JSON };

/* A POST's fields: the plain ones by name (first wins), the answers to
 * attributes as {code: "v"} or {code: ["v", ...]}. */
struct form {
    json_t *fields;
    json_t *attrs;
    char bad[80];
};

static enum fmt path_fmt(struct http_req *r);
static int answer(struct http_req *r, int status, json_t *v, const char *root);
static int fail(struct http_req *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int check_jurisdiction(struct http_req *r, const char *given);
static void base_url(struct http_req *r, char *out, size_t outlen);
static int client_of(struct http_req *r, const char *key,
                     struct api_client *out);
static json_t *service_attributes(void);
static int keyword_of(const char *code, const char *name, const char *keywords,
                      void *ctx);
static int read_form(struct http_req *r, struct form *f);
static int form_field(const char *name, const char *value, void *ctx);
static const char *form_str(const struct form *f, const char *name);
static int place_address(struct http_req *r, const char *address, char *code,
                         size_t len);
static int check_affected(struct http_req *r, json_t *answer, char *out,
                          size_t len);
static int check_attrs(struct http_req *r, const struct form *f,
                       struct buf *extra);
static int form_media(struct http_req *r, const char **hashes, char *store,
                      size_t *n);
static json_t *request_json(struct http_req *r, int64_t id, bool ext);
static bool state_closed(const char *state);
static const char *extended_status(const char *state);
static int parse_date(const char *s, int64_t *out);
static int parse_ids(const char *s, int64_t *ids, size_t max, size_t *n);

/* ---- the shape of every answer ------------------------------------------ */

static enum fmt
path_fmt(struct http_req *r)
{
    size_t n = strlen(r->path);

    return n > 5 && strcmp(r->path + n - 5, ".json") == 0 ? FMT_JSON : FMT_XML;
}

/* Answers v (taken over) as JSON, or as XML under the element root. */
static int
answer(struct http_req *r, int status, json_t *v, const char *root)
{
    char *xml;
    size_t len;
    int rc;

    if (!v)
        return fail(r, 500, "the answer could not be built");
    if (path_fmt(r) == FMT_JSON) {
        rc = http_json(r, status, v);
        return rc == CG_OK && status >= 400 ? http_status_err(status) : rc;
    }
    xml = open311_xml(v, root, &len);
    json_decref(v);
    if (!xml)
        return fail(r, 500, "the answer is too large; ask for fewer items");
    http_raw(r, status, "text/xml; charset=utf-8", xml, len);
    free(xml);
    return status >= 400 ? http_status_err(status) : CG_OK;
}

/* The spec's error list with one error; the code is the HTTP status. */
static int
fail(struct http_req *r, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    json_t *v;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    str_utf8_clean(msg);
    if (status >= 500)
        log_error("msg=\"open311 request failed\" status=%d detail=\"%s\"",
                  status, msg);
    v = json_pack("[{s:i, s:s}]", "code", status, "description", msg);
    if (path_fmt(r) == FMT_JSON) {
        http_json(r, status, v);
    } else {
        size_t len;
        char *xml = open311_xml(v, "errors", &len);
        json_decref(v);
        if (!xml)
            CG_FATAL("open311_xml of an error");
        http_raw(r, status, "text/xml; charset=utf-8", xml, len);
        free(xml);
    }
    return http_status_err(status);
}

/* One city per server: jurisdiction_id may be left out, or be the city's
 * code or the setting "open311.jurisdiction_id" (e.g. its web domain). */
static int
check_jurisdiction(struct http_req *r, const char *given)
{
    char own[128];

    if (!given || strcmp(given, api_app(r)->city_code) == 0)
        return CG_OK;
    if (store_setting_get(api_db(r), "open311.jurisdiction_id", own,
                          sizeof(own)) == CG_OK &&
        strcmp(given, own) == 0)
        return CG_OK;
    return fail(r, 404, "jurisdiction_id %.64s is not served here", given);
}

/* "http://HOST" from the Host header, for URLs in answers; a header with
 * anything but host-name characters falls back to the loopback address. */
static void
base_url(struct http_req *r, char *out, size_t outlen)
{
    const char *host = http_header(r, "Host");

    if (!host || !*host || strlen(host) > 200 ||
        host[strspn(host, "abcdefghijklmnopqrstuvwxyz"
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")])
        host = "127.0.0.1";
    str_fmt(out, outlen, "http://%s", host);
}

/* The registered client a key belongs to; answers 403 itself. */
static int
client_of(struct http_req *r, const char *key, struct api_client *out)
{
    char digest[AUTH_DIGEST_LEN];
    int rc;

    if (!key)
        return fail(r, 403,
                    "api_key is required to post; ask the operator "
                    "for one");
    if (strlen(key) >= AUTH_TOKEN_LEN + 8)
        return fail(r, 403, "api_key is not valid");
    auth_token_digest(key, digest);
    rc = store_client_by_key(api_db(r), digest, out);
    if (rc == CG_ENOTFOUND)
        return fail(r, 403, "api_key is not valid");
    if (rc != CG_OK)
        return fail(r, 500, "the client register is not answering");
    return CG_OK;
}

/* Before a post waits for a writer: an api_key that names no client is
 * answered here.  Only the key is looked for; the handler reads the whole
 * form on the writer, checks the key again, and says what is wrong with
 * a form it cannot read. */
int
api_o311_key_check(struct http_req *r)
{
    char key[AUTH_TOKEN_LEN + 16];
    struct api_client client;
    int rc = http_form_value(r, "api_key", key, sizeof(key));

    if (rc == CG_OK)
        return client_of(r, key, &client);
    if (rc == CG_ENOTFOUND)
        return client_of(r, http_query(r, "api_key"), &client);
    if (rc == CG_ETOOBIG)
        return fail(r, 403, "api_key is not valid");
    return CG_OK;
}

/* ---- discovery and services --------------------------------------------- */

int
api_o311_discovery(struct http_req *r)
{
    char base[256], url[320], contact[256];
    json_t *v;

    base_url(r, base, sizeof(base));
    str_fmt(url, sizeof(url), "%s/open311/v2", base);
    if (store_setting_get(api_db(r), "open311.contact", contact,
                          sizeof(contact)) != CG_OK)
        str_copy(contact, sizeof(contact),
                 "The city's grid governance centre (网格化服务管理中心)");
    v = json_pack(
        "{s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:[s, s]}], s:i, s:s}",
        "changeset", CHANGESET, "contact", contact, "key_service",
        "The operator registers a client with `civicgrid client add NAME` "
        "and gives it the api_key printed.",
        "endpoints", "specification", SPEC_URL, "url", url, "changeset",
        CHANGESET, "type", "production", "formats", "text/xml",
        "application/json", "max_requests", PAGE_MAX, "notes",
        "Every service is realtime: POST requests answers the "
        "service_request_id at once, so GET tokens always answers 404.");
    return answer(r, 200, v, "discovery");
}

/* Who an answer to the "affected" question can name, with the words the
 * intake staff read. */
static const struct {
    const char *key, *name, *zh;
} affected[] = {
    {"residents", "居民 (residents)", "居民"},
    {"pedestrians", "行人 (pedestrians)", "行人"},
    {"vehicles", "车辆 (vehicles)", "车辆"},
    {"elderly_children", "老人或儿童 (the elderly or children)", "老人或儿童"},
    {"shops", "商户 (shops)", "商户"},
};

#define N_AFFECTED (sizeof(affected) / sizeof(affected[0]))

/* The questions every service asks: how urgent it is (required, so a
 * hazard is never filed as routine), who is affected (any of a list) and
 * anything else to add.  The answers are added to the case's description
 * for the people who take it in; they decide the level. */
static json_t *
service_attributes(void)
{
    json_t *v, *values = json_array();
    size_t i;

    for (i = 0; i < N_AFFECTED; i++)
        json_array_append_new(values,
                              json_pack("{s:s, s:s}", "key", affected[i].key,
                                        "name", affected[i].name));
    v = json_pack(
        "[{s:b, s:s, s:s, s:s, s:b, s:s, s:i, s:[{s:s, s:s}, {s:s, s:s}]},"
        " {s:b, s:s, s:s, s:s, s:b, s:s, s:i, s:o},"
        " {s:b, s:s, s:s, s:s, s:b, s:s, s:i}]",
        "variable", 1, "code", "urgency", "datatype", "singlevaluelist",
        "datatype_description", "", "required", 1, "description",
        "紧急程度 (urgency): is anyone in danger now?", "order", 1, "values",
        "key", "normal", "name", "一般 (normal)", "key", "urgent", "name",
        "紧急：有安全隐患 (urgent: a safety hazard)", "variable", 1, "code",
        "affected", "datatype", "multivaluelist", "datatype_description",
        "Any of the values, each once.", "required", 0, "description",
        "受影响的人 (who is affected)", "order", 2, "values", values,
        "variable", 1, "code", "details", "datatype", "text",
        "datatype_description", "At most 2000 characters.", "required", 0,
        "description", "补充说明 (further details)", "order", 3);
    return v;
}

struct kw_ctx {
    json_t *map;
};

static int
keyword_of(const char *code, const char *name, const char *keywords, void *ctx)
{
    struct kw_ctx *k = ctx;

    (void)name;
    if (keywords)
        json_object_set_new(k->map, code, json_string(keywords));
    return 0;
}

int
api_o311_services(struct http_req *r)
{
    json_t *tree, *out, *big, *small;
    struct kw_ctx kw;
    size_t i, j;
    int rc;

    if ((rc = check_jurisdiction(r, http_query(r, "jurisdiction_id"))) != 0)
        return rc;
    tree = store_category_tree(api_db(r));
    kw.map = json_object();
    store_keyclasses(api_db(r), keyword_of, &kw);
    out = json_array();
    json_array_foreach(tree, i, big)
    {
        json_array_foreach(json_object_get(big, "children"), j, small)
        {
            const char *code =
                json_string_value(json_object_get(small, "code"));
            const char *cond =
                json_string_value(json_object_get(small, "file_condition"));
            const char *en =
                json_string_value(json_object_get(small, "name_en"));
            const char *keys = json_string_value(json_object_get(kw.map, code));
            json_t *s = json_pack(
                "{s:s, s:O, s:s, s:b, s:s, s:s, s:O}", "service_code", code,
                "service_name", json_object_get(small, "name"), "description",
                cond && *cond ? cond : (en && *en ? en : ""), "metadata", 1,
                "type", "realtime", "keywords", keys ? keys : "", "group",
                json_object_get(big, "name"));
            if (s && en && *en)
                json_object_set_new(s, "service_name_en", json_string(en));
            if (s)
                json_array_append_new(out, s);
        }
    }
    json_decref(tree);
    json_decref(kw.map);
    return answer(r, 200, out, "services");
}

/* The last segment of the path without its format suffix, as written:
 * "06010" keeps its leading zero.  The router has checked its characters. */
/* The first max characters (code points) of UTF-8 text, as JSON. */
static json_t *
first_chars(const char *s, size_t max)
{
    size_t i = 0, n = 0;

    if (!s)
        return json_string("");
    while (s[i] && n < max) {
        i++;
        while (((unsigned char)s[i] & 0xc0) == 0x80)
            i++;
        n++;
    }
    return json_stringn(s, i);
}

static void
path_name(struct http_req *r, char *out, size_t outlen)
{
    const char *slash = strrchr(r->path, '/');
    size_t n = slash ? strcspn(slash + 1, ".") : 0;

    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, slash ? slash + 1 : "", n);
    out[n] = '\0';
}

int
api_o311_service(struct http_req *r)
{
    struct category k;
    char code[72];
    int rc;

    if ((rc = check_jurisdiction(r, http_query(r, "jurisdiction_id"))) != 0)
        return rc;
    path_name(r, code, sizeof(code));
    if (store_category_get(api_db(r), code, &k) != CG_OK || !k.parent[0])
        return fail(r, 404, "there is no service %s; see services.xml", code);
    return answer(r, 200,
                  json_pack("{s:s, s:o}", "service_code", k.code, "attributes",
                            service_attributes()),
                  "service_definition");
}

/* ---- reading a POST ------------------------------------------------------ */

static int
form_field(const char *name, const char *value, void *ctx)
{
    struct form *f = ctx;
    json_t *v;

    /* An empty field is the same as an absent one. */
    if (!*value)
        return 0;
    v = json_string(value);
    if (!v) {
        str_fmt(f->bad, sizeof(f->bad), "%.60s is not UTF-8 text", name);
        return 1;
    }
    if (str_has_prefix(name, "attribute[")) {
        const char *code = name + 10;
        size_t n = strcspn(code, "]");
        char key[64];
        bool multi = strcmp(code + n, "][]") == 0;

        if (n == 0 || n >= sizeof(key) || (!multi && strcmp(code + n, "]"))) {
            json_decref(v);
            str_fmt(f->bad, sizeof(f->bad), "%.60s is not attribute[CODE]",
                    name);
            return 1;
        }
        memcpy(key, code, n);
        key[n] = '\0';
        if (multi) {
            json_t *arr = json_object_get(f->attrs, key);
            if (!json_is_array(arr)) {
                arr = json_array();
                json_object_set_new(f->attrs, key, arr);
            }
            json_array_append_new(arr, v);
        } else if (!json_object_get(f->attrs, key)) {
            json_object_set_new(f->attrs, key, v);
        } else {
            json_decref(v);
        }
        return 0;
    }
    if (!json_object_get(f->fields, name))
        json_object_set_new(f->fields, name, v);
    else
        json_decref(v);
    return 0;
}

/* Reads a urlencoded or multipart body into f; answers 400 itself. */
static int
read_form(struct http_req *r, struct form *f)
{
    int rc;

    f->fields = json_object();
    f->attrs = json_object();
    f->bad[0] = '\0';
    rc = http_form_each(r, form_field, f);
    if (rc == CG_EINVAL)
        return fail(r, 400, "the form body has a malformed %%-escape");
    if (rc != CG_OK)
        return fail(r, 400, "%s", f->bad);
    return CG_OK;
}

/* A plain field of the form; NULL when absent or empty. */
static const char *
form_str(const struct form *f, const char *name)
{
    return json_string_value(json_object_get(f->fields, name));
}

/* Checks the answer to "affected": one value or a list, each a key of the
 * list and none twice; writes their Chinese words, joined by "、", into
 * out.  Answers the failure itself. */
static int
check_affected(struct http_req *r, json_t *answer, char *out, size_t len)
{
    json_t *one;
    size_t i, k, n = json_is_array(answer) ? json_array_size(answer) : 1;
    bool seen[N_AFFECTED] = {false};
    struct buf b;
    int rc = CG_OK;

    buf_init(&b, len - 1);
    for (i = 0; i < n && rc == CG_OK; i++) {
        one = json_is_array(answer) ? json_array_get(answer, i) : answer;
        for (k = 0; k < N_AFFECTED; k++)
            if (json_is_string(one) &&
                strcmp(json_string_value(one), affected[k].key) == 0)
                break;
        if (k == N_AFFECTED)
            rc = fail(r, 400,
                      "attribute[affected] takes residents, pedestrians, "
                      "vehicles, elderly_children or shops");
        else if (seen[k])
            rc = fail(r, 400, "attribute[affected] names %s twice",
                      affected[k].key);
        else {
            seen[k] = true;
            buf_printf(&b, "%s%s", b.len ? "、" : "", affected[k].zh);
        }
    }
    if (rc == CG_OK)
        str_copy(out, len, b.len ? b.data : "");
    buf_free(&b);
    return rc;
}

/* Checks the answers to the service's attributes and writes them, as
 * lines for the case's description, into extra.  Unknown attributes are
 * kept (as the spec's adapters do) but only logged. */
static int
check_attrs(struct http_req *r, const struct form *f, struct buf *extra)
{
    json_t *urg = json_object_get(f->attrs, "urgency");
    json_t *det = json_object_get(f->attrs, "details");
    json_t *aff = json_object_get(f->attrs, "affected");
    char who[160] = "";
    const char *key;
    json_t *v;

    if (!urg)
        return fail(r, 400,
                    "attribute[urgency] is required: normal or "
                    "urgent");
    if (!json_is_string(urg) ||
        (strcmp(json_string_value(urg), "normal") != 0 &&
         strcmp(json_string_value(urg), "urgent") != 0))
        return fail(r, 400, "attribute[urgency] must be normal or urgent");
    if (det && (!json_is_string(det) ||
                str_utf8_len(json_string_value(det),
                             strlen(json_string_value(det))) > 2000))
        return fail(r, 400,
                    "attribute[details] must be one text of at most "
                    "2000 characters");
    json_object_foreach(f->attrs, key, v)
    {
        if (strcmp(key, "urgency") != 0 && strcmp(key, "details") != 0 &&
            strcmp(key, "affected") != 0)
            log_warn("msg=\"open311 attribute not defined; kept\" code=%.64s",
                     key);
    }
    if (aff && check_affected(r, aff, who, sizeof(who)) != CG_OK)
        return CG_EINVAL;
    buf_printf(extra, "\n紧急程度：%s",
               strcmp(json_string_value(urg), "urgent") == 0
                   ? "紧急（有安全隐患）"
                   : "一般");
    if (who[0])
        buf_printf(extra, "\n受影响：%s", who);
    if (det)
        buf_printf(extra, "\n补充说明：%s", json_string_value(det));
    return CG_OK;
}

/* Runs the uploaded files of a multipart POST ("media", or FixMyStreet's
 * "photo1".."photoN") through the photo pipeline; fills hashes[0 .. *n)
 * pointing into store (65 bytes each).  Answers the failure itself. */
static int
form_media(struct http_req *r, const char **hashes, char *store, size_t *n)
{
    struct app *a = api_app(r);
    struct photo_info info;
    char err[256];
    int i, rc;

    *n = 0;
    for (i = 0; i < r->nparts; i++) {
        const struct multipart_part *p = &r->parts[i];
        if (p->len == 0 || (strcmp(p->name, "media") != 0 &&
                            !str_has_prefix(p->name, "photo")))
            continue;
        if (*n == PHOTOS_MAX)
            return fail(r, 400, "at most %d photos per request", PHOTOS_MAX);
        rc = photo_ingest(p->data, p->len, &a->photo, a->blob_dir, &info, err,
                          sizeof(err));
        if (rc != CG_OK)
            return fail(r, rc == CG_ERR ? 500 : 400, "media: %s", err);
        if (store_photo_put(api_db(r), info.hash, info.width, info.height,
                            (int64_t)info.bytes, info.source_type, 0) != CG_OK)
            return fail(r, 500, "the photo could not be recorded");
        memcpy(store + *n * 65, info.hash, 65);
        hashes[*n] = store + *n * 65;
        (*n)++;
    }
    return CG_OK;
}

/* ---- POST requests ------------------------------------------------------- */

/* An address given only in words is placed on the area it names, as finely
 * as its words allow: "回民区锦绣苑社区" lands on that community, without a
 * point.  The case keeps the words as its address, so the people who take
 * it in see exactly what the client sent. */
static int
place_address(struct http_req *r, const char *address, char *code, size_t len)
{
    int rc = store_area_by_text(api_db(r), address, code, len);

    if (rc == CG_ENOTFOUND)
        return fail(r, 400,
                    "address_string names no district, street, community "
                    "or grid of this city by its full name (as 回民区, "
                    "海拉尔东路街道, 锦绣苑社区第3网格): give one, or lat and "
                    "long, or address_id (an area code)");
    if (rc == CG_ECONFLICT)
        return fail(r, 400,
                    "address_string fits several areas of this city: name "
                    "the street or community too, or give lat and long");
    if (rc != CG_OK)
        return fail(r, 500, "the address could not be looked up");
    return CG_OK;
}

int
api_o311_request_post(struct http_req *r)
{
    const char *photos[PHOTOS_MAX], *code, *desc, *lat_s, *lon_s, *s;
    char hashes[PHOTOS_MAX * 65], name[256] = "", due[CGTIME_LEN];
    char notice[320], placed[CODE_LEN];
    struct form f = {NULL, NULL, ""};
    struct api_client client;
    struct open311_extra x;
    struct cw_report rep;
    struct cw_actor who;
    struct cw_error err;
    struct category k;
    struct case_row row;
    struct buf text;
    char *attrs = NULL;
    size_t nphotos = 0;
    int64_t id = 0;
    int rc;

    buf_init(&text, 64 * 1024);
    memset(&err, 0, sizeof(err));
    if ((rc = read_form(r, &f)) != CG_OK)
        goto out;
    s = form_str(&f, "api_key") ? form_str(&f, "api_key")
                                : http_query(r, "api_key");
    if ((rc = client_of(r, s, &client)) != CG_OK)
        goto out;
    if ((rc = check_jurisdiction(r, form_str(&f, "jurisdiction_id"))) != 0)
        goto out;
    code = form_str(&f, "service_code");
    if (!code) {
        rc = fail(r, 400, "service_code is required");
        goto out;
    }
    if (store_category_get(api_db(r), code, &k) != CG_OK || !k.parent[0]) {
        rc = fail(r, 404, "there is no service %.16s; see services.xml", code);
        goto out;
    }
    desc = form_str(&f, "description");
    if (desc && str_utf8_len(desc, strlen(desc)) > DESC_MAX) {
        rc = fail(r, 400, "description has more than %d characters", DESC_MAX);
        goto out;
    }
    s = form_str(&f, "address_string");
    if (s && str_utf8_len(s, strlen(s)) > ADDRESS_MAX) {
        rc = fail(r, 400, "address_string has more than %d characters",
                  ADDRESS_MAX);
        goto out;
    }
    memset(&rep, 0, sizeof(rep));
    lat_s = form_str(&f, "lat");
    lon_s = form_str(&f, "long");
    if (lat_s || lon_s) {
        if (!lat_s || !lon_s || str_to_double(lat_s, &rep.lat) != CG_OK ||
            str_to_double(lon_s, &rep.lon) != CG_OK || rep.lat < -90 ||
            rep.lat > 90 || rep.lon < -180 || rep.lon > 180) {
            rc = fail(r, 400, "lat and long must both be WGS-84 degrees");
            goto out;
        }
        rep.has_point = true;
        rep.crs = GEO_WGS84;
    } else if (form_str(&f, "address_id")) {
        rep.area_code = form_str(&f, "address_id");
    } else if ((s = form_str(&f, "address_string"))) {
        if ((rc = place_address(r, s, placed, sizeof(placed))) != CG_OK)
            goto out;
        rep.area_code = placed;
    } else {
        rc = fail(r, 400,
                  "a location is required: lat and long, "
                  "address_id (an area code) or address_string");
        goto out;
    }
    /* The description keeps what the client wrote; the answers to the
     * attributes follow it. */
    buf_puts(&text, desc ? desc : k.name);
    if ((rc = check_attrs(r, &f, &text)) != CG_OK)
        goto out;
    rep.address = form_str(&f, "address_string");
    if (form_str(&f, "first_name") || form_str(&f, "last_name")) {
        const char *first = form_str(&f, "first_name");
        const char *last = form_str(&f, "last_name");
        /* Chinese names put the family name first, without a space. */
        bool cjk = (first && (unsigned char)first[0] >= 0x80) ||
                   (last && (unsigned char)last[0] >= 0x80);
        const char *a = cjk ? last : first, *b = cjk ? first : last;
        if (str_fmt(name, sizeof(name), "%s%s%s", a ? a : "",
                    a && b && !cjk ? " " : "", b ? b : "") != CG_OK) {
            rc = fail(r, 400, "the name may have 50 characters");
            goto out;
        }
    }
    if (str_utf8_len(name, strlen(name)) > 50 ||
        ((s = form_str(&f, "phone")) && strlen(s) > 20)) {
        rc = fail(r, 400, "the name may have 50 characters, the phone 20");
        goto out;
    }
    if ((rc = form_media(r, photos, hashes, &nphotos)) != CG_OK)
        goto out;
    rep.description = text.data;
    rep.category = k.code;
    rep.channel = "open311";
    rep.reporter_name = name[0] ? name : client.name;
    rep.reporter_phone = form_str(&f, "phone");
    rep.photos = photos;
    rep.nphotos = nphotos;
    memset(&who, 0, sizeof(who));
    who.p.role = ROLE_RESIDENT;
    attrs = json_dumps(f.attrs, JSON_COMPACT);
    memset(&x, 0, sizeof(x));
    x.account_id = form_str(&f, "account_id");
    x.device_id = form_str(&f, "device_id");
    x.email = form_str(&f, "email");
    x.media_url = form_str(&f, "media_url");
    x.attributes = attrs;
    if ((x.account_id && strlen(x.account_id) > 200) ||
        (x.device_id && strlen(x.device_id) > 200) ||
        (x.email && strlen(x.email) > 200) ||
        (x.media_url && strlen(x.media_url) > 2000)) {
        rc = fail(r, 400,
                  "account_id, device_id and email may have 200 "
                  "bytes, media_url 2000");
        goto out;
    }
    if (db_begin(api_db(r)) != CG_OK) {
        rc = fail(r, 503, "the database is busy; try again");
        goto out;
    }
    rc = casework_submit(api_app(r), &who, &rep, &id, &err);
    if (rc == CG_OK)
        rc = store_open311_put(api_db(r), id, client.id, &x);
    else
        log_info("msg=\"open311 report refused\" client=%lld code=%s",
                 (long long)client.id, err.code);
    if (rc == CG_OK && (rc = db_commit(api_db(r))) == CG_OK)
        live_case_changed(api_app(r)->live, api_db(r), id);
    else if (rc != CG_OK)
        db_rollback(api_db(r));
    if (rc != CG_OK) {
        if (err.status)
            rc = fail(r,
                      err.status >= 500   ? 500
                      : err.status == 404 ? 404
                                          : 400,
                      "%s", err.message);
        else
            rc = fail(r, 500, "the request could not be stored");
        goto out;
    }
    due[0] = '\0';
    if (store_case_get(api_db(r), id, &row) == CG_OK && row.due_at)
        cgtime_display(row.due_at, due);
    if (due[0])
        str_fmt(notice, sizeof(notice), "已登记，将于 %s 前办结。", due);
    else
        str_copy(notice, sizeof(notice), NOTICE_DEFAULT);
    {
        char sid[24];
        json_t *item;
        str_fmt(sid, sizeof(sid), "%lld", (long long)id);
        item = json_pack("{s:s, s:s}", "service_request_id", sid,
                         "service_notice", notice);
        if (item && x.account_id)
            json_object_set_new(item, "account_id", json_string(x.account_id));
        rc = answer(r, 200, json_pack("[o]", item), "service_requests");
    }
out:
    free(attrs);
    json_decref(f.fields);
    json_decref(f.attrs);
    buf_free(&text);
    return rc;
}

/* ---- reading requests ---------------------------------------------------- */

static bool
state_closed(const char *state)
{
    return strcmp(state, "closed") == 0 || strcmp(state, "rejected") == 0 ||
           strcmp(state, "withdrawn") == 0 || strcmp(state, "merged") == 0;
}

/* The lower-case extended status of the updates extension. */
static const char *
extended_status(const char *state)
{
    static const struct {
        const char *state, *status;
    } map[] = {
        {"submitted", "open"},
        {"filed", "investigating"},
        {"dispatched", "action_scheduled"},
        {"handling", "in_progress"},
        {"extension_pending", "in_progress"},
        {"handled", "in_progress"},
        {"closed", "fixed"},
        {"rejected", "no_further_action"},
        {"withdrawn", "cancelled"},
        {"suspended", "planned"},
        {"merged", "duplicate"},
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].state, state) == 0)
            return map[i].status;
    return "open";
}

/*
 * One case as a GeoReport request, from its public view: the grid it is
 * in stands for the address, the point is rounded, no reporter.  With ext,
 * the extensions' extended_attributes (civicgrid's own state, its Chinese
 * label, the due date, the unit, the channel, the photos) and notes (the
 * history).  NULL when there is no such case.
 */
static json_t *
request_json(struct http_req *r, int64_t id, bool ext)
{
    struct db *db = api_db(r);
    json_t *c, *o, *loc, *ev, *notes, *photos;
    const char *state, *thumb, *action = NULL;
    char sid[24], base[256], media[2200] = "", note[2048] = "";
    char expl[2048] = "";
    size_t i;

    c = store_case_json(db, id);
    if (!c)
        return NULL;
    state = json_string_value(json_object_get(c, "state"));
    if (!state || strcmp(state, "none") == 0) {
        json_decref(c);
        return NULL;
    }
    api_case_anonymise(db, c);
    base_url(r, base, sizeof(base));
    thumb = json_string_value(json_object_get(c, "thumb_url"));
    /* "/photos/HASH.thumb.jpg" -> the full photo. */
    if (thumb && strlen(thumb) == 8 + 64 + 10)
        str_fmt(media, sizeof(media), "%s/photos/%.64s.jpg", base, thumb + 8);
    else
        store_open311_media_url(db, id, media, sizeof(media));
    if (strcmp(state, "rejected") == 0)
        action = "reject";
    else if (strcmp(state, "withdrawn") == 0)
        action = "withdraw";
    if (action)
        store_case_last_note(db, id, action, expl, sizeof(expl));
    else if (strcmp(state, "merged") == 0 && json_object_get(c, "parent_id"))
        str_fmt(expl, sizeof(expl), "已合并到工单 %lld",
                (long long)json_integer_value(json_object_get(c, "parent_id")));
    store_case_last_note(db, id, "handle", note, sizeof(note));
    perm_mask_text(expl);
    perm_mask_text(note);
    str_fmt(sid, sizeof(sid), "%lld", (long long)id);
    loc = json_object_get(c, "location");
    /* The spec allows 4,000 characters; the case may hold more once the
     * answers to the attributes follow the client's text. */
    json_object_set_new(
        c, "description",
        first_chars(json_string_value(json_object_get(c, "description")),
                    DESC_MAX));
    o = json_pack(
        "{s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:s?, s:O, s:O, s:O, s:O,"
        " s:O, s:s, s:O, s:O, s:s}",
        "service_request_id", sid, "status",
        state_closed(state) ? "closed" : "open", "status_notes",
        expl[0] ? expl : note, "service_name",
        json_object_get(json_object_get(c, "category"), "name"), "service_code",
        json_object_get(json_object_get(c, "category"), "code"), "description",
        json_object_get(c, "description"), "agency_responsible",
        json_object_get(c, "unit") ? json_object_get(c, "unit") : json_null(),
        "service_notice", NULL, "requested_datetime",
        json_object_get(c, "reported_at"), "updated_datetime",
        json_object_get(c, "updated_at"), "expected_datetime",
        json_object_get(c, "due_at"), "address",
        json_object_get(json_object_get(c, "area"), "name"), "address_id",
        json_object_get(json_object_get(c, "area"), "code"), "zipcode", "",
        "lat", loc ? json_object_get(loc, "lat") : json_null(), "long",
        loc ? json_object_get(loc, "lon") : json_null(), "media_url", media);
    if (o && ext) {
        json_t *ea;
        if (strcmp(state, "closed") == 0 && json_object_get(c, "closed_at"))
            json_object_set(o, "updated_datetime",
                            json_object_get(c, "closed_at"));
        photos = json_array();
        if (media[0])
            json_array_append_new(photos,
                                  json_pack("{s:s}", "media_url", media));
        ea = json_pack("{s:O, s:O, s:s, s:O, s:O, s:O, s:O, s:O, s:o}", "state",
                       json_object_get(c, "state"), "state_label",
                       json_object_get(c, "state_label"), "state_explanation",
                       expl, "due", json_object_get(c, "due_at"), "agency",
                       json_object_get(c, "unit") ? json_object_get(c, "unit")
                                                  : json_null(),
                       "channel", json_object_get(c, "channel"), "level",
                       json_object_get(c, "level"), "overdue",
                       json_object_get(c, "overdue"), "photos", photos);
        if (ea)
            json_object_set_new(o, "extended_attributes", ea);
        notes = json_array();
        ev = store_case_events(db, id);
        api_events_mask(ev);
        for (i = 0; i < json_array_size(ev); i++) {
            json_t *e = json_array_get(ev, i);
            const char *act = json_string_value(json_object_get(e, "action"));
            const char *to = json_string_value(json_object_get(e, "to"));
            json_t *n =
                json_pack("{s:O, s:O, s:s, s:O, s:{s:s, s:O}}", "datetime",
                          json_object_get(e, "at"), "description",
                          json_is_string(json_object_get(e, "note"))
                              ? json_object_get(e, "note")
                              : json_object_get(e, "action_label"),
                          "type",
                          act && strcmp(act, "submit") == 0 ? "submitted"
                          : to && state_closed(to)          ? "closed"
                                                            : "activity",
                          "summary", json_object_get(e, "action_label"),
                          "extended_attributes", "action", act ? act : "",
                          "state", json_object_get(e, "to"));
            if (n)
                json_array_append_new(notes, n);
        }
        json_decref(ev);
        json_object_set_new(o, "notes", notes);
    }
    json_decref(c);
    return o;
}

/* A W3C date-time: YYYY-MM-DDThh:mm:ss with its offset or Z, which the
 * spec makes mandatory; a time without one would be read in some zone the
 * client did not mean. */
static int
parse_date(const char *s, int64_t *out)
{
    size_t n = strlen(s);

    if (n < 20 || s[10] != 'T' ||
        (s[n - 1] != 'Z' && s[n - 6] != '+' && s[n - 6] != '-'))
        return CG_EINVAL;
    return cgtime_parse(s, 0, out);
}

/* A comma-separated list of positive ids; CG_EINVAL or CG_ETOOBIG. */
static int
parse_ids(const char *s, int64_t *ids, size_t max, size_t *n)
{
    char one[24];

    *n = 0;
    while (*s) {
        size_t k = strcspn(s, ",");
        if (k) {
            if (*n == max)
                return CG_ETOOBIG;
            if (k >= sizeof(one))
                return CG_EINVAL;
            memcpy(one, s, k);
            one[k] = '\0';
            if (str_to_i64(one, 1, INT64_MAX, &ids[*n]) != CG_OK)
                return CG_EINVAL;
            (*n)++;
        }
        s += k + (s[k] == ',');
    }
    return CG_OK;
}

int
api_o311_requests(struct http_req *r)
{
    const char *codes[OPEN311_MAX_CODES], *s;
    char codebuf[OPEN311_MAX_CODES * 17];
    struct open311_query q;
    int64_t *ids = NULL, now = cgtime_now(), v;
    bool ext = (s = http_query(r, "extensions")) && strcmp(s, "true") == 0;
    size_t n = 0, i, used = 0;
    json_t *out;
    int rc;

    if ((rc = check_jurisdiction(r, http_query(r, "jurisdiction_id"))) != 0)
        return rc;
    ids = calloc(PAGE_MAX, sizeof(*ids));
    if (!ids)
        CG_FATAL("calloc");
    /* service_request_id overrides every other argument. */
    if ((s = http_query(r, "service_request_id"))) {
        rc = parse_ids(s, ids, IDS_MAX, &n);
        if (rc != CG_OK) {
            rc = fail(r, 400,
                      "service_request_id must be at most %d ids "
                      "separated by commas",
                      IDS_MAX);
            goto done;
        }
        goto answer_ids;
    }
    memset(&q, 0, sizeof(q));
    q.status = -1;
    q.to = now;
    if ((s = http_query(r, "end_date")) && parse_date(s, &q.to) != CG_OK) {
        rc = fail(r, 400,
                  "end_date must be a W3C date-time such as "
                  "2026-03-01T13:46:00+08:00");
        goto done;
    }
    q.from = q.to - RANGE_MAX;
    if ((s = http_query(r, "start_date")) && parse_date(s, &q.from) != CG_OK) {
        rc = fail(r, 400,
                  "start_date must be a W3C date-time such as "
                  "2026-03-01T13:46:00+08:00");
        goto done;
    }
    if (s && !http_query(r, "end_date") && q.from + RANGE_MAX < now)
        q.to = q.from + RANGE_MAX;
    if (q.to < q.from || q.to - q.from > RANGE_MAX) {
        rc = fail(r, 400, "start_date to end_date may span at most 90 days");
        goto done;
    }
    if (((s = http_query(r, "updated_after")) &&
         parse_date(s, &q.updated_after) != CG_OK) ||
        ((s = http_query(r, "updated_before")) &&
         parse_date(s, &q.updated_before) != CG_OK)) {
        rc = fail(r, 400,
                  "updated_after and updated_before must be W3C "
                  "date-times");
        goto done;
    }
    if ((s = http_query(r, "status"))) {
        bool open = strstr(s, "open") != NULL, closed = strstr(s, "closed");
        if (strspn(s, "openclosed,") != strlen(s) || (!open && !closed)) {
            rc = fail(r, 400, "status must be open, closed or both");
            goto done;
        }
        q.status = open && closed ? -1 : open ? 0 : 1;
    }
    if ((s = http_query(r, "service_code"))) {
        while (*s) {
            size_t k = strcspn(s, ",");
            if (k && (q.ncodes == OPEN311_MAX_CODES || k > 16)) {
                rc = fail(r, 400, "service_code takes at most %d codes",
                          OPEN311_MAX_CODES);
                goto done;
            }
            if (k) {
                memcpy(codebuf + used, s, k);
                codebuf[used + k] = '\0';
                codes[q.ncodes++] = codebuf + used;
                used += k + 1;
            }
            s += k + (s[k] == ',');
        }
        q.codes = codes;
    }
    q.limit = PAGE_MAX;
    if ((s = http_query(r, "page_size"))) {
        if (str_to_i64(s, 1, PAGE_MAX, &v) != CG_OK) {
            rc = fail(r, 400, "page_size must be 1 to %d", PAGE_MAX);
            goto done;
        }
        q.limit = (int)v;
    }
    if ((s = http_query(r, "page"))) {
        /* Pages count from 1; page 0 is the first, as uReport has it. */
        if (str_to_i64(s, 0, 1000000, &v) != CG_OK) {
            rc = fail(r, 400, "page must be a whole number from 1");
            goto done;
        }
        q.offset = (v > 1 ? v - 1 : 0) * q.limit;
    }
    if (store_open311_query(api_db(r), &q, ids, PAGE_MAX, &n) != CG_OK) {
        rc = fail(r, 500, "the requests could not be read; try again");
        goto done;
    }
answer_ids:
    out = json_array();
    for (i = 0; i < n; i++) {
        json_t *o = request_json(r, ids[i], ext);
        if (o)
            json_array_append_new(out, o);
    }
    rc = answer(r, 200, out, "service_requests");
done:
    free(ids);
    return rc;
}

int
api_o311_request(struct http_req *r)
{
    const char *s = http_query(r, "extensions");
    char name[72];
    int64_t id;
    json_t *o;
    int rc;

    if ((rc = check_jurisdiction(r, http_query(r, "jurisdiction_id"))) != 0)
        return rc;
    path_name(r, name, sizeof(name));
    if (str_to_i64(name, 1, INT64_MAX, &id) != CG_OK ||
        !(o = request_json(r, id, s && strcmp(s, "true") == 0)))
        return fail(r, 404, "there is no request %s", name);
    /* Still a list of one, as the spec has it. */
    return answer(r, 200, json_pack("[o]", o), "service_requests");
}

int
api_o311_token(struct http_req *r)
{
    char name[72];

    path_name(r, name, sizeof(name));
    return fail(r, 404,
                "there is no token %s: every service here is realtime and "
                "POST requests answers the service_request_id at once",
                name);
}

/* ---- the status-updates extension ---------------------------------------- */

int
api_o311_updates(struct http_req *r)
{
    const char *s;
    char base[256];
    int64_t now = cgtime_now(), from, to = now;
    json_t *ev, *out, *e;
    size_t i;
    int rc;

    if ((rc = check_jurisdiction(r, http_query(r, "jurisdiction_id"))) != 0)
        return rc;
    if ((s = http_query(r, "end_date")) && parse_date(s, &to) != CG_OK)
        return fail(r, 400, "end_date must be a W3C date-time");
    from = to - 86400;
    if ((s = http_query(r, "start_date")) && parse_date(s, &from) != CG_OK)
        return fail(r, 400, "start_date must be a W3C date-time");
    if (to < from || to - from > RANGE_MAX)
        return fail(r, 400,
                    "start_date to end_date may span at most 90 "
                    "days");
    base_url(r, base, sizeof(base));
    ev = store_open311_updates(api_db(r), from, to, UPDATES_MAX);
    api_events_mask(ev);
    out = json_array();
    json_array_foreach(ev, i, e)
    {
        const char *state = json_string_value(json_object_get(e, "state"));
        const char *photo = json_string_value(json_object_get(e, "photo"));
        const char *note = json_string_value(json_object_get(e, "note"));
        enum case_action act = ACT_SUBMIT;
        char uid[24], sid[24], at[CGTIME_LEN], media[400] = "";
        json_t *u;
        str_fmt(uid, sizeof(uid), "%lld",
                (long long)json_integer_value(json_object_get(e, "update_id")));
        str_fmt(sid, sizeof(sid), "%lld",
                (long long)json_integer_value(json_object_get(e, "case_id")));
        cgtime_display(json_integer_value(json_object_get(e, "at")), at);
        /* An event without a note is told by its action's name. */
        case_action_parse(json_string_value(json_object_get(e, "action")),
                          &act);
        if (photo)
            str_fmt(media, sizeof(media), "%s/photos/%s.jpg", base, photo);
        u = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "update_id", uid,
                      "service_request_id", sid, "status",
                      extended_status(state ? state : ""), "updated_datetime",
                      at, "description",
                      note ? note : case_action_label_zh(act), "media_url",
                      media, "external_status_code", state ? state : "");
        if (u)
            json_array_append_new(out, u);
    }
    json_decref(ev);
    return answer(r, 200, out, "service_request_updates");
}

/*
 * A client's update to a request.  It is kept in the case's history as a
 * note from an outside system, for the people handling the case to read;
 * the case's state changes only through their own actions, so a status the
 * client sends is required but not applied.  An update_id the
 * client sent before is refused, so a retry cannot add the note twice.
 */
int
api_o311_update_post(struct http_req *r)
{
    static const char *const required[] = {
        "service_request_id", "update_id",   "status",
        "updated_datetime",   "description",
    };
    struct form f = {NULL, NULL, ""};
    struct api_client client;
    struct cw_error err;
    struct db *db = api_db(r);
    const char *s, *desc, *uid;
    char note[4400];
    int64_t id, when;
    size_t i;
    int rc;

    if ((rc = read_form(r, &f)) != CG_OK)
        goto out;
    s = form_str(&f, "api_key") ? form_str(&f, "api_key")
                                : http_query(r, "api_key");
    if ((rc = client_of(r, s, &client)) != CG_OK)
        goto out;
    for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!form_str(&f, required[i])) {
            rc = fail(r, 400, "%s is required", required[i]);
            goto out;
        }
    if (str_to_i64(form_str(&f, "service_request_id"), 1, INT64_MAX, &id) !=
        CG_OK) {
        rc = fail(r, 404, "there is no request %.32s",
                  form_str(&f, "service_request_id"));
        goto out;
    }
    uid = form_str(&f, "update_id");
    desc = form_str(&f, "description");
    if (strlen(uid) > 64) {
        rc = fail(r, 400, "update_id has more than 64 characters");
        goto out;
    }
    if (str_utf8_len(desc, strlen(desc)) > DESC_MAX) {
        rc = fail(r, 400, "description has more than %d characters", DESC_MAX);
        goto out;
    }
    if (parse_date(form_str(&f, "updated_datetime"), &when) != CG_OK) {
        rc = fail(r, 400,
                  "updated_datetime must be a date-time with its "
                  "time zone, e.g. 2026-03-01T13:46:00+08:00");
        goto out;
    }
    /* The client's text as it wrote it; the event's action says where it
     * came from. */
    str_copy(note, sizeof(note), desc);
    if (db_begin(db) != CG_OK) {
        rc = fail(r, 503, "the database is busy; try again");
        goto out;
    }
    rc = store_open311_update_put(db, client.id, uid, id);
    if (rc == CG_ECONFLICT) {
        db_rollback(db);
        rc = fail(r, 400, "update_id %s was posted before", uid);
        goto out;
    }
    if (rc == CG_OK &&
        (rc = casework_outside_note(api_app(r), id, note, &err)) != CG_OK) {
        db_rollback(db);
        rc = fail(r, err.status == 404 ? 404 : 400, "%s", err.message);
        goto out;
    }
    if (rc != CG_OK || db_commit(db) != CG_OK) {
        db_rollback(db);
        rc = fail(r, 500, "the update could not be stored");
        goto out;
    }
    live_case_changed(api_app(r)->live, db, id);
    rc = answer(r, 200,
                json_pack("[{s:s, s:n}]", "update_id", uid, "account_id"),
                "service_request_updates");
out:
    json_decref(f.fields);
    json_decref(f.attrs);
    return rc;
}
