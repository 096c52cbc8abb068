/*
 * validate.h - declarative checking of JSON request bodies.
 *
 * A handler lists the fields it takes with their types and limits; a body
 * with an unknown field, a missing required one or a value of the wrong
 * type or size is answered 400 or 422 with the field's name, and the
 * handler never sees it.
 */
#ifndef CG_VALIDATE_H
#define CG_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "http/http.h"

enum field_type {
    F_STRING,
    F_INT,
    F_NUMBER,
    F_BOOL,
    F_STRINGS, /* a list of strings */
    F_OBJECT,
    F_LIST /* a list of anything, checked by the caller */
};

struct field {
    const char *name;
    enum field_type type;
    bool required;
    long min, max; /* strings: characters; ints: value; lists: items */
};

#define FIELDS_END                                                             \
    {                                                                          \
        NULL, F_STRING, false, 0, 0                                            \
    }

/* Why an object was refused: the HTTP status it deserves (400 or 422), a
 * stable code and a sentence naming the field. */
struct field_error {
    int status;
    const char *code;
    char message[256];
};

/* CG_OK, or CG_EINVAL with e filled. */
int validate_fields(const json_t *body, const struct field *fields,
                    struct field_error *e);

/* CG_OK, or an answered 400/422 and its error code. */
int validate_body(struct http_req *r, const json_t *body,
                  const struct field *fields);

/* Reads the query argument `name` as a date or time; leaves *out alone
 * when the argument is absent, answers 400 when it is not a time. */
int api_query_time(struct http_req *r, const char *name, int64_t *out);

/* Accessors that return NULL / the default for absent or null fields. */
const char *body_str(const json_t *body, const char *name);
long long body_int(const json_t *body, const char *name, long long dflt);

#endif
