/*
 * users.c - administrators list and create users within their scope.
 */
#include <string.h>

#include "api/api.h"
#include "api/app.h"
#include "api/validate.h"
#include "base/err.h"
#include "base/str.h"

int
api_users_list(struct http_req *r)
{
    struct principal p;
    const char *why = "";

    api_principal(r, &p);
    if (!perm_allow(&p, PERM_USERS, p.area_path, &why))
        return http_error(r, 403, "forbidden", "%s", why);
    return http_json(
        r, 200,
        json_pack("{s:o}", "items", store_user_list(api_db(r), p.area_path)));
}

int
api_users_create(struct http_req *r)
{
    static const struct field fields[] = {
        {"username", F_STRING, true, 3, 64},
        {"password", F_STRING, true, 8, 128},
        {"role", F_STRING, true, 1, 16},
        {"area", F_STRING, false, 1, 24},
        {"unit", F_STRING, false, 1, 48},
        {"display_name", F_STRING, false, 1, 50},
        {"phone", F_STRING, false, 5, 20},
        FIELDS_END,
    };
    char hash[AUTH_HASH_LEN];
    const char *why = "", *area_code = NULL, *path = "";
    struct principal p;
    struct area area;
    struct unit unit;
    enum role role;
    int64_t id, unit_id = 0;
    int rc;

    if ((rc = validate_body(r, r->json, fields)) != CG_OK)
        return rc;
    if (role_parse(body_str(r->json, "role"), &role) != CG_OK)
        return http_error(r, 422, "invalid_field",
                          "role must be one of resident, grid_worker, "
                          "dispatcher, unit, supervisor, admin");
    if ((area_code = body_str(r->json, "area"))) {
        if (store_area_get(api_db(r), area_code, &area) != CG_OK)
            return http_error(r, 422, "unknown_area",
                              "there is no area "
                              "%.24s",
                              area_code);
        path = area.path;
    } else if (role != ROLE_RESIDENT && role != ROLE_UNIT) {
        return http_error(r, 422, "missing_field",
                          "staff need an area: field 'area'");
    }
    if (body_str(r->json, "unit")) {
        if (store_unit_by_code(api_db(r), body_str(r->json, "unit"), &unit) !=
            CG_OK)
            return http_error(r, 422, "unknown_unit",
                              "there is no unit "
                              "%.48s",
                              body_str(r->json, "unit"));
        unit_id = unit.id;
    } else if (role == ROLE_UNIT) {
        return http_error(r, 422, "missing_field",
                          "a handling unit's user needs field 'unit'");
    }
    api_principal(r, &p);
    if (!perm_allow(&p, PERM_USERS, path[0] ? path : p.area_path, &why))
        return http_error(r, 403, "forbidden", "%s", why);
    if (auth_password_hash(body_str(r->json, "password"), hash) != CG_OK)
        return http_error(r, 503, "unavailable", "try again in a moment");
    rc = store_user_add(api_db(r), body_str(r->json, "username"), hash, role,
                        area_code, unit_id, body_str(r->json, "display_name"),
                        body_str(r->json, "phone"), &id);
    if (rc == CG_ECONFLICT)
        return http_error(r, 409, "username_taken",
                          "the username %.64s is taken",
                          body_str(r->json, "username"));
    if (rc != CG_OK)
        return http_error(r, 503, "unavailable", "try again in a moment");
    return http_json(r, 201,
                     json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
                               "username", body_str(r->json, "username"),
                               "role", role_name(role)));
}
