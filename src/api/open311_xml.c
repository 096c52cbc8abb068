/*
 * open311_xml.c - GeoReport v2 answers as XML.
 *
 * The handlers build every answer once, as the JSON the spec's "Spark
 * convention" gives (the root element dropped, lists keeping their plural
 * names), and this file writes the same value as the XML it came from:
 * the declaration, the root element, and one singular child element per
 * list item (services/service, attributes/attribute, values/value, ...).
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"

#define XML_MAX (16 * 1024 * 1024)

static const char *item_name(const char *list);
static int put_text(struct buf *b, const char *s);
static int put_value(struct buf *b, const char *name, json_t *v);

/* The element of one item of a list, as the spec names them. */
static const char *
item_name(const char *list)
{
    static const struct {
        const char *list, *item;
    } names[] = {
        {"services", "service"},
        {"service_requests", "request"},
        {"service_request_updates", "request_update"},
        {"attributes", "attribute"},
        {"values", "value"},
        {"endpoints", "endpoint"},
        {"formats", "format"},
        {"errors", "error"},
        {"notes", "note"},
        {"photos", "photo"},
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i].list, list) == 0)
            return names[i].item;
    return "item";
}

/* Escapes the five markup characters and leaves out the control
 * characters XML 1.0 cannot carry.  Non-zero when the buffer is full. */
static int
put_text(struct buf *b, const char *s)
{
    int rc = 0;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            rc |= buf_puts(b, "&amp;");
            break;
        case '<':
            rc |= buf_puts(b, "&lt;");
            break;
        case '>':
            rc |= buf_puts(b, "&gt;");
            break;
        case '"':
            rc |= buf_puts(b, "&quot;");
            break;
        case '\'':
            rc |= buf_puts(b, "&apos;");
            break;
        default:
            if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r')
                rc |= buf_append(b, s, 1);
        }
    }
    return rc;
}

/* Writes <name>v</name>; non-zero when the buffer is full. */
static int
put_value(struct buf *b, const char *name, json_t *v)
{
    const char *key;
    json_t *x;
    size_t i;
    int rc = buf_printf(b, "<%s>", name);

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        json_object_foreach(v, key, x)
        {
            rc |= put_value(b, key, x);
        }
        break;
    case JSON_ARRAY:
        json_array_foreach(v, i, x)
        {
            rc |= put_value(b, item_name(name), x);
        }
        break;
    case JSON_STRING:
        rc |= put_text(b, json_string_value(v));
        break;
    case JSON_INTEGER:
        rc |= buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        rc |= buf_printf(b, "%.6f", json_real_value(v));
        break;
    case JSON_TRUE:
        rc |= buf_puts(b, "true");
        break;
    case JSON_FALSE:
        rc |= buf_puts(b, "false");
        break;
    default:
        break;
    }
    return rc | buf_printf(b, "</%s>", name);
}

char *
open311_xml(json_t *v, const char *root, size_t *len)
{
    struct buf b;

    buf_init(&b, XML_MAX);
    if ((buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n") |
         put_value(&b, root, v) | buf_puts(&b, "\n")) != CG_OK) {
        buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return buf_steal(&b);
}
