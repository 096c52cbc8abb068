/*
 * validate.c - declarative checking of JSON objects: request bodies, and
 * the lines of a history file, against the same field lists.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/validate.h"
#include "base/cgtime.h"
#include "base/err.h"
#include "base/str.h"

static const char *const type_names[] = {
    "a string",          "an integer", "a number", "true or false",
    "a list of strings", "an object",  "a list",
};

static int problem(struct field_error *e, int status, const char *code,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int check_field(const struct field *f, const json_t *v,
                       struct field_error *e);

static int
problem(struct field_error *e, int status, const char *code, const char *fmt,
        ...)
{
    va_list ap;

    e->status = status;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return CG_EINVAL;
}

static int
check_field(const struct field *f, const json_t *v, struct field_error *e)
{
    size_t i;
    long n;

    switch (f->type) {
    case F_STRING:
        if (!json_is_string(v))
            break;
        n = str_utf8_len(json_string_value(v), json_string_length(v));
        if (n < 0 || memchr(json_string_value(v), 0, json_string_length(v)))
            return problem(e, 400, "invalid_field",
                           "field '%s' is not valid text", f->name);
        if (n < f->min || (f->max && n > f->max))
            return problem(e, 422, "invalid_field",
                           "field '%s' must have %ld to %ld characters; it "
                           "has %ld",
                           f->name, f->min, f->max, n);
        return CG_OK;
    case F_INT:
        if (!json_is_integer(v))
            break;
        if (json_integer_value(v) < f->min ||
            (f->max && json_integer_value(v) > f->max))
            return problem(e, 422, "invalid_field",
                           "field '%s' must be between %ld and %ld", f->name,
                           f->min, f->max);
        return CG_OK;
    case F_NUMBER:
        if (json_is_number(v))
            return CG_OK;
        break;
    case F_BOOL:
        if (json_is_boolean(v))
            return CG_OK;
        break;
    case F_OBJECT:
        if (json_is_object(v))
            return CG_OK;
        break;
    case F_LIST:
        if (json_is_array(v) &&
            (!f->max || json_array_size(v) <= (size_t)f->max))
            return CG_OK;
        if (json_is_array(v))
            return problem(e, 422, "invalid_field",
                           "field '%s' takes at most %ld items", f->name,
                           f->max);
        break;
    case F_STRINGS:
        if (!json_is_array(v))
            break;
        if (f->max && json_array_size(v) > (size_t)f->max)
            return problem(e, 422, "invalid_field",
                           "field '%s' takes at most %ld items", f->name,
                           f->max);
        for (i = 0; i < json_array_size(v); i++)
            if (!json_is_string(json_array_get(v, i)))
                return problem(e, 400, "invalid_field",
                               "field '%s' must be a list of strings", f->name);
        return CG_OK;
    }
    return problem(e, 400, "invalid_field", "field '%s' must be %s", f->name,
                   type_names[f->type]);
}

int
validate_fields(const json_t *body, const struct field *fields,
                struct field_error *e)
{
    const struct field *f;
    const char *key;
    json_t *v;
    int rc;

    if (!json_is_object(body))
        return problem(e, 400, "invalid", "expected a JSON object");
    json_object_foreach((json_t *)body, key, v)
    {
        for (f = fields; f->name; f++)
            if (strcmp(f->name, key) == 0)
                break;
        if (!f->name)
            return problem(e, 400, "unknown_field",
                           "field '%.64s' is not known here", key);
    }
    for (f = fields; f->name; f++) {
        v = json_object_get(body, f->name);
        if (!v || json_is_null(v)) {
            if (f->required)
                return problem(e, 422, "missing_field",
                               "field '%s' is required", f->name);
            continue;
        }
        if ((rc = check_field(f, v, e)) != CG_OK)
            return rc;
    }
    return CG_OK;
}

int
validate_body(struct http_req *r, const json_t *body,
              const struct field *fields)
{
    struct field_error e;

    if (validate_fields(body, fields, &e) == CG_OK)
        return CG_OK;
    return http_error(r, e.status, e.code, "%s", e.message);
}

int
api_query_time(struct http_req *r, const char *name, int64_t *out)
{
    const char *s = http_query(r, name);

    if (!s)
        return CG_OK;
    if (cgtime_parse(s, cgtime_display_offset, out) != CG_OK)
        return http_error(r, 400, "invalid_query",
                          "%s must be a date or time like 2026-03-01 or "
                          "2026-03-01T13:46:00+08:00",
                          name);
    return CG_OK;
}

const char *
body_str(const json_t *body, const char *name)
{
    return json_string_value(json_object_get(body, name));
}

long long
body_int(const json_t *body, const char *name, long long dflt)
{
    json_t *v = json_object_get(body, name);

    return json_is_integer(v) ? json_integer_value(v) : dflt;
}
