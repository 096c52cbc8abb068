/*
 * seed.c - the category catalogue and the departments that own its
 * classes.
 *
 * The big classes 01-10 and their small classes follow GB/T 47678.5
 * (管理部件和事项): a five-digit code, two digits of big class and three of
 * small class.  Small classes 001-079 are the standard's; 080-999 are local
 * extensions.  Big class 20 holds the livelihood requests of a 12345-style
 * hotline, one small class per first-level class of the hotline's own
 * taxonomy.
 *
 * Time limits come from local handbooks (立案结案标准) where they give
 * one; A is the strictest grid grade.  Emergencies are due in 2 hours and
 * water, power, gas and heating in 24 hours, both counted day and night;
 * hotline requests in 7 (general) or 15 (complex) working days.
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/str.h"
#include "cmd/cmd.h"

struct seed_unit {
    const char *code;
    const char *name;
};

struct seed_big {
    const char *code;
    const char *name;
    const char *name_en;
};

struct seed_small {
    const char *code;
    const char *name;
    const char *name_en;
    const char *unit; /* owning department; "" for the territorial owner */
    const char *level;
    char limit_unit;
    int limit[3]; /* grid grades A, B, C */
    const char *file_cond;
    const char *close_cond;
};

static int put_units(struct db *db);
static int put_big(struct db *db, const struct seed_big *b);
static int put_small(struct db *db, const struct seed_small *s);

static const struct seed_unit units[] = {
    {"dept-sanitation", "环卫中心"},    {"dept-landscape", "园林绿化局"},
    {"dept-enforcement", "城管执法局"}, {"dept-housing", "住房和城乡建设局"},
    {"dept-roads", "市政管理处"},       {"dept-power", "供电公司"},
    {"dept-water", "自来水公司"},       {"dept-gas", "燃气公司"},
    {"dept-heating", "热力公司"},       {"dept-traffic", "交通管理局"},
    {"dept-transport", "交通运输局"},   {"dept-ecology", "生态环境局"},
    {"dept-waterworks", "水务局"},      {"dept-hrss", "人力资源和社会保障局"},
    {"dept-education", "教育局"},       {"dept-health", "卫生健康委员会"},
    {"dept-commerce", "商务局"},        {"dept-market", "市场监督管理局"},
    {"dept-resources", "自然资源局"},   {"dept-civil", "民政局"},
};

static const struct seed_big bigs[] = {
    {"01", "市政公用设施类", "Municipal utilities"},
    {"02", "交通设施类", "Traffic facilities"},
    {"03", "市容环卫设施类", "Sanitation and cityscape facilities"},
    {"04", "园林绿化设施类", "Landscaping facilities"},
    {"05", "其他管理部件类", "Other managed components"},
    {"06", "市容环境类", "City appearance and environment"},
    {"07", "宣传广告类", "Publicity and advertising"},
    {"08", "施工管理类", "Construction management"},
    {"09", "街面秩序类", "Street order"},
    {"10", "其他事项类", "Other matters"},
    {"20", "政务诉求", "Citizen requests (12345 hotline)"},
};

/* Conditions shared by the component classes ("X异常"). */
#define F_PART "部件破损、缺失、移位或功能失效"
#define C_PART "修复、补齐或更换到位，功能恢复"
/* Conditions of the hotline classes. */
#define F_HOT "诉求人身份、诉求事项和地点明确，属于本市职责范围"
#define C_HOT "已办理或已答复诉求人，并完成回访"

/* Emergency, utility, and the usual hour and day limits. */
#define EMERG                                                                  \
    "emergency", 'h',                                                          \
    {                                                                          \
        2, 2, 2                                                                \
    }
#define UTIL                                                                   \
    "utility", 'h',                                                            \
    {                                                                          \
        24, 24, 24                                                             \
    }
#define H248                                                                   \
    "general", 'h',                                                            \
    {                                                                          \
        2, 4, 8                                                                \
    }
#define H4816                                                                  \
    "general", 'h',                                                            \
    {                                                                          \
        4, 8, 16                                                               \
    }
#define D123                                                                   \
    "general", 'd',                                                            \
    {                                                                          \
        1, 2, 3                                                                \
    }
#define D235                                                                   \
    "general", 'd',                                                            \
    {                                                                          \
        2, 3, 5                                                                \
    }
#define D357                                                                   \
    "general", 'd',                                                            \
    {                                                                          \
        3, 5, 7                                                                \
    }
#define HOT_GENERAL                                                            \
    "general", 'd',                                                            \
    {                                                                          \
        7, 7, 7                                                                \
    }
#define HOT_COMPLEX                                                            \
    "complex", 'd',                                                            \
    {                                                                          \
        15, 15, 15                                                             \
    }

static const struct seed_small smalls[] = {
    /* 01 市政公用设施类 */
    {"01001", "供水井盖异常", "Water-supply manhole cover fault", "dept-water",
     EMERG, "井盖缺失、破损、移位或高差明显", "井盖补齐或更换，恢复平整"},
    {"01037", "路灯异常", "Street lamp fault", "dept-roads", D123,
     "路灯不亮、白天常亮、灯杆倾斜或灯具破损", "路灯恢复正常照明"},
    {"01046", "户外健身设施异常", "Outdoor fitness equipment fault", "", D357,
     F_PART, C_PART},
    {"01054", "充电桩异常", "Charging pile fault", "dept-power", D235, F_PART,
     C_PART},
    {"01080", "停水", "Water outage", "dept-water", UTIL,
     "无通知停水或计划停水超时未恢复", "恢复供水并告知居民"},
    {"01081", "停电", "Power outage", "dept-power", UTIL,
     "非计划停电或计划停电超时未恢复", "恢复供电并告知居民"},
    {"01082", "燃气泄漏", "Gas leak", "dept-gas", EMERG,
     "闻到燃气异味或发现燃气管道、设施泄漏", "切断气源、排除泄漏并确认安全"},
    {"01083", "供暖不热", "Heating not warm enough", "dept-heating", UTIL,
     "供暖期内室温低于18℃或暖气不热", "室温达标并经居民确认"},
    {"01084", "电线漏电", "Live wires or electrical leakage", "dept-power",
     EMERG, "电线裸露、漏电、打火，或配电箱、变压器异常",
     "断电或隔离并修复，确认无触电危险"},
    /* 02 交通设施类 */
    {"02004", "公交站设施异常", "Bus stop facility fault", "dept-transport",
     D235, F_PART, C_PART},
    {"02010", "交通标志牌及标线异常", "Traffic sign or marking fault",
     "dept-traffic", D357, "标志牌缺失、倾斜、遮挡或标线模糊",
     "标志牌扶正更换、标线重新施划"},
    {"02014", "交通信号灯异常", "Traffic light fault", "dept-traffic", EMERG,
     "信号灯不亮、黄闪或倒计时故障", "信号灯恢复正常运行"},
    {"02034", "无障碍设施异常", "Accessibility facility fault", "dept-roads",
     D357, F_PART, C_PART},
    {"02043", "减速带异常", "Speed bump fault", "dept-roads", D357, F_PART,
     C_PART},
    /* 03 市容环卫设施类 */
    {"03001", "公共厕所异常", "Public toilet fault", "dept-sanitation", H4816,
     "公厕设施损坏、脏乱或未按时开放", "设施修复、保洁到位、正常开放"},
    {"03005", "垃圾箱异常", "Litter bin fault", "dept-sanitation", D123, F_PART,
     C_PART},
    {"03007", "牌匾标识异常", "Shop sign fault", "dept-enforcement", D235,
     "牌匾破损、脱落或存在坠落隐患", "牌匾修复或拆除，隐患消除"},
    {"03008", "宣传栏异常", "Notice board fault", "", D357, F_PART, C_PART},
    /* 04 园林绿化设施类 */
    {"04001", "古树名木异常", "Heritage tree fault", "dept-landscape", D123,
     "古树名木枯萎、损伤、倾斜或保护设施损坏", "采取养护或保护措施"},
    {"04002", "行道树异常", "Street tree fault", "dept-landscape", D123,
     "行道树倾斜、倒伏、枯死或缺株", "扶正、修剪、清理或补植到位"},
    {"04007", "街头座椅异常", "Street bench fault", "dept-landscape", D357,
     F_PART, C_PART},
    {"04013", "绿地异常", "Green space fault", "dept-landscape", D357,
     "绿地植物死亡、斑秃或设施损坏", "补植或修复到位"},
    /* 05 其他管理部件类 */
    {"05002", "公房地下室异常", "Public housing basement fault", "dept-housing",
     D357, "地下室积水、渗漏或设施损坏", "排水、维修到位"},
    {"05009", "文物古迹异常", "Heritage site fault", "", D235,
     "文物古迹本体或保护设施受损", "采取保护措施并上报主管部门"},
    /* 06 市容环境类 */
    {"06001",
     "私搭乱建",
     "Illegal structure",
     "dept-enforcement",
     "complex",
     'd',
     {7, 15, 20},
     "未取得规划许可擅自搭建建(构)筑物",
     "停工并拆除，或依法处罚到位"},
    {"06004", "建筑物外立面污损", "Soiled building facade", "", D357,
     "建筑物外立面明显污损、破损或乱涂写", "外立面清洗或修复"},
    {"06007", "沿街晾挂", "Laundry hung along the street", "", H4816,
     "临街阳台外、护栏、树木上晾晒衣物杂物", "晾挂物清除"},
    {"06010", "暴露垃圾", "Exposed garbage", "dept-sanitation", H248,
     "公共场所有暴露垃圾、卫生死角", "垃圾清除干净，无残留"},
    {"06011", "积存垃圾渣土", "Accumulated garbage and spoil",
     "dept-sanitation", H4816, "公共场所积存建筑垃圾、渣土或生活垃圾",
     "清运完毕，现场无残留"},
    {"06012",
     "道路不洁",
     "Dirty road",
     "dept-sanitation",
     "general",
     'h',
     {2, 3, 5},
     "早8时后道路有明显垃圾、污渍",
     "路面清扫干净"},
    {"06013", "道路破损", "Damaged road", "dept-roads", D357,
     "路面坑槽、塌陷、步道砖松动缺损", "修复平整"},
    {"06014", "道路遗撒", "Spillage on road", "dept-sanitation", H248,
     "车辆运输遗撒渣土、砂石或液体", "清理干净，追查遗撒车辆"},
    {"06017", "绿地脏乱", "Littered green space", "dept-landscape", H248,
     "绿地内有垃圾、杂物或枯枝落叶堆积", "绿地保洁到位"},
    {"06020",
     "焚烧垃圾树叶",
     "Burning garbage or leaves",
     "dept-enforcement",
     "general",
     'h',
     {2, 2, 4},
     "露天焚烧垃圾、树叶或秸秆",
     "明火扑灭，现场清理"},
    {"06025",
     "水域不洁",
     "Dirty water body",
     "dept-waterworks",
     "general",
     'd',
     {10, 15, 15},
     "水面漂浮垃圾、淤积或水体发黑发臭",
     "水面清洁"},
    {"06026", "河道污染", "River pollution", "dept-ecology", D357,
     "向河道排放污水或倾倒垃圾", "污染源查明并制止，河道清理"},
    {"06027", "油烟污染", "Cooking fume pollution", "dept-enforcement", D123,
     "餐饮单位未安装或未使用油烟净化设施", "安装并使用净化设施"},
    {"06028", "噪声扰民", "Noise nuisance", "dept-enforcement", H248,
     "商业经营、娱乐活动等噪声影响居民休息", "噪声源停止或降至标准内"},
    {"06029", "露天烧烤", "Open-air barbecue", "dept-enforcement", H248,
     "在城市道路、公共场所露天烧烤", "烧烤摊撤离，现场清理"},
    {"06034", "废弃车辆", "Abandoned vehicle", "dept-traffic", D357,
     "长期停放、无人使用的废旧车辆", "车辆移走或由车主处理"},
    {"06035", "废弃家具设备", "Abandoned furniture", "dept-sanitation", D123,
     "公共场所丢弃家具、家电等大件物品", "清运完毕"},
    {"06036", "乱堆杂物", "Piled sundries", "", H4816,
     "公共场所、楼前空地乱堆物料杂物", "杂物清理完毕"},
    {"06037",
     "动物尸体",
     "Animal carcass",
     "dept-sanitation",
     "general",
     'h',
     {2, 2, 4},
     "公共场所有动物尸体",
     "无害化处理完毕"},
    {"06040", "私设地锁阻车桩", "Private parking locks", "dept-enforcement",
     D123, "在公共区域私设地锁、阻车桩", "地锁、阻车桩拆除"},
    {"06041", "垃圾未分类", "Unsorted garbage", "dept-sanitation", D123,
     "垃圾投放点未分类投放或混收混运", "分类整改到位"},
    {"06042", "垃圾站(箱)满溢", "Overflowing garbage station or bin",
     "dept-sanitation", H248, "垃圾站或垃圾箱满溢、周边散落",
     "清运完毕，周边清扫干净"},
    {"06045", "非法占绿毁绿", "Occupying or damaging green space",
     "dept-landscape", D235, "擅自占用、毁坏绿地或砍伐树木",
     "制止违法行为并恢复绿地"},
    {"06051", "盲道缺损", "Damaged tactile paving", "dept-roads", D357,
     "盲道砖缺失、破损或被占用", "盲道修复畅通"},
    {"06052", "无障碍坡道破损", "Damaged accessible ramp", "dept-roads", D357,
     F_PART, C_PART},
    {"06080", "楼道设施破损", "Stairwell or common parts damaged", "", D235,
     "楼道地面、扶手、照明、门窗等公共部位破损", "修复完毕，通行安全"},
    {"06081", "树木砍伐咨询", "Questions about felled trees", "dept-landscape",
     D357, "居民对树木砍伐、移植的依据提出询问",
     "说明审批依据，张贴公示并告知补植计划"},
    {"06082", "房屋围墙倒塌", "Collapsing building or wall", "dept-housing",
     EMERG, "房屋、围墙、挡土墙开裂、倾斜或倒塌，危及人身安全",
     "设置警戒、疏散并排险，确认安全"},
    /* 07 宣传广告类 */
    {"07001", "非法小广告", "Illegal small ads", "dept-sanitation", H4816,
     "张贴、涂写、刻画小广告", "小广告清除干净"},
    {"07002", "街头散发广告", "Street flyers", "dept-enforcement", H248,
     "在道路、公共场所散发广告", "制止散发，现场清理"},
    {"07003", "违规户外广告", "Non-compliant outdoor advertising",
     "dept-enforcement", D357, "未经审批设置户外广告或广告破损",
     "拆除或整改到位"},
    {"07006", "违规牌匾标识", "Non-compliant shop sign", "dept-enforcement",
     D357, "牌匾标识设置不规范", "整改或拆除"},
    {"07007", "违规标语宣传品", "Non-compliant banners", "", D123,
     "私自悬挂横幅、标语", "拆除完毕"},
    {"07008", "公益性宣传品缺损", "Damaged public-service posters", "", D357,
     "公益宣传品破损、褪色或过期", "更换或撤除"},
    /* 08 施工管理类 */
    {"08001", "施工扰民", "Construction nuisance", "dept-enforcement", H248,
     "夜间违规施工或施工噪声、振动扰民", "停止违规施工"},
    {"08002", "施工占道", "Construction occupying road", "dept-roads", D123,
     "施工超范围、超时间占用道路", "恢复道路通行"},
    {"08003", "无证掘路", "Digging roads without permit", "dept-roads", H4816,
     "未经许可挖掘城市道路", "停止施工，恢复路面"},
    {"08004", "工地扬尘", "Construction dust", "dept-housing", H4816,
     "工地裸土未苫盖、未洒水降尘", "苫盖、洒水到位"},
    {"08005", "施工废弃料", "Construction waste", "dept-enforcement", D123,
     "施工后余土、废料、旧砖未清运", "废弃料清运，现场恢复"},
    {"08007", "施工工地围挡问题", "Construction hoarding problem",
     "dept-housing", D123, "围挡缺失、破损或不规范", "围挡修复规范"},
    {"08011", "渣土运输车辆未安装密闭装置", "Uncovered muck truck",
     "dept-enforcement", H4816, "渣土车未密闭运输", "车辆查处，整改密闭"},
    {"08016",
     "无证建设",
     "Building without permit",
     "dept-enforcement",
     "complex",
     'd',
     {7, 15, 20},
     "未取得施工许可开工建设",
     "停工并依法处理"},
    /* 09 街面秩序类 */
    {"09001", "无照经营游商", "Unlicensed street hawkers", "dept-enforcement",
     H248, "流动摊贩无照经营", "摊贩劝离，现场清理"},
    {"09002", "早(夜)市管理", "Morning and night markets", "", D123,
     "早市、夜市超范围、超时经营或卫生脏乱", "规范经营，现场清理"},
    {"09003", "流浪乞讨", "Vagrancy and begging", "dept-civil", H4816,
     "街头流浪乞讨人员需要救助", "送救助站或劝返"},
    {"09004", "废品收购乱象", "Disorderly scrap collection", "dept-enforcement",
     D123, "废品收购点占道堆放、脏乱", "整改或取缔"},
    {"09005", "店外经营", "Business outside the shop", "dept-enforcement", H248,
     "商户超出门窗、外墙经营", "经营物品撤回店内"},
    {"09006", "占道经营", "Street vending", "dept-enforcement", H248,
     "占用道路、人行道摆摊经营", "摊点撤离，恢复通行"},
    {"09009", "机动车乱停放", "Illegal car parking", "dept-traffic", H248,
     "机动车违法停放影响通行", "车辆驶离或依法处理"},
    {"09010", "非机动车乱停放", "Disorderly bicycle parking", "", H4816,
     "非机动车乱停乱放影响通行", "车辆摆放整齐"},
    {"09011", "共享单车乱象", "Shared bicycle disorder", "dept-transport",
     H4816, "共享单车堆积、倒伏或占道", "企业清理、摆放整齐"},
    {"09012",
     "占用消防通道",
     "Blocked fire lane",
     "dept-enforcement",
     "general",
     'h',
     {2, 2, 4},
     "消防通道被车辆、杂物占用",
     "消防通道畅通"},
    {"09015", "无证餐饮", "Unlicensed catering", "dept-market", D123,
     "无证经营餐饮", "取缔或办证整改"},
    {"09019", "占用无障碍通道", "Blocked accessible path", "dept-enforcement",
     H4816, "无障碍通道被占用", "通道恢复畅通"},
    /* 10 其他事项类 */
    {"10001", "道路积雪结冰", "Snow and ice on roads", "dept-sanitation", H4816,
     "降雪后道路、人行道积雪结冰", "积雪清除，撒布防滑料"},
    {"10002", "架空线缆脱落", "Fallen overhead cables", "dept-power", EMERG,
     "架空线缆脱落、垂落或断线", "线缆整理固定，隐患消除"},
    /* 20 政务诉求: one class per first-level class of the hotline */
    {"20801", "城乡建设", "Urban and rural construction", "dept-housing",
     HOT_COMPLEX, F_HOT, C_HOT},
    {"20802", "党务政务", "Party and government affairs", "", HOT_GENERAL,
     F_HOT, C_HOT},
    {"20803", "国土资源", "Land and resources", "dept-resources", HOT_COMPLEX,
     F_HOT, C_HOT},
    {"20804", "环境保护", "Environmental protection", "dept-ecology",
     HOT_GENERAL, F_HOT, C_HOT},
    {"20805", "纪检监察", "Discipline inspection", "", HOT_COMPLEX, F_HOT,
     C_HOT},
    {"20806", "交通运输", "Transport", "dept-transport", HOT_GENERAL, F_HOT,
     C_HOT},
    {"20807", "经济管理", "Economic management", "dept-commerce", HOT_COMPLEX,
     F_HOT, C_HOT},
    {"20808", "科技与信息产业", "Science, technology and IT", "", HOT_GENERAL,
     F_HOT, C_HOT},
    {"20809", "民政", "Civil affairs", "dept-civil", HOT_GENERAL, F_HOT, C_HOT},
    {"20810", "农村农业", "Agriculture and rural affairs", "", HOT_GENERAL,
     F_HOT, C_HOT},
    {"20811", "商贸旅游", "Commerce and tourism", "dept-commerce", HOT_GENERAL,
     F_HOT, C_HOT},
    {"20812", "卫生计生", "Health and family planning", "dept-health",
     HOT_GENERAL, F_HOT, C_HOT},
    {"20813", "政法", "Politics and law", "", HOT_COMPLEX, F_HOT, C_HOT},
    {"20814", "教育文体", "Education, culture and sports", "dept-education",
     HOT_GENERAL, F_HOT, C_HOT},
    {"20815", "劳动和社会保障", "Labour and social security", "dept-hrss",
     HOT_COMPLEX, F_HOT, C_HOT},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
put_units(struct db *db)
{
    size_t i;
    int rc;

    for (i = 0; i < NELEM(units); i++) {
        rc = store_unit_put(db, units[i].code, units[i].name, "department",
                            NULL, NULL);
        if (rc != CG_OK)
            return rc;
    }
    return CG_OK;
}

static int
put_big(struct db *db, const struct seed_big *b)
{
    struct category c;

    memset(&c, 0, sizeof(c));
    str_copy(c.code, sizeof(c.code), b->code);
    str_copy(c.name, sizeof(c.name), b->name);
    return store_category_put(db, &c, b->name_en, NULL, NULL);
}

/* A small class belongs to the big class named by its first two digits. */
static int
put_small(struct db *db, const struct seed_small *s)
{
    struct category c;

    memset(&c, 0, sizeof(c));
    str_copy(c.code, sizeof(c.code), s->code);
    str_fmt(c.parent, sizeof(c.parent), "%.2s", s->code);
    str_copy(c.name, sizeof(c.name), s->name);
    str_copy(c.unit_code, sizeof(c.unit_code), s->unit);
    str_copy(c.level, sizeof(c.level), s->level);
    c.limit_unit = s->limit_unit;
    memcpy(c.limit, s->limit, sizeof(c.limit));
    return store_category_put(db, &c, s->name_en, s->file_cond, s->close_cond);
}

int
seed_catalog(struct db *db)
{
    size_t i;
    int rc;

    if (db_begin(db) != CG_OK)
        return CG_EDB;
    rc = put_units(db);
    for (i = 0; rc == CG_OK && i < NELEM(bigs); i++)
        rc = put_big(db, &bigs[i]);
    for (i = 0; rc == CG_OK && i < NELEM(smalls); i++)
        rc = put_small(db, &smalls[i]);
    if (rc == CG_OK)
        rc = db_commit(db);
    if (rc != CG_OK) {
        db_rollback(db);
        fprintf(stderr,
                "seed: the category catalogue could not be stored "
                "(%s)\n",
                cg_strerror(rc));
    }
    return rc;
}
