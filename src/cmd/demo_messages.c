/*
 * demo_messages.c - real citizen messages from a public "ask the
 * government" board, filed as cases in the demo district.
 *
 * messages-train.csv (id, subject, time, detail, category) stays open:
 * filed, most of it dispatched.  The board never answered them, and at
 * their own dates (2011-2020) every one would be years overdue, which is
 * not what a working queue looks like: they come in over the demo's last
 * fortnight instead, each at a moment drawn from its id.  replies.csv
 * (id, subject, time, detail, reply, reply_time) was answered: each is
 * accepted, dispatched, signed for, handled with the government's reply
 * as the note, and closed, all by its real reply time.  The board's
 * city and districts are anonymised, so the messages are spread over the
 * grids of 回民区 by their id.  Both are replayed as trusted history: the
 * steps need no photos.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"
#include "cmd/demo_city.h"

#define MAX_CSV       (64u * 1024 * 1024)
#define MAX_FIELDS    16
#define MAX_CHARS     4000
#define HOTLINE_CLASS "20"
#define DEFAULT_CLASS "20801"          /* 城乡建设 */
#define RECENT_SPAN   (14 * 24 * 3600) /* when the open messages came in */
#define RECENT_MIN    (4 * 3600)       /* and at least this long ago */

enum col {
    C_ID,
    C_SUBJECT,
    C_TIME,
    C_DETAIL,
    C_CATEGORY,
    C_REPLY,
    C_REPLY_TIME,
    C__COUNT
};

struct msg_file {
    const char *name;
    const char *ref_prefix;
    bool replied;
};

struct keyword {
    const char *word;
    const char *category;
};

static int find_columns(char **f, size_t n, int col[C__COUNT]);
static bool fields_present(const int col[C__COUNT], size_t n);
static int parse_time(const char *s, int64_t *out);
static void clip_utf8(char *s, long max_chars);
static const char *class_by_name(const json_t *tree, const char *name);
static const char *class_by_keyword(const char *subject, const char *detail);
static int import_message(struct demo *d, const json_t *tree,
                          const struct msg_file *mf, char **f,
                          const int col[C__COUNT], const size_t *grids,
                          size_t ngrids);
static int import_file(struct demo *d, const json_t *tree,
                       const struct msg_file *mf, const char *path,
                       const size_t *grids, size_t ngrids, int *count);

static const char *const col_names[C__COUNT] = {
    "id", "subject", "time", "detail", "category", "reply", "reply_time",
};

static const struct msg_file files[] = {
    {"messages-train.csv", "msg", false},
    {"replies.csv", "reply", true},
};

/* replies.csv carries no category.  The first word of this list found in
 * the subject, or else in the detail, picks the class; a message none of
 * them matches is filed under 城乡建设, the largest class of the board
 * (housing, property management, roads and construction). */
static const struct keyword keywords[] = {
    {"学校", "20814"},     {"幼儿园", "20814"}, {"学生", "20814"},
    {"教师", "20814"},     {"社保", "20815"},   {"工资", "20815"},
    {"养老保险", "20815"}, {"医保", "20815"},   {"就业", "20815"},
    {"医院", "20812"},     {"疫苗", "20812"},   {"公交", "20806"},
    {"出租车", "20806"},   {"地铁", "20806"},   {"高速", "20806"},
    {"污染", "20804"},     {"噪音", "20804"},   {"排放", "20804"},
    {"景区", "20811"},     {"商户", "20811"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
find_columns(char **f, size_t n, int col[C__COUNT])
{
    size_t i;
    int c;

    for (c = 0; c < C__COUNT; c++) {
        col[c] = -1;
        for (i = 0; i < n; i++)
            if (strcmp(f[i], col_names[c]) == 0)
                col[c] = (int)i;
    }
    return col[C_ID] >= 0 && col[C_SUBJECT] >= 0 && col[C_TIME] >= 0 &&
                   col[C_DETAIL] >= 0
               ? CG_OK
               : CG_EINVAL;
}

/* Whether a record of n fields has every column the header named. */
static bool
fields_present(const int col[C__COUNT], size_t n)
{
    int c;

    for (c = 0; c < C__COUNT; c++)
        if (col[c] >= 0 && (size_t)col[c] >= n)
            return false;
    return true;
}

/* "2020/1/6 12:09:38" or "2017-06-08 17:31:20", local time (UTC+8). */
static int
parse_time(const char *s, int64_t *out)
{
    int y, mo, da, h, mi, se;
    char sep1, sep2, iso[40];

    if (sscanf(s, "%d%c%d%c%d %d:%d:%d", &y, &sep1, &mo, &sep2, &da, &h, &mi,
               &se) != 8 ||
        sep1 != sep2 || (sep1 != '/' && sep1 != '-'))
        return CG_EINVAL;
    if (str_fmt(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, mo,
                da, h, mi, se) != CG_OK)
        return CG_EINVAL;
    return cgtime_parse(iso, 480, out);
}

/* Cuts s after max_chars characters, never inside one. */
static void
clip_utf8(char *s, long max_chars)
{
    long chars = 0;
    size_t i;

    for (i = 0; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max_chars) {
            s[i] = '\0';
            return;
        }
}

static const char *
class_by_name(const json_t *tree, const char *name)
{
    const json_t *big, *small;
    size_t i, j;

    json_array_foreach(tree, i, big)
    {
        if (strcmp(json_string_value(json_object_get(big, "code")),
                   HOTLINE_CLASS) != 0)
            continue;
        json_array_foreach(json_object_get(big, "children"), j, small)
        {
            if (strcmp(json_string_value(json_object_get(small, "name")),
                       name) == 0)
                return json_string_value(json_object_get(small, "code"));
        }
    }
    return NULL;
}

static const char *
class_by_keyword(const char *subject, const char *detail)
{
    size_t i;

    for (i = 0; i < NELEM(keywords); i++)
        if (strstr(subject, keywords[i].word))
            return keywords[i].category;
    for (i = 0; i < NELEM(keywords); i++)
        if (strstr(detail, keywords[i].word))
            return keywords[i].category;
    return DEFAULT_CLASS;
}

static int
import_message(struct demo *d, const json_t *tree, const struct msg_file *mf,
               char **f, const int col[C__COUNT], const size_t *grids,
               size_t ngrids)
{
    struct demo_step steps[5];
    const char *category;
    char ref[64], *detail = f[col[C_DETAIL]], *reply;
    struct cw_report rep;
    struct cw_error err;
    struct cw_actor who;
    int64_t id, t0, t1, span, msg_id;
    size_t n = 0;

    if (str_to_i64(f[col[C_ID]], 0, INT32_MAX, &msg_id) != CG_OK ||
        parse_time(f[col[C_TIME]], &t0) != CG_OK) {
        fprintf(stderr, "demo: %s: message %s has a bad id or time\n", mf->name,
                f[col[C_ID]]);
        return CG_EINVAL;
    }
    if (!mf->replied)
        t0 = d->now - RECENT_MIN -
             (int64_t)(((uint64_t)msg_id * 2654435761u) % RECENT_SPAN);
    if (mf->replied)
        category = class_by_keyword(f[col[C_SUBJECT]], detail);
    else
        category = class_by_name(tree, f[col[C_CATEGORY]]);
    if (!category) {
        fprintf(stderr,
                "demo: %s: message %lld has an unknown category "
                "%s\n",
                mf->name, (long long)msg_id, f[col[C_CATEGORY]]);
        return CG_EINVAL;
    }
    clip_utf8(detail, MAX_CHARS);
    str_fmt(ref, sizeof(ref), "%s-%lld", mf->ref_prefix, (long long)msg_id);
    memset(&rep, 0, sizeof(rep));
    rep.ref = ref;
    rep.title = f[col[C_SUBJECT]];
    rep.description = *detail ? detail : f[col[C_SUBJECT]];
    rep.category = category;
    rep.area_code =
        d->grids[grids[((uint64_t)msg_id * 2654435761u) % ngrids]].code;
    rep.channel = "web";
    rep.reported_at = t0;
    memset(&who, 0, sizeof(who));
    who.history = true;
    who.p.role = ROLE_RESIDENT;
    if (casework_submit(d->app, &who, &rep, &id, &err) != CG_OK) {
        fprintf(stderr, "demo: %s: message %lld: %s\n", mf->name,
                (long long)msg_id, err.message);
        return CG_EINVAL;
    }
    memset(steps, 0, sizeof(steps));
    if (!mf->replied) {
        /* Open: filed two hours later, two in three of them dispatched. */
        steps[n].action = ACT_ACCEPT;
        steps[n++].at = t0 + 2 * 3600;
        if (msg_id % 3 != 0) {
            steps[n].action = ACT_DISPATCH;
            steps[n++].at = t0 + 3 * 3600;
        }
        return demo_play(d, id, true, steps, n);
    }
    reply = f[col[C_REPLY]];
    if (parse_time(f[col[C_REPLY_TIME]], &t1) != CG_OK || !*reply) {
        fprintf(stderr,
                "demo: %s: message %lld has no reply or a bad reply "
                "time\n",
                mf->name, (long long)msg_id);
        return CG_EINVAL;
    }
    clip_utf8(reply, MAX_CHARS);
    span = t1 > t0 ? t1 - t0 : 0;
    steps[0].action = ACT_ACCEPT;
    steps[0].at = t0 + span / 10;
    steps[1].action = ACT_DISPATCH;
    steps[1].at = t0 + span / 5;
    steps[2].action = ACT_SIGN;
    steps[2].at = t0 + span * 3 / 10;
    steps[3].action = ACT_HANDLE;
    steps[3].at = t0 + span;
    steps[3].note = reply;
    steps[4].action = ACT_CLOSE;
    steps[4].at = t0 + span;
    steps[4].note = "已书面答复，予以结案。";
    return demo_play(d, id, true, steps, 5);
}

static int
import_file(struct demo *d, const json_t *tree, const struct msg_file *mf,
            const char *path, const size_t *grids, size_t ngrids, int *count)
{
    char *f[MAX_FIELDS];
    int col[C__COUNT];
    struct demo_csv csv;
    size_t n;
    int rc;

    if ((rc = demo_csv_open(&csv, path, MAX_CSV)) != CG_OK)
        return rc;
    rc = demo_csv_next(&csv, f, MAX_FIELDS, &n);
    if (rc == CG_OK)
        rc = find_columns(f, n, col);
    if (rc == CG_OK && (mf->replied ? col[C_REPLY] < 0 || col[C_REPLY_TIME] < 0
                                    : col[C_CATEGORY] < 0))
        rc = CG_EINVAL;
    if (rc != CG_OK)
        fprintf(stderr, "demo: %s: the header lacks the expected columns\n",
                path);
    while (rc == CG_OK) {
        rc = demo_csv_next(&csv, f, MAX_FIELDS, &n);
        if (rc == CG_ENOTFOUND) {
            rc = CG_OK;
            break;
        }
        if (rc == CG_OK && !fields_present(col, n))
            rc = CG_EINVAL;
        if (rc == CG_OK)
            rc = import_message(d, tree, mf, f, col, grids, ngrids);
        else
            fprintf(stderr, "demo: %s:%ld: not a valid CSV record\n", path,
                    csv.line);
        if (rc == CG_OK)
            (*count)++;
    }
    demo_csv_close(&csv);
    return rc;
}

int
demo_messages(struct demo *d, const char *shared_data)
{
    size_t grids[1024];
    char path[600];
    size_t i, ngrids = 0;
    json_t *tree;
    int rc = CG_OK, count;

    for (i = 0; i < d->ngrids && ngrids < NELEM(grids); i++)
        if (str_has_prefix(d->grids[i].code, DEMO_DISTRICT))
            grids[ngrids++] = i;
    if (ngrids == 0)
        return CG_ENOTFOUND;
    tree = store_category_tree(d->db);
    for (i = 0; rc == CG_OK && i < NELEM(files); i++) {
        str_fmt(path, sizeof(path), "%s/complaints/%s",
                shared_data ? shared_data : ".", files[i].name);
        if (access(path, R_OK) != 0) {
            if (!d->quiet)
                printf("note: %s is absent; its citizen messages are not "
                       "loaded\n",
                       path);
            continue;
        }
        count = 0;
        rc = import_file(d, tree, &files[i], path, grids, ngrids, &count);
        if (rc != CG_OK)
            fprintf(stderr, "demo: %s could not be loaded\n", path);
        else if (!d->quiet) {
            printf("loaded %d citizen messages from %s\n", count, path);
        }
    }
    json_decref(tree);
    return rc;
}
