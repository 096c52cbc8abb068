"""Every transition through the API: the main path and each branch, one
event per step, and out-of-order steps answered 409 without a change."""
import pytest

from conftest import err_of, make_case, png_bytes

# A scenario is a start (a state reached along the main path, or a fresh
# report) and steps (user, action, extra fields, expected state).  "PHOTO"
# in photos is replaced by a freshly uploaded photo of that user.
NOTE = {"note": "理由说明"}
PHOTO = {"note": "已处理，见照片", "photos": ["PHOTO"]}

SCENARIOS = {
    "main path": ("submitted", [
        ("dispatcher", "accept", {}, "filed"),
        ("dispatcher", "dispatch", {"unit": "COMMUNITY"}, "dispatched"),
        ("community", "sign", {}, "handling"),
        ("community", "handle", PHOTO, "handled"),
        ("supervisor", "close", {}, "closed"),
        ("resident1", "rate", {"rating": "satisfied"}, "closed"),
    ]),
    "reject with reason": ("submitted", [
        ("dispatcher", "reject", {"note": "不属于受理范围"}, "rejected"),
    ]),
    "withdraw by reporter": ("submitted", [
        ("resident1", "withdraw", {}, "withdrawn"),
    ]),
    "withdraw after dispatch": ("dispatched", [
        ("resident1", "withdraw", {"note": "已自行解决"}, "withdrawn"),
    ]),
    "return a wrong dispatch": ("dispatched", [
        ("community", "return", {"note": "不属于本单位"}, "filed"),
        ("dispatcher", "dispatch", {"unit": "SANITATION"}, "dispatched"),
        ("sanitation", "sign", {}, "handling"),
    ]),
    "extend and approve": ("handling", [
        ("community", "extend", {"note": "需要采购材料", "days": 3},
         "extension_pending"),
        ("supervisor", "approve_extension", {}, "handling"),
    ]),
    "extend and deny": ("handling", [
        ("community", "extend", {"note": "需要采购材料", "days": 5},
         "extension_pending"),
        ("supervisor", "deny_extension", {"note": "小事，按时办结"},
         "handling"),
    ]),
    "suspend and resume": ("handling", [
        ("supervisor", "suspend", {"note": "需纳入年度改造计划"}, "suspended"),
        ("supervisor", "resume", {}, "handling"),
    ]),
    "escalate": ("dispatched", [
        ("supervisor", "escalate", {"note": "请加快办理"}, "dispatched"),
    ]),
    "rework": ("handled", [
        ("supervisor", "rework", {"note": "照片看不出已修好"}, "handling"),
        ("community", "handle", PHOTO, "handled"),
        ("supervisor", "close", {}, "closed"),
    ]),
    "grid worker handles in own grid": ("handling", [
        ("gridworker", "handle", PHOTO, "handled"),
    ]),
    "unsatisfied, reopen, close again, rate again": ("closed", [
        ("resident1", "rate", {"rating": "unsatisfied"}, "closed"),
        ("resident1", "reopen", {"note": "地砖还是松的"}, "dispatched"),
        ("community", "sign", {}, "handling"),
        ("community", "handle", PHOTO, "handled"),
        ("supervisor", "close", {}, "closed"),
        ("resident1", "rate", {"rating": "basically_satisfied"}, "closed"),
    ]),
}


def resolve(api, city, user, kw):
    kw = dict(kw)
    if kw.get("unit") == "COMMUNITY":
        kw["unit"] = city.community_unit
    if kw.get("unit") == "SANITATION":
        kw["unit"] = city.sanitation_unit
    if kw.get("photos") == ["PHOTO"]:
        kw["photos"] = [api.photo(user)]
    return kw


def check_unchanged(api, cid, before, evs_before, r, status=409):
    assert r.status_code == status, (r.status_code, r.text)
    err_of(r)
    after = api.case(cid)
    assert after["version"] == before["version"]
    assert after["state"] == before["state"]
    assert len(api.events(cid)) == evs_before


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(api, city, name):
    start, steps = SCENARIOS[name]
    cid = make_case(api, city, start)
    evs = api.events(cid)
    assert evs[0]["action"] == "submit" and evs[0]["to"] == "submitted"
    assert [e["seq"] for e in evs] == list(range(1, len(evs) + 1))
    for user, action, kw, to in steps:
        before = api.case(cid)
        r = api.act(cid, user, action, **resolve(api, city, user, kw))
        assert r.status_code == 200, (name, user, action, r.text)
        c = r.json()
        assert c["state"] == to, (action, c["state"])
        assert c["version"] == before["version"] + 1
        now = api.events(cid)
        assert len(now) == len(evs) + 1, "exactly one event per step"
        e = now[-1]
        assert e["action"] == action
        assert e["from"] == before["state"] and e["to"] == to
        assert e["actor"] == api.me(user).get("display_name", user) or \
            e["actor"] == user
        assert e["actor_role"] == api.me(user)["role"]
        if kw.get("note"):
            assert e["note"] == kw["note"]
        if kw.get("photos"):
            assert len(e["photos"]) == 1
            assert e["photos"][0]["url"].startswith("/photos/")
        if kw.get("rating"):
            assert e["rating"] == kw["rating"]
            assert c["rating"] == kw["rating"]
        evs = now


def test_escalate_marks_case(api, city):
    cid = make_case(api, city, "dispatched")
    c = api.ok(cid, "supervisor", "escalate", note="超期督办")
    assert c["escalated"] in (1, True)


def test_extension_moves_deadline_and_deny_does_not(api, city):
    a = make_case(api, city, "handling")
    due0 = api.case(a)["due_at"]
    api.ok(a, "community", "extend", note="材料未到", days=3)
    c = api.ok(a, "supervisor", "approve_extension")
    assert c["due_at"] and c["due_at"] > due0
    b = make_case(api, city, "handling")
    due0 = api.case(b)["due_at"]
    api.ok(b, "community", "extend", note="材料未到", days=3)
    c = api.ok(b, "supervisor", "deny_extension", note="不同意")
    assert c["due_at"] == due0


def test_merge_into_another_filed_case(api, city):
    target = make_case(api, city, "filed", description="三单元门口建筑垃圾")
    dup = make_case(api, city, "submitted", reporter="resident2",
                    description="三单元门口有人倒建筑垃圾")
    before = len(api.events(dup))
    c = api.ok(dup, "dispatcher", "merge", target=target)
    assert c["state"] == "merged"
    assert c.get("parent_id") == target
    evs = api.events(dup)
    assert len(evs) == before + 1 and evs[-1]["action"] == "merge"
    assert evs[-1]["from"] == "submitted" and evs[-1]["to"] == "merged"
    # the target is untouched
    assert api.case(target)["state"] == "filed"


@pytest.mark.parametrize("target_state,status", [
    ("submitted", 409), ("closed", 409), ("self", 422), ("missing", 422)])
def test_merge_bad_target(api, city, target_state, status):
    dup = make_case(api, city, "submitted")
    if target_state == "self":
        target = dup
    elif target_state == "missing":
        target = 999999999
    else:
        target = make_case(api, city, target_state)
    before = api.case(dup)
    n = len(api.events(dup))
    r = api.act(dup, "dispatcher", "merge", target=target)
    check_unchanged(api, dup, before, n, r, status)


def test_self_handle_by_grid_worker(api, city):
    ph = api.photo("gridworker")
    n0 = api.counts()
    c = api.report("gridworker", category=city.general, area=city.grid,
                   description="楼道口散落杂物，网格员当场清理",
                   self_handle=True, note="已当场清理", photos=[ph])
    assert c["state"] == "closed"
    evs = api.events(c["id"])
    assert len(evs) == 1
    assert evs[0]["action"] == "self_handle" and evs[0]["to"] == "closed"
    assert evs[0]["from"] in ("none", None)
    assert evs[0]["actor_role"] == "grid_worker"
    assert [p["hash"] for p in evs[0]["photos"]] == [ph]
    assert c["closed_at"]
    assert api.counts() == (n0[0] + 1, n0[1] + 1)


@pytest.mark.parametrize("fields,status", [
    ({"note": "已清理"}, 422),                 # no photo
    ({"photos": ["PHOTO"]}, 422),              # no note
])
def test_self_handle_needs_note_and_photo(api, city, fields, status):
    fields = resolve(api, city, "gridworker", fields)
    n0 = api.counts()
    r = api.post("/api/v1/cases", "gridworker",
                 json=dict(category=city.general, area=city.grid,
                           description="当场处理", self_handle=True,
                           **fields))
    assert r.status_code == status, r.text
    err_of(r)
    assert api.counts() == n0


def test_self_handle_not_for_residents(api, city):
    n0 = api.counts()
    r = api.post("/api/v1/cases", "resident1",
                 json=dict(category=city.general, area=city.grid,
                           description="当场处理", self_handle=True,
                           note="x", photos=[api.photo("resident1")]))
    assert r.status_code == 403, r.text
    err_of(r)
    assert api.counts() == n0


# Out of order: (state reached, user, action, fields) -> 409, nothing changed.
OUT_OF_ORDER = [
    ("submitted", "supervisor", "close", {}),
    ("submitted", "dispatcher", "dispatch", {"unit": "COMMUNITY"}),
    ("filed", "dispatcher", "accept", {}),
    ("dispatched", "supervisor", "close", {}),
    ("dispatched", "community", "handle", PHOTO),
    ("handling", "community", "sign", {}),
    ("handling", "resident1", "withdraw", {}),
    ("handled", "resident1", "rate", {"rating": "satisfied"}),
    ("handled", "supervisor", "approve_extension", {}),
    ("closed", "dispatcher", "dispatch", {"unit": "COMMUNITY"}),
    ("closed", "supervisor", "close", {}),
    ("closed", "supervisor", "resume", {}),
    ("closed", "supervisor", "escalate", {"note": "x"}),
    ("handling", "supervisor", "rework", {"note": "x"}),
    ("filed", "dispatcher", "reject", {"note": "x"}),
]


@pytest.mark.parametrize("state,user,action,kw", OUT_OF_ORDER,
                         ids=["%s-%s" % (s, a) for s, _, a, _ in OUT_OF_ORDER])
def test_out_of_order_is_409(api, city, state, user, action, kw):
    cid = make_case(api, city, state)
    before = api.case(cid)
    n = len(api.events(cid))
    r = api.act(cid, user, action, **resolve(api, city, user, kw))
    check_unchanged(api, cid, before, n, r, 409)
    e = err_of(r)
    assert state in e["message"], e


# Other refusals on a case in the right state.
REFUSED = [
    ("submitted", "dispatcher", "reject", {}, 422),            # no reason
    ("handling", "community", "handle", {"note": "x"}, 422),   # no photo
    ("handling", "community", "extend", {"note": "x"}, 422),   # no days
    ("handling", "community", "extend", {"note": "x", "days": 61}, 422),
    ("closed", "resident1", "reopen", {"note": "x"}, 409),     # not rated
    ("closed", "resident2", "rate", {"rating": "satisfied"}, 403),
    ("closed", "resident1", "rate", {"rating": "great"}, 422),
    ("closed", "resident1", "rate", {}, 422),
    ("dispatched", "sanitation", "sign", {}, 403),             # not its case
    ("submitted", "resident1", "accept", {}, 403),
]


@pytest.mark.parametrize("state,user,action,kw,status", REFUSED,
                         ids=["%s-%s-%s-%d" % (s, u, a, st)
                              for s, u, a, _, st in REFUSED])
def test_refused_changes_nothing(api, city, state, user, action, kw, status):
    cid = make_case(api, city, state)
    before = api.case(cid)
    n = len(api.events(cid))
    r = api.act(cid, user, action, **kw)
    check_unchanged(api, cid, before, n, r, status)


def test_rate_twice_is_refused(api, city):
    # The reporter may rate, but the case's rating stands: a conflict with
    # the case, not a matter of who asks.
    cid = make_case(api, city, "closed")
    api.ok(cid, "resident1", "rate", rating="satisfied")
    before = api.case(cid)
    n = len(api.events(cid))
    r = api.act(cid, "resident1", "rate", rating="unsatisfied")
    check_unchanged(api, cid, before, n, r, 409)
    assert err_of(r)["code"] == "rating_conflict"
    assert "already rated 'satisfied'" in err_of(r)["message"]
    r = api.act(cid, "resident1", "reopen", note="x")
    check_unchanged(api, cid, before, n, r, 409)
    assert "'unsatisfied'" in err_of(r)["message"]


def test_a_step_cannot_show_a_photo_already_in_the_case(api, city):
    # The report's photo, or the one of an earlier handling, handed in
    # again as proof of the work.
    report_photo = api.photo("resident1", data=png_bytes(rgb=(10, 20, 30)))
    c = api.report("resident1", category=city.general, area=city.grid,
                   description="井盖破损，路人容易踩空", photos=[report_photo])
    cid = c["id"]
    api.ok(cid, "dispatcher", "accept")
    api.ok(cid, "dispatcher", "dispatch", unit=city.community_unit)
    api.ok(cid, "community", "sign")
    before = api.case(cid)
    n = len(api.events(cid))
    r = api.act(cid, "community", "handle", note="已更换井盖",
                photos=[report_photo])
    check_unchanged(api, cid, before, n, r, 422)
    assert err_of(r)["code"] == "photo_reused"
    assert report_photo in err_of(r)["message"]
    first = api.photo("community", data=png_bytes(rgb=(40, 50, 60)))
    api.ok(cid, "community", "handle", note="已更换井盖", photos=[first])
    api.ok(cid, "supervisor", "rework", note="井盖未固定")
    before = api.case(cid)
    n = len(api.events(cid))
    r = api.act(cid, "community", "handle", note="已固定", photos=[first])
    check_unchanged(api, cid, before, n, r, 422)
    assert err_of(r)["code"] == "photo_reused"
    again = api.photo("community", data=png_bytes(rgb=(70, 80, 90)))
    api.ok(cid, "community", "handle", note="已固定", photos=[again])
    assert api.case(cid)["state"] == "handled"


def test_stale_version_is_409(api, city):
    cid = make_case(api, city, "submitted")
    v = api.case(cid)["version"]
    api.ok(cid, "dispatcher", "accept", version=v)
    before = api.case(cid)
    n = len(api.events(cid))
    r = api.act(cid, "dispatcher", "dispatch", unit=city.community_unit,
                version=v)
    check_unchanged(api, cid, before, n, r, 409)
    assert err_of(r)["code"] == "stale_version"


def test_allowed_actions_follow_the_table(api, city):
    cid = make_case(api, city, "handling")
    names = lambda u: {a["action"] for a in api.case(cid, u)["allowed_actions"]}
    assert names("community") == {"handle", "return", "extend"}
    assert names("supervisor") == {"suspend", "escalate"}
    assert names("resident1") == set()
