"""`civicgrid import areas`: a FeatureCollection or a bare array of
Features, Polygon or MultiPolygon, in WGS-84 or GCJ-02, all or nothing."""
import json
import os
import tempfile

import pytest

from conftest import connect, new_db, run

# A district-sized square in Hohhot and a street inside it, WGS-84.
DISTRICT = [[111.60, 40.80], [111.70, 40.80], [111.70, 40.90],
            [111.60, 40.90], [111.60, 40.80]]
STREET = [[111.62, 40.82], [111.66, 40.82], [111.66, 40.86],
          [111.62, 40.86], [111.62, 40.82]]


def feature(code, name, ring, multi=False, **props):
    geom = ({"type": "MultiPolygon", "coordinates": [[ring]]} if multi
            else {"type": "Polygon", "coordinates": [ring]})
    return {"type": "Feature", "geometry": geom,
            "properties": dict(code=code, name=name, **props)}


@pytest.fixture
def db():
    tmp = tempfile.mkdtemp(prefix="civicgrid-areas-")
    path = new_db(tmp, "a.db")
    r = run(["migrate", "--db", path])
    assert r.returncode == 0, r.stderr
    yield tmp, path


def write(tmp, name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f, ensure_ascii=False)
    return path


def areas(path):
    with connect(path) as c:
        return dict(c.execute("SELECT code, path FROM areas"))


def offices(path):
    with connect(path) as c:
        return {r[0] for r in c.execute(
            "SELECT area_code FROM units WHERE kind = 'territorial'")}


def bbox(path, code):
    with connect(path) as c:
        return c.execute("SELECT min_lon, min_lat, max_lon, max_lat"
                         " FROM areas WHERE code = ?", (code,)).fetchone()


def test_collection_and_bare_array_and_multipolygon(db):
    tmp, path = db
    fc = {"type": "FeatureCollection",
          "features": [feature("150103", "回民区", DISTRICT, multi=True,
                               level="district")]}
    r = run(["import", "areas", write(tmp, "d.json", fc), "--db", path])
    assert r.returncode == 0, r.stderr
    bare = [feature("150103003", "光明路街道", STREET)]
    r = run(["import", "areas", write(tmp, "s.json", bare), "--db", path])
    assert r.returncode == 0, r.stderr
    got = areas(path)
    # The street's parent is read from its code.
    assert got == {"150103": "/150103/", "150103003": "/150103/150103003/"}
    assert offices(path) == {"150103", "150103003"}
    assert bbox(path, "150103003") == pytest.approx((111.62, 40.82, 111.66,
                                                     40.86))


@pytest.mark.parametrize("how", ["flag", "crs member"])
def test_gcj02_is_converted_to_wgs84(db, how):
    tmp, path = db
    doc = {"type": "FeatureCollection",
           "features": [feature("150103", "回民区", DISTRICT)]}
    args = []
    if how == "flag":
        args = ["--crs", "gcj02"]
    else:
        doc["crs"] = {"type": "name", "properties": {"name": "GCJ-02"}}
    r = run(["import", "areas", write(tmp, "g.json", doc), "--db", path]
            + args)
    assert r.returncode == 0, r.stderr
    min_lon, min_lat, _, _ = bbox(path, "150103")
    # GCJ-02 lies a few hundred metres north-east of WGS-84 around Hohhot:
    # the stored corner is moved back by that much.
    assert 0.003 < 111.60 - min_lon < 0.01
    assert 0.0005 < 40.80 - min_lat < 0.01


def test_a_bad_feature_refuses_the_whole_file(db):
    tmp, path = db
    open_ring = [[111.6, 40.8], [111.7, 40.8], [111.7, 40.9]]
    doc = [feature("150103", "回民区", DISTRICT),
           feature("150104", "玉泉区", open_ring)]
    r = run(["import", "areas", write(tmp, "bad.json", doc), "--db", path])
    assert r.returncode != 0
    assert "feature 1" in r.stderr and "nothing was imported" in r.stderr
    assert areas(path) == {}
