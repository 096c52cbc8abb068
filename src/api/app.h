/*
 * app.h - the running platform as the API handlers see it: the store, the
 * area index, the working calendar and the settings.
 */
#ifndef CG_APP_H
#define CG_APP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth/auth.h"
#include "core/calendar.h"
#include "geo/geo.h"
#include "http/http.h"
#include "media/photo.h"
#include "store/store.h"

struct app {
    struct store *store;
    struct calendar *cal;
    struct geo_index *geo; /* rebuilt when areas change */
    pthread_rwlock_t geo_lock;
    struct photo_limits photo;
    char blob_dir[512];
    char city_code[CODE_LEN];
    char tile_url[256];
    int64_t session_ttl; /* seconds */
    struct live *live;   /* the event streams of this server */
};

int app_init(struct app *a, struct store *s);
void app_free(struct app *a);
/* Builds the area index from the areas that have geometry. */
int app_reload_areas(struct app *a);
/* The deepest area containing a WGS-84 point; CG_ENOTFOUND outside all. */
int app_locate(struct app *a, double lon, double lat, char *code,
               size_t codelen);

/* When the working calendar does not cover the next 90 days (the
 * longest deadline, 60 working days, reaches about that far), a year
 * being covered once any of its holidays is named: true, with a sentence
 * for the operator in out. */
bool app_calendar_warning(const struct app *a, int64_t now, char *out,
                          size_t len);

/* The route table of the HTTP API. */
extern const struct route api_routes[];
extern const size_t api_nroutes;

int api_authenticate(struct http_req *r);
/* The http_app's authenticate_body: the api_key of an Open311 post,
 * checked before the post waits for a writer (open311.c). */
int api_o311_key_check(struct http_req *r);

/* The caller as the permission check sees them (valid while r lives). */
void api_principal(struct http_req *r, struct principal *p);

static inline struct app *
api_app(struct http_req *r)
{
    return r->app;
}

static inline struct db *
api_db(struct http_req *r)
{
    return store_db(api_app(r)->store);
}

#endif
