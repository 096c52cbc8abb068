/*
 * api.h - the handlers of the HTTP API, one file per resource.
 */
#ifndef CG_API_H
#define CG_API_H

#include "http/http.h"

int api_healthz(struct http_req *r);
int api_config(struct http_req *r);

int api_session_create(struct http_req *r);
int api_session_delete(struct http_req *r);
int api_me(struct http_req *r);

int api_cases_create(struct http_req *r);
int api_cases_list(struct http_req *r);
int api_case_get(struct http_req *r);
int api_case_events(struct http_req *r);
int api_case_action(struct http_req *r);

int api_photos_upload(struct http_req *r);

int api_areas_list(struct http_req *r);
int api_areas_geojson(struct http_req *r);
int api_areas_locate(struct http_req *r);
int api_categories(struct http_req *r);
int api_categories_suggest(struct http_req *r);
int api_units(struct http_req *r);

int api_routing_rules_list(struct http_req *r);
int api_routing_rules_create(struct http_req *r);
int api_routing_rules_update(struct http_req *r);
int api_metrics(struct http_req *r);
int api_routing_rules_delete(struct http_req *r);
int api_routing_dry_run(struct http_req *r);

int api_stats(struct http_req *r);

int api_map(struct http_req *r);
int api_map_areas(struct http_req *r);

int api_users_list(struct http_req *r);
int api_users_create(struct http_req *r);

int api_cases_similar(struct http_req *r);
int api_case_support(struct http_req *r);
int api_case_support_get(struct http_req *r);

struct db;
/* Strips a case (as store_case_json gives it) down to what anyone may see:
 * no reporter, no address, the place rounded to about 100 m. */
void api_case_anonymise(struct db *db, json_t *o);
/* Hides the numbers that identify a person in each event's note. */
void api_events_mask(json_t *events);

/* Open311 GeoReport v2 under /open311/v2/ (open311.c); the format is
 * the path's suffix, .xml or .json. */
int api_o311_discovery(struct http_req *r);
int api_o311_services(struct http_req *r);
int api_o311_service(struct http_req *r);
int api_o311_request_post(struct http_req *r);
int api_o311_requests(struct http_req *r);
int api_o311_request(struct http_req *r);
int api_o311_token(struct http_req *r);
int api_o311_updates(struct http_req *r);
int api_o311_update_post(struct http_req *r);
/* v as GeoReport XML under the element root, with the XML declaration;
 * NULL when it would be over 16 MiB.  The caller frees the text. */
char *open311_xml(json_t *v, const char *root, size_t *len);

#endif
