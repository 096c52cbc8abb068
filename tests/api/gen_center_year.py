#!/usr/bin/python3
"""
Writes the published year of one service center as a history file for
`civicgrid import cases` (JSON Lines, one case a line):

  5,239 reports: 5,058 closed (accept, dispatch, sign, handle, close, rated
  satisfied), 164 open (161 overdue at AS_OF, 3 reported minutes before it
  and not yet due), 17 rejected; and 822 withdrawn, counted apart.

Usage: gen_center_year.py OUT.jsonl --area CODE --category CODE

All reports fall in 2011 (REPORTED_FROM..REPORTED_TO), so the figures can
be isolated from anything else in a database with from/to filters.
expected() recomputes the figures at any moment from the records alone.
"""
import argparse
import json
from datetime import datetime, timedelta, timezone

TZ = timezone(timedelta(hours=8))
AS_OF = datetime(2011, 12, 30, 10, 0, tzinfo=TZ)     # a Friday morning
REPORTED_FROM = "2011-01-01T00:00:00+08:00"
REPORTED_TO = "2012-01-01T00:00:00+08:00"
CLOSED, OPEN_OVERDUE, OPEN_NOT_DUE, REJECTED, WITHDRAWN = \
    5058, 161, 3, 17, 822

STATE_AFTER = {"submit": "submitted", "accept": "filed",
               "dispatch": "dispatched", "sign": "handling",
               "handle": "handled", "close": "closed", "rate": None,
               "reject": "rejected", "withdraw": "withdrawn"}


def iso(t):
    return t.isoformat(timespec="seconds")


def spread(i, n, start, days):
    """The i-th of n moments spread over `days` days from start, always
    between 08:00 and 20:00."""
    day = start + timedelta(days=(i * days) // max(n, 1))
    minute = (i * 37) % (12 * 60)
    return day.replace(hour=8, minute=0) + timedelta(minutes=minute)


def generate(area, category):
    recs = []
    start = datetime(2011, 1, 3, tzinfo=TZ)

    def rec(kind, i, t, events):
        recs.append({
            "ref": "center-2011-%s-%05d" % (kind, i),
            "category": category, "area": area,
            "description": "服务中心%s类诉求第%d件：楼道、环境、设施问题"
                           % (kind, i),
            "reported_at": iso(t), "channel": "phone",
            "events": [dict(e, at=iso(e["at"])) for e in events]})

    for i in range(CLOSED):
        t = spread(i, CLOSED, start, 330)
        steps = [("accept", 1, "dispatcher"), ("dispatch", 2, "dispatcher"),
                 ("sign", 3, "unit"), ("handle", 20, "unit"),
                 ("close", 26, "supervisor"), ("rate", 30, "resident")]
        ev = []
        for a, h, role in steps:
            e = {"at": t + timedelta(hours=h), "action": a,
                 "actor_role": role}
            if a == "handle":
                e["note"] = "已处理完毕"
            if a == "rate":
                e["rating"] = "satisfied"
            ev.append(e)
        rec("closed", i, t, ev)
    for i in range(OPEN_OVERDUE):
        t = spread(i, OPEN_OVERDUE, start, 240)
        rec("overdue", i, t, [
            {"at": t + timedelta(hours=1), "action": "accept",
             "actor_role": "dispatcher"},
            {"at": t + timedelta(hours=2), "action": "dispatch",
             "actor_role": "dispatcher"},
            {"at": t + timedelta(hours=3), "action": "sign",
             "actor_role": "unit"}])
    for i in range(OPEN_NOT_DUE):
        t = AS_OF - timedelta(minutes=10 + i)
        rec("new", i, t, [])
    for i in range(REJECTED):
        t = spread(i, REJECTED, start, 300)
        rec("rejected", i, t, [
            {"at": t + timedelta(hours=1), "action": "reject",
             "actor_role": "dispatcher", "note": "不属于受理范围"}])
    for i in range(WITHDRAWN):
        t = spread(i, WITHDRAWN, start, 330)
        rec("withdrawn", i, t, [
            {"at": t + timedelta(hours=2), "action": "withdraw",
             "actor_role": "resident", "note": "已自行解决"}])
    return recs


def parse(s):
    return datetime.fromisoformat(s)


def expected(recs, as_of):
    """The figures at as_of, from the records alone (not from civicgrid)."""
    out = {"reported": 0, "closed": 0, "open": 0, "rejected": 0,
           "withdrawn": 0, "rated": 0, "satisfied": 0}
    for r in recs:
        if parse(r["reported_at"]) > as_of:
            continue
        st, rating = "submitted", None
        for e in r["events"]:
            if parse(e["at"]) > as_of:
                break
            nxt = STATE_AFTER[e["action"]]
            if e["action"] == "rate":
                rating = e["rating"]
            elif nxt:
                st = nxt
        if st == "withdrawn":
            out["withdrawn"] += 1
            continue
        out["reported"] += 1
        if st == "closed":
            out["closed"] += 1
            if rating:
                out["rated"] += 1
                out["satisfied"] += rating in ("satisfied",
                                               "basically_satisfied")
        elif st == "rejected":
            out["rejected"] += 1
        else:
            out["open"] += 1
    return out


def write(path, recs):
    with open(path, "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out")
    p.add_argument("--area", required=True)
    p.add_argument("--category", required=True)
    a = p.parse_args()
    recs = generate(a.area, a.category)
    write(a.out, recs)
    print(json.dumps(expected(recs, AS_OF)))


if __name__ == "__main__":
    main()
