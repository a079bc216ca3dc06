import json

import pytest
import shapely

from engine.errors import NotFoundError, RegionError
from grids import Region, RegionSet, load_regions, write_geojson


def feature(code, geometry=None, **props):
    geometry = geometry or {
        "type": "Polygon",
        "coordinates": [[[116, 39], [117, 39], [117, 40], [116, 40], [116, 39]]],
    }
    base = {"code": code, "name": f"R{code}", "kind": "city", "parent": "110000"}
    base.update(props)
    return {"type": "Feature", "properties": base, "geometry": geometry}


def write(tmp_path, features, name="r.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_load_valid_collection(tmp_path):
    path = write(tmp_path, [feature("110100"), feature(130100, kind="county", parent=None)])
    rs = load_regions(path)
    assert rs.codes == ["110100", "130100"] and len(rs) == 2
    r = rs.get("130100")
    assert (r.kind, r.parent, r.name) == ("county", None, "R130100")
    assert r.geometry.area == pytest.approx(1.0)
    assert [x.code for x in rs] == rs.codes


def test_get_unknown_code_raises_not_found_naming_it(tmp_path):
    rs = load_regions(write(tmp_path, [feature("1")]))
    with pytest.raises(NotFoundError, match="'999'"):
        rs.get("999")


@pytest.mark.parametrize(
    ("features", "match"),
    [
        ([feature("1"), feature("1")], "duplicate region code '1'"),
        ([feature("1", name="")], r"feature #0 .*lacks the properties \['name'\]"),
        ([feature("1", kind="town")], "kind 'town' is not one of"),
        (
            [
                feature(
                    "bow",
                    {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
                )
            ],
            "feature #0 \\(code 'bow'\\): geometry is invalid",
        ),
        ([feature("p", {"type": "Point", "coordinates": [1, 2]})], "expected \\(Multi\\)Polygon"),
        ([], "has no features"),
    ],
)
def test_bad_collections_name_file_and_feature(tmp_path, features, match):
    path = write(tmp_path, features)
    with pytest.raises(RegionError, match=match) as info:
        load_regions(path)
    assert str(path) in str(info.value)


def test_missing_file_and_bad_json(tmp_path):
    with pytest.raises(RegionError, match="does not exist"):
        load_regions(tmp_path / "nope.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(RegionError, match="not valid JSON"):
        load_regions(bad)


def test_hash_is_stable_and_follows_content(tmp_path):
    a = load_regions(write(tmp_path, [feature("1"), feature("2")], "a.geojson"))
    b = load_regions(write(tmp_path, [feature("1"), feature("2")], "b.geojson"))
    c = load_regions(write(tmp_path, [feature("1"), feature("2", name="other")], "c.geojson"))
    assert a.hash == b.hash and len(a.hash) >= 16
    assert a.hash != c.hash
    moved = RegionSet([a[0], Region("2", "R2", "city", "110000", shapely.box(0, 0, 1, 2))])
    assert moved.hash != a.hash


def test_write_then_read_round_trips(tmp_path):
    rs = RegionSet(
        [
            Region(
                "9",
                "九",
                "key_region",
                None,
                shapely.box(100, 30, 101, 31).union(shapely.box(102, 30, 103, 31)),
            )
        ]
    )
    write_geojson(rs, tmp_path / "o.geojson")
    back = load_regions(tmp_path / "o.geojson")
    assert back.hash == rs.hash
    assert back.get("9").geometry.geom_type == "MultiPolygon"
