/*
 * demo_areas.c - the area tree of the demo city: the real Hohhot districts
 * and streets, with generated communities, unit grids and a few named
 * compounds, and a territorial unit for each district, street and
 * community.
 *
 * No street polygons are published, so streets are laid out as 1.2 km
 * cells of one lattice over the city.  A district takes the cells nearest
 * its published centre whose middle lies inside the district, so streets
 * of different districts never overlap.  Each street cell is split into
 * its communities, and each community into four unit grids numbered west
 * to east and north to south, as the grid coding rules ask.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/str.h"
#include "cmd/demo_city.h"

/* The lattice: about 1.2 km a side at Hohhot's latitude. */
#define CELL_LON  0.0142
#define CELL_LAT  0.0108
#define LATTICE_R 20
#define COS_LAT   0.757 /* cos(40.8 degrees), for distances on the ground */
/* The point the four urban districts meet near (GCJ-02). */
#define CORE_LON 111.675
#define CORE_LAT 40.812
/* A district drawn without published data: a quadrant off the core. */
#define RECT_LON 0.12
#define RECT_LAT 0.09

#define GEOM_LEN 256

struct district {
    const char *code;
    const char *name;
    double lon, lat; /* published centre, GCJ-02 */
    int qx, qy;      /* quadrant it lies in, seen from the core */
    bool grade_a;    /* core districts: the first grid of a community is A */
};

struct street {
    const char *code;
    const char *name;
};

struct compound {
    enum demo_place place;
    const char *grid;
    const char *name;
};

struct cand {
    double d2;
    int i, j;
};

static void polygon(const double box[4], char *out, size_t outlen);
static int put_box(struct demo *d, const char *code, const char *parent,
                   int level, const char *name, char grade,
                   const double box[4]);
static int district_rect(struct demo *d, const struct district *t);
static int add_district(const char *code, int level, const char *geometry,
                        void *ctx);
static int cand_cmp(const void *a, const void *b);
static int place_streets(struct demo *d, const struct geo_index *ix,
                         const struct district *t);
static int put_street(struct demo *d, const struct street *s,
                      const double box[4]);
static int put_community(struct demo *d, const struct street *s,
                         const char *code, const char *name,
                         const double box[4]);
static int put_compounds(struct demo *d);
static const char *community_name(const char *code, unsigned n, char *out,
                                  size_t outlen);
static int street_communities(const struct street *s);
static const struct district *district_of(const char *code);

static const struct district districts[] = {
    {"150102", "新城区", 111.685964, 40.826225, 1, 1, true},
    {"150103", "回民区", 111.662162, 40.815149, -1, 1, true},
    {"150104", "玉泉区", 111.66543, 40.799421, -1, -1, false},
    {"150105", "赛罕区", 111.698463, 40.807834, 1, -1, false},
};

/* The streets and towns of the four urban districts (统计用区划代码);
 * codes 1xx are towns, 4xx statistical units. */
static const struct street streets[] = {
    {"150102001", "海拉尔东路街道"},   {"150102002", "锡林北路街道"},
    {"150102003", "中山东路街道"},     {"150102004", "东街街道"},
    {"150102005", "西街街道"},         {"150102006", "东风路街道"},
    {"150102007", "迎新路街道"},       {"150102008", "成吉思汗大街街道"},
    {"150102101", "保合少镇"},         {"150102400", "鸿盛高科技园区"},
    {"150102401", "呼伦路街道"},       {"150102402", "丁香路街道"},
    {"150102403", "东河街道"},         {"150103001", "新华西路街道"},
    {"150103002", "中山西路街道"},     {"150103003", "光明路街道"},
    {"150103004", "海拉尔西路街道"},   {"150103005", "环河街街道"},
    {"150103006", "通道街街道"},       {"150103007", "钢铁路街道"},
    {"150103100", "攸攸板镇"},         {"150103400", "阿拉善北路街道"},
    {"150104001", "小召前街街道"},     {"150104002", "兴隆巷街道"},
    {"150104003", "长和廊街道"},       {"150104004", "石东路街道"},
    {"150104005", "大南街街道"},       {"150104006", "鄂尔多斯路街道"},
    {"150104007", "西菜园街道"},       {"150104008", "昭君路街道"},
    {"150104100", "小黑河镇"},         {"150104400", "裕隆工业园区"},
    {"150105001", "人民路街道"},       {"150105002", "大学西路街道"},
    {"150105003", "乌兰察布东路街道"}, {"150105004", "大学东路街道"},
    {"150105005", "中专路街道"},       {"150105006", "昭乌达南路街道"},
    {"150105007", "巴彦街道"},         {"150105008", "敕勒川路街道"},
    {"150105101", "榆林镇"},           {"150105103", "黄合少镇"},
    {"150105104", "金河镇"},
};

/* Communities with their real names; the others get generated ones. */
static const struct street real_communities[] = {
    {"150103003001", "电子路社区"},
};

/* Stems of generated community names, the way residents' committees are
 * commonly named. */
static const char *const stems[] = {
    "新华", "友谊", "幸福", "和平", "团结",   "光华", "建设", "文化",
    "胜利", "富强", "振华", "长乐", "康乐",   "安居", "锦绣", "丰泽",
    "朝阳", "春晖", "青山", "滨河", "铁东",   "学府", "金桥", "通达",
    "利民", "兴盛", "阳光", "育才", "长青",   "如意", "鼓楼", "桥华",
    "东升", "海东", "巨海", "北垣", "南茶坊", "百合", "馨华", "明珠",
    "紫薇", "绿洲", "书香", "民乐", "祥和",   "瑞丰", "嘉和", "泰和",
};
static const char *const stem_suffix[] = {"", "苑", "里", "园"};

static const struct compound compounds[] = {
    {PL_XINGSONG, "150102001001002", "兴松小区"},
    {PL_JINGHUA, "150103003001003", "呼铁菁华园小区"},
    {PL_PARK, "150103002001004", "青城公园"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A rectangle as GeoJSON Polygon text, counter-clockwise. */
static void
polygon(const double box[4], char *out, size_t outlen)
{
    str_fmt(out, outlen,
            "{\"type\":\"Polygon\",\"coordinates\":[[[%.6f,%.6f],"
            "[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]}",
            box[0], box[1], box[2], box[1], box[2], box[3], box[0], box[3],
            box[0], box[1]);
}

static int
put_box(struct demo *d, const char *code, const char *parent, int level,
        const char *name, char grade, const double box[4])
{
    char geom[GEOM_LEN];
    double r[4];
    int i, rc;

    /* The stored box is the polygon's, to the same six decimals. */
    for (i = 0; i < 4; i++)
        r[i] = round(box[i] * 1e6) / 1e6;
    polygon(r, geom, sizeof(geom));
    rc = store_area_put(d->db, code, parent, level, name, grade, geom, r);
    if (rc != CG_OK)
        fprintf(stderr, "demo: area %s %s could not be stored (%s)\n", code,
                name, cg_strerror(rc));
    return rc;
}

/* A district without published boundaries: the quadrant off the core in
 * which its published centre lies, so the four never overlap. */
static int
district_rect(struct demo *d, const struct district *t)
{
    double klon, klat, box[4];

    geo_gcj02_to_wgs84(CORE_LON, CORE_LAT, &klon, &klat);
    box[0] = t->qx > 0 ? klon : klon - RECT_LON;
    box[2] = box[0] + RECT_LON;
    box[1] = t->qy > 0 ? klat : klat - RECT_LAT;
    box[3] = box[1] + RECT_LAT;
    return put_box(d, t->code, DEMO_CITY, AREA_DISTRICT, t->name, 0, box);
}

int
demo_districts(struct demo *d, const char *shared_data)
{
    char path[600];
    size_t i;
    int rc, drawn = 0;

    rc = store_area_put(d->db, DEMO_CITY, NULL, AREA_CITY, "呼和浩特市", 0,
                        NULL, NULL);
    for (i = 0; rc == CG_OK && i < NELEM(districts); i++) {
        str_fmt(path, sizeof(path), "%s/hohhot/%s.json",
                shared_data ? shared_data : ".", districts[i].code);
        if (access(path, R_OK) == 0) {
            rc = import_areas_file(d->app, path, "gcj02", "district", DEMO_CITY,
                                   true);
        } else {
            rc = district_rect(d, &districts[i]);
            drawn++;
        }
    }
    if (rc == CG_OK && drawn && !d->quiet)
        printf("note: no district boundaries under %s/hohhot; %d "
               "districts drawn as rectangles\n",
               shared_data ? shared_data : ".", drawn);
    return rc;
}

static int
add_district(const char *code, int level, const char *geometry, void *ctx)
{
    if (level == AREA_DISTRICT && district_of(code))
        return geo_index_add(ctx, code, 1, geometry);
    return CG_OK;
}

static int
cand_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;

    if (x->d2 != y->d2)
        return x->d2 < y->d2 ? -1 : 1;
    if (x->i != y->i)
        return x->i - y->i;
    return x->j - y->j;
}

/* Gives each street of district t a lattice cell: the cells nearest the
 * district's centre whose middle lies inside it, in street code order. */
static int
place_streets(struct demo *d, const struct geo_index *ix,
              const struct district *t)
{
    enum { SIDE = 2 * LATTICE_R + 1 };
    static struct cand cands[SIDE * SIDE];
    double klon, klat, clon, clat, box[4];
    size_t i, n = 0, s;
    int rc;

    geo_gcj02_to_wgs84(CORE_LON, CORE_LAT, &klon, &klat);
    geo_gcj02_to_wgs84(t->lon, t->lat, &clon, &clat);
    for (i = 0; i < SIDE * SIDE; i++) {
        int ci = (int)(i / SIDE) - LATTICE_R, cj = (int)(i % SIDE) - LATTICE_R;
        double x = klon + (ci + 0.5) * CELL_LON - clon;
        double y = klat + (cj + 0.5) * CELL_LAT - clat;

        cands[i].d2 = x * x * COS_LAT * COS_LAT + y * y;
        cands[i].i = ci;
        cands[i].j = cj;
    }
    qsort(cands, SIDE * SIDE, sizeof(cands[0]), cand_cmp);
    for (s = 0; s < NELEM(streets); s++) {
        if (strncmp(streets[s].code, t->code, 6) != 0)
            continue;
        for (; n < SIDE * SIDE; n++) {
            const char *hit;

            box[0] = klon + cands[n].i * CELL_LON;
            box[1] = klat + cands[n].j * CELL_LAT;
            box[2] = box[0] + CELL_LON;
            box[3] = box[1] + CELL_LAT;
            hit = geo_index_locate(ix, (box[0] + box[2]) / 2,
                                   (box[1] + box[3]) / 2);
            if (hit && strcmp(hit, t->code) == 0)
                break;
        }
        if (n == SIDE * SIDE) {
            fprintf(stderr, "demo: no room for the streets of %s\n", t->name);
            return CG_ERR;
        }
        n++;
        if ((rc = put_street(d, &streets[s], box)) != CG_OK)
            return rc;
    }
    return CG_OK;
}

/* Towns and statistical units get two communities, streets three or
 * four. */
static int
street_communities(const struct street *s)
{
    if (s->code[6] != '0')
        return 2;
    return (s->code[8] - '0') % 2 ? 4 : 3;
}

static const char *
community_name(const char *code, unsigned n, char *out, size_t outlen)
{
    size_t i;

    for (i = 0; i < NELEM(real_communities); i++)
        if (strcmp(real_communities[i].code, code) == 0)
            return real_communities[i].name;
    str_fmt(out, outlen, "%s%s社区", stems[n % NELEM(stems)],
            stem_suffix[(n / NELEM(stems)) % NELEM(stem_suffix)]);
    return out;
}

static int
put_street(struct demo *d, const struct street *s, const double box[4])
{
    char code[CODE_LEN], unit[CODE_LEN * 2], uname[NAME_LEN], buf[NAME_LEN];
    int k = street_communities(s), cols = k == 4 ? 2 : k, rows = k == 4 ? 2 : 1;
    double w = (box[2] - box[0]) / cols, h = (box[3] - box[1]) / rows;
    int c, rc;

    str_fmt(code, sizeof(code), "%.6s", s->code);
    rc = put_box(d, s->code, code, AREA_STREET, s->name, 0, box);
    if (rc != CG_OK)
        return rc;
    str_fmt(unit, sizeof(unit), "office-%s", s->code);
    str_fmt(uname, sizeof(uname), "%s%s", s->name,
            s->code[6] == '1'                 ? "人民政府"
            : strstr(s->name, "园区") != NULL ? "管理委员会"
                                              : "办事处");
    rc = store_unit_put(d->db, unit, uname, "territorial", s->code, NULL);
    for (c = 0; rc == CG_OK && c < k; c++) {
        double cb[4];
        int col = c % cols, row = c / cols;

        cb[0] = box[0] + col * w;
        cb[2] = cb[0] + w;
        cb[3] = box[3] - row * h;
        cb[1] = cb[3] - h;
        str_fmt(code, sizeof(code), "%s%03d", s->code, c + 1);
        rc = put_community(
            d, s, code, community_name(code, d->named++, buf, sizeof(buf)), cb);
    }
    return rc;
}

/* A community, its residents' committee and its four unit grids. */
static int
put_community(struct demo *d, const struct street *s, const char *code,
              const char *name, const double box[4])
{
    const struct district *t = district_of(s->code);
    double w = (box[2] - box[0]) / 2, h = (box[3] - box[1]) / 2;
    char unit[CODE_LEN * 2], uname[NAME_LEN];
    int g, rc;

    rc = put_box(d, code, s->code, AREA_COMMUNITY, name, 0, box);
    if (rc != CG_OK)
        return rc;
    str_fmt(unit, sizeof(unit), "office-%s", code);
    str_fmt(uname, sizeof(uname), "%s居委会", name);
    rc = store_unit_put(d->db, unit, uname, "territorial", code, NULL);
    for (g = 0; rc == CG_OK && g < 4; g++) {
        struct demo_grid *gr;
        char gname[NAME_LEN], grade;

        if (d->ngrids == d->maxgrids)
            return CG_ETOOBIG;
        gr = &d->grids[d->ngrids];
        gr->box[0] = box[0] + (g % 2) * w;
        gr->box[2] = gr->box[0] + w;
        gr->box[3] = box[3] - (g / 2) * h;
        gr->box[1] = gr->box[3] - h;
        str_fmt(gr->code, sizeof(gr->code), "%s%03d", code, g + 1);
        str_fmt(gr->place, sizeof(gr->place), "%s%s", s->name, name);
        str_fmt(gname, sizeof(gname), "%s第%d网格", name, g + 1);
        grade = s->code[6] == '1'             ? 'C'
                : (t && t->grade_a && g == 0) ? 'A'
                                              : 'B';
        rc = put_box(d, gr->code, code, AREA_GRID, gname, grade, gr->box);
        if (rc == CG_OK)
            d->ngrids++;
    }
    return rc;
}

/* The compounds of the founding stories, in the middle of their grid. */
static int
put_compounds(struct demo *d)
{
    size_t i, g;
    int rc;

    for (i = 0; i < NELEM(compounds); i++) {
        struct demo_site *p = &d->places[compounds[i].place];
        double box[4];

        for (g = 0; g < d->ngrids; g++)
            if (strcmp(d->grids[g].code, compounds[i].grid) == 0)
                break;
        if (g == d->ngrids)
            return CG_ENOTFOUND;
        box[0] = d->grids[g].box[0] * 0.7 + d->grids[g].box[2] * 0.3;
        box[2] = d->grids[g].box[0] * 0.3 + d->grids[g].box[2] * 0.7;
        box[1] = d->grids[g].box[1] * 0.7 + d->grids[g].box[3] * 0.3;
        box[3] = d->grids[g].box[1] * 0.3 + d->grids[g].box[3] * 0.7;
        str_fmt(p->code, sizeof(p->code), "%s001", compounds[i].grid);
        p->lon = (box[0] + box[2]) / 2;
        p->lat = (box[1] + box[3]) / 2;
        rc = put_box(d, p->code, compounds[i].grid, AREA_COMPOUND,
                     compounds[i].name, 0, box);
        if (rc != CG_OK)
            return rc;
    }
    return CG_OK;
}

static const struct district *
district_of(const char *code)
{
    size_t i;

    for (i = 0; i < NELEM(districts); i++)
        if (strncmp(districts[i].code, code, 6) == 0)
            return &districts[i];
    return NULL;
}

int
demo_areas(struct demo *d)
{
    struct geo_index *ix = geo_index_new();
    char unit[CODE_LEN * 2], uname[NAME_LEN];
    size_t i;
    int rc;

    rc = store_area_each_geometry(d->db, add_district, ix);
    if (rc == CG_OK)
        rc = geo_index_build(ix);
    for (i = 0; rc == CG_OK && i < NELEM(districts); i++) {
        str_fmt(unit, sizeof(unit), "office-%s", districts[i].code);
        str_fmt(uname, sizeof(uname), "%s网格化服务管理中心",
                districts[i].name);
        rc = store_unit_put(d->db, unit, uname, "territorial",
                            districts[i].code, NULL);
        if (rc == CG_OK)
            rc = place_streets(d, ix, &districts[i]);
    }
    geo_index_free(ix);
    if (rc == CG_OK)
        rc = put_compounds(d);
    if (rc == CG_OK)
        rc = app_reload_areas(d->app);
    return rc;
}
