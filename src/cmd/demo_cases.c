/*
 * demo_cases.c - the cases of the demo city: the four founding stories,
 * told step by step at their real times, and a spread of sample cases
 * over the last 30 days in every state a dispatcher meets.
 *
 * Sample photos are drawn in memory (a coloured scene), encoded as JPEG
 * and sent through the same photo pipeline as an upload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "base/err.h"
#include "base/str.h"
#include "cmd/demo_city.h"

#define PHOTO_W   320
#define PHOTO_H   240
#define MAX_STEPS 8
#define DAY       (24 * 3600)

struct photo_spec {
    enum demo_photo photo;
    unsigned char bg[3], fg[3];
};

struct story_step {
    enum case_action action;
    const char *at;
    const char *note;
    enum demo_photo photo;
    const char *unit;
    enum rating rating;
};

/* A founding story: who reported what, where, and what happened. */
struct story {
    enum demo_who reporter; /* DU__COUNT: a caller of the hotline */
    const char *caller, *caller_phone;
    const char *category;
    const char *area;
    const char *address;
    const char *title;
    const char *description;
    const char *reported;
    enum demo_photo photo;
    struct story_step steps[MAX_STEPS];
};

/* The state a sample case is left in. */
enum plan {
    PLAN_SUBMITTED,
    PLAN_FILED,
    PLAN_DISPATCHED,
    PLAN_OVERDUE,
    PLAN_HANDLING,
    PLAN_ESCALATED,
    PLAN_HANDLED,
    PLAN_CLOSED,
    PLAN_REJECTED,
    PLAN_WITHDRAWN,
    PLAN_SELF
};

/* How many sample cases end in each state, and how long ago they were
 * reported: in minutes for fresh ones, in days for the rest. */
struct plan_row {
    enum plan plan;
    int count;
    int min_age, max_age;
    bool in_days;
};

static int make_photo(struct demo *d, const struct photo_spec *s);
static void point_of(struct demo *d, const char *code, double *lon,
                     double *lat);
static const struct demo_grid *grid_of(struct demo *d, const char *code);
static int submit(struct demo *d, const struct cw_actor *who,
                  const struct cw_report *rep, int64_t *id);
static int play_story(struct demo *d, const struct story *s);
static int play_sample(struct demo *d, const struct plan_row *p, int seq);
static int64_t reported_at(struct demo *d, const struct plan_row *p);
static int64_t due_for(struct demo *d, const char *category, const char *area,
                       int64_t t);
static bool on_time(enum plan plan);
static size_t plan_steps(struct demo *d, enum plan plan,
                         const struct demo_sample *t, bool rated, int seq,
                         struct demo_step *steps);
static void spread(struct demo *d, int64_t t0, struct demo_step *steps,
                   size_t n);

static const struct photo_spec photo_specs[] = {
    {PH_TILE_BROKEN, {150, 150, 145}, {70, 65, 60}},
    {PH_TILE_FIXED, {200, 198, 190}, {185, 180, 170}},
    {PH_WASTE, {160, 150, 140}, {120, 85, 55}},
    {PH_TREE_PITS, {150, 120, 90}, {110, 80, 50}},
    {PH_TREE_PITS_CLEARED, {170, 170, 165}, {80, 140, 70}},
    {PH_NOTICE, {235, 235, 230}, {200, 40, 40}},
    {PH_SCENE, {120, 140, 160}, {90, 90, 95}},
    {PH_FIXED, {180, 200, 215}, {60, 150, 90}},
};

static const struct story stories[] = {
    /* A broken stairwell tile, fixed and closed the same evening. */
    {DU_RESIDENT1,
     NULL,
     NULL,
     "06080",
     "150103003001003001",
     "回民区光明路街道电子路社区呼铁菁华园小区3号楼2单元",
     "楼道地砖破损",
     "呼铁菁华园小区3号楼2单元一楼楼道的地砖碎了好几块，有的已经翘起来，"
     "老人和孩子进出很容易绊倒，麻烦尽快修一下。",
     "2026-11-23T13:46:00+08:00",
     PH_TILE_BROKEN,
     {{ACT_ACCEPT, "2026-11-23T13:58:00+08:00", "符合立案条件，予以立案。",
       PH_NONE, NULL, RATING_NONE},
      {ACT_DISPATCH, "2026-11-23T14:05:00+08:00",
       "请电子路社区居委会协调物业维修。", PH_NONE, NULL, RATING_NONE},
      {ACT_SIGN, "2026-11-23T14:21:00+08:00", NULL, PH_NONE, NULL, RATING_NONE},
      {ACT_HANDLE, "2026-11-23T17:35:00+08:00",
       "已协调物业更换破损地砖6块，清理碎砖，楼道恢复正常通行。", PH_TILE_FIXED,
       NULL, RATING_NONE},
      {ACT_CLOSE, "2026-11-23T19:10:00+08:00",
       "现场核查地砖已更换平整，予以结案。", PH_NONE, NULL, RATING_NONE},
      {ACT_RATE, "2026-11-23T20:32:00+08:00", "修得很快，谢谢社区！", PH_NONE,
       NULL, RATING_SATISFIED}}},
    /* Construction waste in front of a building, with the department. */
    {DU_RESIDENT2,
     NULL,
     NULL,
     "06011",
     "150103003001002",
     "回民区光明路街道电子路社区铁路住宅5号楼前",
     "楼前堆放建筑垃圾",
     "铁路住宅5号楼前堆了一大堆装修拆下来的碎砖和水泥块，快一个星期了也"
     "没人清运，占了半条路，车都过不去。",
     "2026-12-03T09:12:00+08:00",
     PH_WASTE,
     {{ACT_ACCEPT, "2026-12-03T09:40:00+08:00", "予以立案。", PH_NONE, NULL,
       RATING_NONE},
      {ACT_DISPATCH, "2026-12-03T09:52:00+08:00",
       "请环卫中心安排清运，并查找装修垃圾来源。", PH_NONE, NULL,
       RATING_NONE}}},
    /* Soil and bricks around new tree pits, cleared, to be verified. */
    {DU__COUNT,
     "赵先生",
     "13704715566",
     "08005",
     "150103002001004001",
     "回民区大学西街青城公园南门",
     "树坑周边堆放渣土和步道砖",
     "大学西街青城公园南门新挖的5个树坑周围堆满了土和拆下来的步道砖，行"
     "人只能绕到机动车道上走，晚上看不清很危险，希望尽快清理。",
     "2026-12-02T08:40:00+08:00",
     PH_NONE,
     {{ACT_ACCEPT, "2026-12-02T09:05:00+08:00",
       "来电反映情况经网格员核实属实，予以立案。", PH_NONE, NULL, RATING_NONE},
      {ACT_DISPATCH, "2026-12-02T09:15:00+08:00",
       "树坑属园林绿化补植工程，请园林绿化局督促施工单位清理。", PH_NONE,
       "dept-landscape", RATING_NONE},
      {ACT_SIGN, "2026-12-02T09:42:00+08:00", NULL, PH_NONE, NULL, RATING_NONE},
      {ACT_HANDLE, "2026-12-03T16:20:00+08:00",
       "已督促施工单位清运余土约3立方米，拆下的步道砖已回铺，5个树坑加装"
       "了临时围挡。",
       PH_TREE_PITS_CLEARED, NULL, RATING_NONE}}},
    /* Why were 13 trees felled: answered, with notice and replanting. */
    {DU_RESIDENT2,
     NULL,
     NULL,
     "06081",
     "150102001001002001",
     "新城区海拉尔东路街道兴松小区",
     "小区13棵树被砍伐",
     "兴松小区院里的13棵大树这两天全被砍了，砍之前没看到任何通知。想问一"
     "下为什么要砍？有没有经过审批？以后还补种吗？",
     "2026-11-26T10:15:00+08:00",
     PH_SCENE,
     {{ACT_ACCEPT, "2026-11-26T10:40:00+08:00", "予以立案，请园林绿化局答复。",
       PH_NONE, NULL, RATING_NONE},
      {ACT_DISPATCH, "2026-11-26T10:52:00+08:00", NULL, PH_NONE, NULL,
       RATING_NONE},
      {ACT_SIGN, "2026-11-26T11:30:00+08:00", NULL, PH_NONE, NULL, RATING_NONE},
      {ACT_HANDLE, "2026-11-27T15:00:00+08:00",
       "经核实，兴松小区内13棵树均为枯死或病虫害严重的杨树，树干中空，存在"
       "倒伏隐患。物业申请伐移后，经园林绿化局现场勘验批准，于11月25日伐除"
       "。伐移许可和公示已张贴在小区公告栏；补植计划：2027年春季在原位置补"
       "植国槐、油松共13株。",
       PH_NOTICE, NULL, RATING_NONE},
      {ACT_CLOSE, "2026-11-27T17:30:00+08:00",
       "已向居民解释说明并张贴公示，按解释说明结案。", PH_NONE, NULL,
       RATING_NONE},
      {ACT_RATE, "2026-11-27T20:10:00+08:00", "解释清楚了，希望明年按时补种。",
       PH_NONE, NULL, RATING_BASIC}}},
};

static const struct demo_sample samples[] = {
    {"06010", "路边暴露垃圾",
     "小区东门外路边堆着一堆生活垃圾，气味很大，招了很多苍蝇。",
     "已清运暴露垃圾，并对地面冲洗消毒。"},
    {"06042", "垃圾箱满溢", "公交站旁的两个垃圾箱已经满了，垃圾掉了一地。",
     "已清运满溢垃圾，周边清扫干净，并增加清运频次。"},
    {"06012", "人行道油污", "早点摊收摊后人行道上留下一大片油污和塑料袋。",
     "已安排保洁员清扫冲洗路面。"},
    {"06013", "人行道砖塌陷",
     "人行道上的方砖松动塌陷，下雨后积水，已经有人崴了脚。",
     "已重新铺设塌陷步道砖约8平方米。"},
    {"06036", "楼后空地乱堆杂物", "楼后空地堆放了废旧家具和纸箱，有火灾隐患。",
     "已联系物业和住户清理杂物。"},
    {"06028", "夜间噪声扰民", "楼下KTV每天晚上音响开到十二点以后，影响休息。",
     "已责令商户降低音量，22时后停止外放。"},
    {"06029", "露天烧烤", "小区门口有人摆露天烧烤，烟呛得窗户都不敢开。",
     "已劝离烧烤摊，现场清理干净。"},
    {"06027", "饭店油烟直排", "临街饭店的油烟没有净化，直接排到居民楼后面。",
     "已责令商户加装油烟净化设施并复查使用情况。"},
    {"06040", "公共车位私装地锁", "有人在小区公共停车位上装了地锁。",
     "已拆除私装地锁3个。"},
    {"06045", "绿地被刨开种菜", "有居民把楼前绿地刨开种菜，还围了铁丝网。",
     "已劝导住户恢复绿地，拆除铁丝网。"},
    {"06017", "街心绿地垃圾多", "街心绿地里塑料袋、烟头很多，好久没人打扫。",
     "已对绿地进行全面保洁。"},
    {"06020", "路边焚烧落叶", "有人在路边焚烧落叶和垃圾，烟很大。",
     "已扑灭明火、清理灰烬，并对焚烧人员劝导教育。"},
    {"06051", "盲道被占用", "盲道砖缺了好几块，还经常被电动车占着。",
     "已修补盲道砖，清理占道车辆。"},
    {"07001", "单元门小广告",
     "单元门和电线杆上贴满了开锁、疏通下水道的小广告。", "已清除小广告。"},
    {"08001", "工地夜间施工", "附近工地晚上十点以后还在施工，噪声很大。",
     "已责令工地夜间停止高噪声作业。"},
    {"08004", "工地扬尘", "工地的土方没有苫盖，一刮风尘土满天飞。",
     "已督促工地苫盖裸土并定时洒水降尘。"},
    {"09006", "人行道占道卖菜",
     "有菜贩在人行道上摆摊卖菜，行人只能走机动车道。",
     "已劝离占道摊贩，引导进入便民市场经营。"},
    {"09005", "修车铺店外经营", "修车铺把摊子摆到店门外人行道上，满地油污。",
     "已责令商户退回店内经营并清理油污。"},
    {"09009", "机动车乱停放", "小区门口车辆乱停乱放，早晚高峰出不去。",
     "已对违停车辆贴单告知，并协调设置禁停标志。"},
    {"09011", "共享单车堆积", "地铁口共享单车堆成堆，挡住了出入口。",
     "已通知运营企业调运单车40余辆。"},
    {"09012", "消防通道被占用", "小区消防通道长期停着私家车，消防车进不来。",
     "已联系车主挪车，施划消防通道禁停标线。"},
    {"01037", "路灯不亮", "小区外的路灯连续好几天晚上不亮，走夜路不安全。",
     "已更换损坏灯具，路灯恢复照明。"},
    {"01001", "井盖缺失", "人行道上一个井盖不见了，只用树枝挡着，太危险了。",
     "已设置围挡并补装新井盖。"},
    {"01080", "突然停水", "小区从早上开始停水，没有接到任何通知。",
     "管道抢修完毕，已恢复供水。"},
    {"01083", "暖气不热", "家里暖气只有十五六度，老人孩子受不了。",
     "已排气并调整单元阀门，入户测温20℃。"},
    {"01081", "单元停电", "我们单元下午突然停电，到现在还没来电。",
     "已更换烧毁的单元电表箱开关，恢复供电。"},
    {"02014", "信号灯故障", "十字路口的红绿灯一直黄闪，车和人都乱了。",
     "已修复信号机故障，信号灯恢复正常。"},
    {"03001", "公厕卫生差", "公园旁边的公共厕所水箱坏了，卫生很差。",
     "已维修水箱并加强保洁。"},
    {"04002", "行道树倾斜", "大风后一棵行道树歪了，快压到电线上了。",
     "已对倾斜树木扶正加固。"},
    {"10001", "路面结冰", "雪后背阴路段结冰没人清理，已经有老人滑倒。",
     "已清除冰雪并撒布融雪剂、防滑料。"},
    {"06080", "楼道灯不亮、扶手松动", "单元楼道感应灯坏了，楼梯扶手也松了。",
     "已更换感应灯并加固扶手。"},
    {"09010", "电动车乱停放", "单元门口电动车乱停，还有人飞线充电。",
     "已清理乱停电动车，劝导住户到集中充电桩充电。"},
};

/* What a grid worker fixes on the spot: small ads, sundries, e-bikes. */
static const int self_samples[] = {13, 4, 31};

static const struct plan_row plans[] = {
    {PLAN_SUBMITTED, 6, 20, 240, false},
    {PLAN_FILED, 5, 120, 600, false},
    {PLAN_DISPATCHED, 7, 180, 1200, false},
    {PLAN_OVERDUE, 1, 9, 9, true},
    {PLAN_HANDLING, 6, 1, 2, true},
    {PLAN_ESCALATED, 1, 4, 4, true},
    {PLAN_HANDLED, 6, 1, 3, true},
    {PLAN_CLOSED, 20, 2, 29, true},
    {PLAN_REJECTED, 4, 1, 25, true},
    {PLAN_WITHDRAWN, 3, 1, 20, true},
    {PLAN_SELF, 2, 1, 15, true},
};

static const char *const reject_notes[] = {
    "经核实，该事项属于小区物业服务范围，已告知居民联系物业处理。",
    "经网格员现场核实，上报问题不存在。",
    "重复上报，该问题已有案件在办理中。",
    "位置描述不清，多次联系上报人未果。",
};

static const char *const withdraw_notes[] = {
    "问题已经自行解决了。",
    "物业已经处理好了，撤回。",
    "位置报错了，重新上报。",
};

static const char *const callers[] = {
    "王女士", "刘先生", "陈女士", "杨先生", "孙女士", "周先生", "吴女士",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Draws a scene (a coloured block on a textured ground), encodes it as
 * JPEG and stores it through the upload pipeline. */
static int
make_photo(struct demo *d, const struct photo_spec *s)
{
    unsigned char *px = malloc((size_t)PHOTO_W * PHOTO_H * 3);
    struct photo_info info;
    VipsImage *img = NULL;
    void *jpeg = NULL;
    size_t len = 0;
    char err[256];
    int x, y, c, rc = CG_ERR;

    if (!px)
        return CG_ENOMEM;
    for (y = 0; y < PHOTO_H; y++)
        for (x = 0; x < PHOTO_W; x++) {
            bool block = x >= PHOTO_W / 4 && x < 3 * PHOTO_W / 4 &&
                         y >= PHOTO_H / 3 && y < 3 * PHOTO_H / 4;
            int shade = ((x / 20 + y / 20) % 2) ? 12 : 0;

            for (c = 0; c < 3; c++) {
                int v = block ? s->fg[c] : s->bg[c] - shade;
                px[((size_t)y * PHOTO_W + x) * 3 + c] =
                    (unsigned char)(v < 0 ? 0 : v);
            }
        }
    img = vips_image_new_from_memory(px, (size_t)PHOTO_W * PHOTO_H * 3, PHOTO_W,
                                     PHOTO_H, 3, VIPS_FORMAT_UCHAR);
    if (img && vips_jpegsave_buffer(img, &jpeg, &len, "Q", 80, NULL) == 0) {
        rc = photo_ingest(jpeg, len, &d->app->photo, d->app->blob_dir, &info,
                          err, sizeof(err));
        if (rc != CG_OK)
            fprintf(stderr, "demo: sample photo: %s\n", err);
    } else {
        fprintf(stderr, "demo: sample photo could not be drawn: %s\n",
                vips_error_buffer());
        vips_error_clear();
    }
    if (rc == CG_OK)
        rc = store_photo_put(d->db, info.hash, info.width, info.height,
                             (int64_t)info.bytes, info.source_type, 0);
    if (rc == CG_OK)
        str_copy(d->photos[s->photo], sizeof(d->photos[s->photo]), info.hash);
    g_free(jpeg);
    if (img)
        g_object_unref(img);
    free(px);
    return rc;
}

int
demo_photos(struct demo *d)
{
    size_t i;
    int rc;

    for (i = 0; i < NELEM(photo_specs); i++)
        if ((rc = make_photo(d, &photo_specs[i])) != CG_OK)
            return rc;
    return CG_OK;
}

static const struct demo_grid *
grid_of(struct demo *d, const char *code)
{
    size_t i;

    for (i = 0; i < d->ngrids; i++)
        if (strncmp(d->grids[i].code, code, 15) == 0)
            return &d->grids[i];
    return NULL;
}

/* A point for an area: a compound's middle, or a spot inside a grid. */
static void
point_of(struct demo *d, const char *code, double *lon, double *lat)
{
    const struct demo_grid *g;
    size_t i;

    for (i = 0; i < PL__COUNT; i++)
        if (strcmp(d->places[i].code, code) == 0) {
            *lon = d->places[i].lon;
            *lat = d->places[i].lat;
            return;
        }
    g = grid_of(d, code);
    *lon =
        g->box[0] + (g->box[2] - g->box[0]) * (0.1 + demo_rand(d, 80) / 100.0);
    *lat =
        g->box[1] + (g->box[3] - g->box[1]) * (0.1 + demo_rand(d, 80) / 100.0);
}

static int
submit(struct demo *d, const struct cw_actor *who, const struct cw_report *rep,
       int64_t *id)
{
    struct cw_error err;
    int rc;

    rc = casework_submit(d->app, who, rep, id, &err);
    if (rc != CG_OK)
        fprintf(stderr, "demo: case \"%s\" could not be reported: %s\n",
                rep->title ? rep->title : "", err.message);
    return rc;
}

static int
play_story(struct demo *d, const struct story *s)
{
    struct demo_step steps[MAX_STEPS];
    const char *photo[1];
    struct cw_report rep;
    struct cw_actor who;
    size_t n;
    int64_t id;
    int rc;

    memset(&rep, 0, sizeof(rep));
    rep.title = s->title;
    rep.description = s->description;
    rep.category = s->category;
    rep.area_code = s->area;
    rep.has_point = true;
    point_of(d, s->area, &rep.lon, &rep.lat);
    rep.address = s->address;
    rep.reported_at = demo_at(s->reported);
    if (s->reporter == DU__COUNT) {
        /* A call to the hotline, taken down by the dispatcher. */
        demo_actor(d, DU_DISPATCHER, true, &who);
        rep.channel = "hotline";
        rep.reporter_name = s->caller;
        rep.reporter_phone = s->caller_phone;
    } else {
        demo_actor(d, s->reporter, false, &who);
        rep.channel = "app";
        rep.reporter_name = d->users[s->reporter].name;
        rep.reporter_phone = d->users[s->reporter].phone;
    }
    if (s->photo != PH_NONE) {
        photo[0] = d->photos[s->photo];
        rep.photos = photo;
        rep.nphotos = 1;
    }
    if ((rc = submit(d, &who, &rep, &id)) != CG_OK)
        return rc;
    memset(steps, 0, sizeof(steps));
    for (n = 0; n < MAX_STEPS && s->steps[n].at; n++) {
        steps[n].action = s->steps[n].action;
        steps[n].at = demo_at(s->steps[n].at);
        steps[n].note = s->steps[n].note;
        steps[n].photo = s->steps[n].photo;
        steps[n].unit = s->steps[n].unit;
        steps[n].rating = s->steps[n].rating;
    }
    return demo_play(d, id, false, steps, n);
}

int
demo_stories(struct demo *d)
{
    size_t i;
    int rc;

    for (i = 0; i < NELEM(stories); i++)
        if ((rc = play_story(d, &stories[i])) != CG_OK)
            return rc;
    return CG_OK;
}

/* When a sample case came in: minutes ago, or in the working day some
 * days ago (local time). */
static int64_t
reported_at(struct demo *d, const struct plan_row *p)
{
    int64_t local = d->now + 8 * 3600, midnight;
    int age =
        p->min_age + (int)demo_rand(d, (uint32_t)(p->max_age - p->min_age + 1));

    if (!p->in_days)
        return d->now - (int64_t)age * 60;
    midnight = local - local % DAY - 8 * 3600;
    return midnight - (int64_t)age * DAY + 8 * 3600 +
           (int64_t)demo_rand(d, 9 * 60) * 60;
}

/* The deadline casework gives a case of `category` in `area` reported at
 * t. */
static int64_t
due_for(struct demo *d, const char *category, const char *area, int64_t t)
{
    struct category k;
    struct area a;

    if (store_category_get(d->db, category, &k) != CG_OK ||
        store_area_get(d->db, area, &a) != CG_OK)
        return t;
    return casework_deadline(d->app, &k, &a, t);
}

/* Open cases that are still within their deadline. */
static bool
on_time(enum plan plan)
{
    return plan == PLAN_SUBMITTED || plan == PLAN_FILED ||
           plan == PLAN_DISPATCHED || plan == PLAN_HANDLING ||
           plan == PLAN_HANDLED;
}

/* Fills the steps that bring a reported case to its planned state, with
 * gaps in minutes in `at` (made instants by spread). */
static size_t
plan_steps(struct demo *d, enum plan plan, const struct demo_sample *t,
           bool rated, int seq, struct demo_step *steps)
{
    static const enum case_action path[] = {ACT_ACCEPT, ACT_DISPATCH, ACT_SIGN,
                                            ACT_HANDLE, ACT_CLOSE,    ACT_RATE};
    static const int gap[][2] = {{15, 45},  {5, 20},   {20, 90},
                                 {90, 300}, {30, 150}, {30, 240}};
    size_t n = 0, upto;

    switch (plan) {
    case PLAN_REJECTED:
        steps[0].action = ACT_REJECT;
        steps[0].at = 20 + demo_rand(d, 60);
        steps[0].note = reject_notes[seq % NELEM(reject_notes)];
        return 1;
    case PLAN_WITHDRAWN:
        steps[0].action = ACT_WITHDRAW;
        steps[0].at = 10 + demo_rand(d, 120);
        steps[0].note = withdraw_notes[seq % NELEM(withdraw_notes)];
        return 1;
    case PLAN_SUBMITTED:
    case PLAN_SELF:
        return 0;
    case PLAN_FILED:
        upto = 1;
        break;
    case PLAN_DISPATCHED:
    case PLAN_OVERDUE:
        upto = 2;
        break;
    case PLAN_HANDLING:
    case PLAN_ESCALATED:
        upto = 3;
        break;
    case PLAN_HANDLED:
        upto = 4;
        break;
    default:
        upto = rated ? 6 : 5;
        break;
    }
    for (n = 0; n < upto; n++) {
        steps[n].action = path[n];
        steps[n].at =
            gap[n][0] + demo_rand(d, (uint32_t)(gap[n][1] - gap[n][0] + 1));
    }
    for (n = 0; n < upto; n++) {
        if (path[n] == ACT_ACCEPT)
            steps[n].note = "符合立案条件，予以立案。";
        else if (path[n] == ACT_HANDLE) {
            steps[n].note = t->fix;
            steps[n].photo = PH_FIXED;
        } else if (path[n] == ACT_CLOSE)
            steps[n].note = "现场核查已整改到位，予以结案。";
        else if (path[n] == ACT_RATE)
            steps[n].rating = seq % 7 == 6   ? RATING_UNSATISFIED
                              : seq % 4 == 3 ? RATING_BASIC
                                             : RATING_SATISFIED;
    }
    if (plan == PLAN_ESCALATED) {
        steps[n].action = ACT_ESCALATE;
        steps[n].at = 3 * 24 * 60;
        steps[n].note = "案件已超期未办结，请处置单位于今日内办结并反馈。";
        n++;
    }
    return n;
}

/* Turns the gaps of the steps into instants after t0, squeezed if need
 * be so that the last step is still in the past. */
static void
spread(struct demo *d, int64_t t0, struct demo_step *steps, size_t n)
{
    int64_t total = 0, room = d->now - 60 - t0, t = t0;
    size_t i;

    for (i = 0; i < n; i++)
        total += steps[i].at * 60;
    for (i = 0; i < n; i++) {
        int64_t g = steps[i].at * 60;

        if (total > room && total > 0)
            g = room > 0 ? g * room / total : 0;
        t += g;
        steps[i].at = t;
    }
}

static int
play_sample(struct demo *d, const struct plan_row *p, int seq)
{
    struct demo_step steps[MAX_STEPS];
    const struct demo_sample *t;
    const struct demo_grid *g;
    const char *photo[1];
    struct cw_report rep;
    struct cw_actor who;
    char phone[16];
    bool resident;
    size_t n;
    int64_t id;
    int rc;

    if (p->plan == PLAN_SELF) {
        t = &samples[self_samples[seq % NELEM(self_samples)]];
        g = grid_of(d, "150103003001001");
    } else {
        t = &samples[demo_rand(d, NELEM(samples))];
        g = &d->grids[demo_rand(d, (uint32_t)d->ngrids)];
    }
    memset(&rep, 0, sizeof(rep));
    rep.title = t->title;
    rep.description = t->description;
    rep.category = t->category;
    rep.area_code = g->code;
    rep.has_point = true;
    point_of(d, g->code, &rep.lon, &rep.lat);
    rep.address = g->place;
    rep.reported_at = reported_at(d, p);
    /* An open case meant to be on time is moved closer to now until its
     * deadline is still ahead. */
    while (on_time(p->plan) && rep.reported_at < d->now - 1800 &&
           due_for(d, t->category, g->code, rep.reported_at) <= d->now + 1800)
        rep.reported_at = d->now - (d->now - rep.reported_at) / 2;
    photo[0] = d->photos[p->plan == PLAN_SELF ? PH_FIXED : PH_SCENE];
    /* Withdrawals and ratings come from residents who signed in; other
     * cases are half app reports, half hotline calls. */
    resident = p->plan == PLAN_WITHDRAWN || p->plan == PLAN_CLOSED ||
               demo_rand(d, 2) == 0;
    if (p->plan == PLAN_SELF) {
        demo_actor(d, DU_GRIDWORKER, false, &who);
        rep.channel = "grid";
        rep.self_handle = true;
        rep.note = t->fix;
        rep.photos = photo;
        rep.nphotos = 1;
    } else if (resident) {
        enum demo_who r = seq % 2 ? DU_RESIDENT2 : DU_RESIDENT1;

        demo_actor(d, r, false, &who);
        rep.channel = "app";
        rep.reporter_name = d->users[r].name;
        rep.reporter_phone = d->users[r].phone;
        rep.photos = photo;
        rep.nphotos = 1;
    } else {
        demo_actor(d, DU_DISPATCHER, true, &who);
        rep.channel = "hotline";
        rep.reporter_name = callers[seq % NELEM(callers)];
        str_fmt(phone, sizeof(phone), "139047%05d", 10000 + seq * 37);
        rep.reporter_phone = phone;
    }
    if ((rc = submit(d, &who, &rep, &id)) != CG_OK)
        return rc;
    memset(steps, 0, sizeof(steps));
    n = plan_steps(d, p->plan, t, resident && p->plan == PLAN_CLOSED, seq,
                   steps);
    spread(d, rep.reported_at, steps, n);
    return demo_play(d, id, false, steps, n);
}

const struct demo_sample *
demo_samples(size_t *n)
{
    *n = NELEM(samples);
    return samples;
}

const char *
demo_reject_note(unsigned i)
{
    return reject_notes[i % NELEM(reject_notes)];
}

const char *
demo_withdraw_note(unsigned i)
{
    return withdraw_notes[i % NELEM(withdraw_notes)];
}

int
demo_cases(struct demo *d)
{
    size_t i;
    int k, seq = 0, rc;

    for (i = 0; i < NELEM(plans); i++)
        for (k = 0; k < plans[i].count; k++, seq++)
            if ((rc = play_sample(d, &plans[i], seq)) != CG_OK)
                return rc;
    return CG_OK;
}
