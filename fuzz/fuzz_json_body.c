/*
 * fuzz_json_body.c - a JSON request body as the server reads it (an
 * object, duplicate keys refused) checked against the field lists of the
 * endpoints that take case reports, case actions and sign-ins (and one
 * list for the remaining field types), and read through the accessors the
 * handlers use afterwards.
 *
 * The lists are copies of those in src/api/cases.c and src/api/session.c:
 * what is fuzzed is the checking, which is the same code for every list.
 */
#include <stdlib.h>
#include <string.h>

#include "api/validate.h"
#include "base/err.h"
#include "core/lifecycle.h"
#include "geo/geo.h"
#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct field report_fields[] = {
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
    {"photos", F_STRINGS, false, 0, 6},
    {"self_handle", F_BOOL, false, 0, 0},
    {"note", F_STRING, false, 0, 2000},
    FIELDS_END,
};

static const struct field action_fields[] = {
    {"action", F_STRING, true, 1, 32},    {"note", F_STRING, false, 0, 2000},
    {"photos", F_STRINGS, false, 0, 6},   {"unit", F_STRING, false, 1, 48},
    {"target", F_INT, false, 1, 0},       {"rating", F_STRING, false, 1, 32},
    {"days", F_INT, false, 1, 60},        {"version", F_INT, false, 1, 0},
    {"category", F_STRING, false, 1, 16}, FIELDS_END,
};

static const struct field session_fields[] = {
    {"username", F_STRING, true, 1, 64},
    {"password", F_STRING, true, 1, 128},
    FIELDS_END,
};

/* The types no list above uses. */
static const struct field other_fields[] = {
    {"rule", F_OBJECT, false, 0, 0},
    {"events", F_LIST, false, 0, 3},
    {"ids", F_STRINGS, true, 1, 0},
    FIELDS_END,
};

static const struct field *const lists[] = {report_fields, action_fields,
                                            session_fields, other_fields};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    harness_quiet();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct field_error fe;
    struct http_req r;
    json_error_t jerr;
    enum case_action act;
    enum geo_crs crs;
    enum rating rating;
    const char *s;
    json_t *body;
    size_t i;

    body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (body == NULL)
        return 0;
    for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        memset(&fe, 0, sizeof(fe));
        if (validate_fields(body, lists[i], &fe) != CG_OK) {
            /* A refusal always names a status, a code and a reason. */
            if ((fe.status != 400 && fe.status != 422) || fe.code == NULL ||
                fe.message[0] == '\0')
                abort();
            continue;
        }
        /* What passed is what the handlers then read. */
        if ((s = body_str(body, "action")) != NULL)
            (void)case_action_parse(s, &act);
        if ((s = body_str(body, "rating")) != NULL)
            (void)rating_parse(s, &rating);
        if ((s = body_str(body, "crs")) != NULL)
            (void)geo_crs_parse(s, &crs);
        (void)body_int(body, "days", 0);
    }
    harness_req_init(&r, NULL, NULL, 0);
    if (validate_body(&r, body, report_fields) != CG_OK &&
        (!r.answered || r.resp == NULL))
        abort();
    harness_req_free(&r);
    json_decref(body);
    return 0;
}
