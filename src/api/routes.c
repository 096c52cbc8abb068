/*
 * routes.c - every endpoint of the HTTP API in one table.
 */
#include "api/api.h"
#include "api/app.h"
#include "api/live.h"

#define KB 1024
#define MB (1024 * 1024)

const struct route api_routes[] = {
    {"GET", "/healthz", api_healthz, 0, 0},
    {"GET", "/metrics", api_metrics, 0, 0},
    {"GET", "/api/v1/config", api_config, 0, 0},
    {"POST", "/api/v1/session", api_session_create, ROUTE_JSON, 4 * KB},
    {"DELETE", "/api/v1/session", api_session_delete, ROUTE_AUTH | ROUTE_WRITES,
     0},
    {"GET", "/api/v1/me", api_me, ROUTE_AUTH, 0},
    {"GET", "/api/v1/stream", api_stream, ROUTE_AUTH, 0},
    {"POST", "/api/v1/cases", api_cases_create,
     ROUTE_AUTH | ROUTE_JSON | ROUTE_UPLOAD | ROUTE_WRITES, 32 * MB},
    {"GET", "/api/v1/cases", api_cases_list, ROUTE_AUTH, 0},
    {"GET", "/api/v1/cases/similar", api_cases_similar, ROUTE_AUTH, 0},
    {"GET", "/api/v1/cases/{id}", api_case_get, ROUTE_AUTH, 0},
    {"GET", "/api/v1/cases/{id}/support", api_case_support_get, ROUTE_AUTH, 0},
    {"POST", "/api/v1/cases/{id}/support", api_case_support,
     ROUTE_AUTH | ROUTE_WRITES, 0},
    {"GET", "/api/v1/cases/{id}/events", api_case_events, ROUTE_AUTH, 0},
    {"POST", "/api/v1/cases/{id}/actions", api_case_action,
     ROUTE_AUTH | ROUTE_JSON | ROUTE_WRITES, 64 * KB},
    {"POST", "/api/v1/photos", api_photos_upload,
     ROUTE_AUTH | ROUTE_UPLOAD | ROUTE_WRITES, 11 * MB},
    {"GET", "/api/v1/areas", api_areas_list, 0, 0},
    {"GET", "/api/v1/areas/geojson", api_areas_geojson, 0, 0},
    {"GET", "/api/v1/areas/locate", api_areas_locate, 0, 0},
    {"GET", "/api/v1/categories", api_categories, 0, 0},
    {"GET", "/api/v1/categories/suggest", api_categories_suggest, ROUTE_AUTH,
     0},
    {"GET", "/api/v1/units", api_units, ROUTE_AUTH, 0},
    {"GET", "/api/v1/routing-rules", api_routing_rules_list, ROUTE_AUTH, 0},
    {"POST", "/api/v1/routing-rules", api_routing_rules_create,
     ROUTE_AUTH | ROUTE_JSON | ROUTE_WRITES, 4 * KB},
    {"PATCH", "/api/v1/routing-rules/{id}", api_routing_rules_update,
     ROUTE_AUTH | ROUTE_JSON | ROUTE_WRITES, 4 * KB},
    {"DELETE", "/api/v1/routing-rules/{id}", api_routing_rules_delete,
     ROUTE_AUTH | ROUTE_WRITES, 0},
    {"GET", "/api/v1/routing/dry-run", api_routing_dry_run, ROUTE_AUTH, 0},
    {"GET", "/api/v1/stats", api_stats, ROUTE_AUTH, 0},
    {"GET", "/api/v1/map", api_map, ROUTE_AUTH, 0},
    {"GET", "/api/v1/map/areas", api_map_areas, ROUTE_AUTH, 0},
    {"GET", "/api/v1/users", api_users_list, ROUTE_AUTH, 0},
    {"POST", "/api/v1/users", api_users_create,
     ROUTE_AUTH | ROUTE_JSON | ROUTE_SLOW, 8 * KB},
/* Open311 GeoReport v2: each path in .xml and .json. */
#define O311(method, path, handler, flags, max)                                \
    {method, "/open311/v2/" path ".xml", handler, flags, max},                 \
    {                                                                          \
        method, "/open311/v2/" path ".json", handler, flags, max               \
    }
    O311("GET", "discovery", api_o311_discovery, 0, 0),
    O311("GET", "services", api_o311_services, 0, 0),
    O311("GET", "services/{code}", api_o311_service, 0, 0),
    O311("POST", "requests", api_o311_request_post,
         ROUTE_UPLOAD | ROUTE_KEYED | ROUTE_WRITES, 11 * MB),
    O311("GET", "requests", api_o311_requests, 0, 0),
    O311("GET", "requests/{code}", api_o311_request, 0, 0),
    O311("GET", "tokens/{code}", api_o311_token, 0, 0),
    O311("GET", "servicerequestupdates", api_o311_updates, 0, 0),
    O311("POST", "servicerequestupdates", api_o311_update_post,
         ROUTE_UPLOAD | ROUTE_KEYED | ROUTE_WRITES, 64 * KB),
#undef O311
};

const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
