/*
 * fuzz_history.c - a case history file (JSON Lines) as `civicgrid import
 * cases` reads it: split into lines, each line parsed and checked against
 * the report and event field lists, then its times, actions, roles and
 * ratings read as the replay reads them.  The replay itself writes to the
 * database and is left out.
 *
 * The line checks are static in src/cmd/import.c, which is included here
 * so the fuzzer calls the very code the import runs; its own object is
 * then not taken from the archive.
 *
 * Input: the file, one case per line.
 */
#include "../src/cmd/import.c"

#include "core/lifecycle.h"
#include "core/role.h"
#include "harness.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_case(const json_t *o);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    harness_quiet();
    return 0;
}

/* The reads of import_case that come before anything is written. */
static void
read_case(const json_t *o)
{
    const json_t *events = json_object_get(o, "events"), *ev;
    enum case_action action;
    enum rating rating;
    enum role role;
    int64_t at, last = 0;
    const char *s;
    size_t i;

    s = json_string_value(json_object_get(o, "reported_at"));
    if (s == NULL || cgtime_parse(s, cgtime_display_offset, &last) != CG_OK)
        return;
    json_array_foreach(events, i, ev)
    {
        s = json_string_value(json_object_get(ev, "action"));
        if (s == NULL || case_action_parse(s, &action) != CG_OK)
            return;
        (void)case_action_name(action);
        role = default_role(action);
        s = json_string_value(json_object_get(ev, "at"));
        if (s == NULL || cgtime_parse(s, cgtime_display_offset, &at) != CG_OK ||
            at < last)
            return;
        last = at;
        s = json_string_value(json_object_get(ev, "actor_role"));
        if (s != NULL && role_parse(s, &role) != CG_OK)
            return;
        s = json_string_value(json_object_get(ev, "rating"));
        if (s != NULL && rating_parse(s, &rating) != CG_OK)
            return;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size, *nl;
    char err[400];

    for (; p < end; p = nl + 1) {
        json_error_t jerr;
        json_t *o;

        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            nl = end;
        if (nl == p || (nl - p == 1 && *p == '\r'))
            continue;
        o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &jerr);
        if (o == NULL)
            continue;
        err[0] = '\0';
        if (json_is_object(o) && check_line(o, err, sizeof(err)) == CG_OK)
            read_case(o);
        else if (json_is_object(o) && err[0] == '\0')
            abort(); /* a refused line always says why */
        json_decref(o);
    }
    return 0;
}
