#!/usr/bin/env python3
"""Build the Nghệ An unit directory CSVs from the text of NQ 1678/NQ-UBTVQH15.

Usage (from the repository root):

    python units/data/build_nghe_an.py [path/to/nq-1678-2025-nghe-an-communes.md]

The default source path is ``../shared/data/nq-1678-2025-nghe-an-communes.md``
relative to the repository root. The script writes, next to itself:

* ``nghe_an_2025_before.csv``          - unit directory as of 30/6/2025
                                          (``import_units`` format);
* ``nghe_an_2025_reorganisation.csv``  - reorganisation operations of 1/3/2025
                                          (departments) and 1/7/2025 (communes,
                                          end of the district level).

Only the Python standard library is used; the output is deterministic
(UTF-8, ``\\n`` line endings, header row).

Codes: only ``000.00.00.H41`` (UBND tỉnh Nghệ An) is a real QCVN 102 code.
Every other code produced here is a DEMO code that follows the QCVN 102
structure ``V1V2V3.Z1Z2.Y1Y2.X1X2X3`` (read right to left):

* departments (before 1/3/2025):  ``000.00.NN.H41``, NN = 01..20 in the order
  of DEPARTMENTS below; departments created on 1/3/2025 get 21 and 22;
* district-level UBND:            ``000.00.DD.H41``, DD = 31..51 in the order of
  DISTRICTS below (Vietnamese alphabetical order of the proper name, compared
  word by word, ignoring the unit type: Anh Sơn < Con Cuông < Cửa Lò < ...);
* old communes:                   ``000.CC.DD.H41``, DD = the district's level-2
  group, CC = 01.. numbered within the district in order of first appearance
  in the resolution (items 1-121, then item 122);
* new communes of 1/7/2025:       ``000.CC.GG.H41``, GG = 61 for items 1-99
  (CC = item number) and GG = 62 for items 100-121 (CC = item - 99).

Old-district assignment: the resolution lists its items grouped by old
district in alphabetical order of the district, then the towns/city (Hoàng
Mai, Thái Hòa, Vinh). ITEM_RANGES below was derived by reading the text:
the explicit disambiguators such as "(huyện Đô Lương)" pin individual items,
and the commune name patterns (Diễn X, Nghi X, Quỳnh X, X Thành, ...) and the
names of the new communes (xã Anh Sơn, xã Con Cuông, ...) mark the district
boundaries. The script asserts that every disambiguator in the text agrees
with ITEM_RANGES.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter, OrderedDict
from pathlib import Path

PROVINCE_CODE = "000.00.00.H41"

# --------------------------------------------------------------------------
# Hand-written tables
# --------------------------------------------------------------------------

# Departments before 1/3/2025: (key, full name, short name used in notations).
DEPARTMENTS = [
    ("VPUBND", "Văn phòng Ủy ban nhân dân tỉnh Nghệ An", "VPUBND"),
    ("SNV", "Sở Nội vụ tỉnh Nghệ An", "SNV"),
    ("STP", "Sở Tư pháp tỉnh Nghệ An", "STP"),
    ("SKHĐT", "Sở Kế hoạch và Đầu tư tỉnh Nghệ An", "SKHĐT"),
    ("STC", "Sở Tài chính tỉnh Nghệ An", "STC"),
    ("SCT", "Sở Công Thương tỉnh Nghệ An", "SCT"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn tỉnh Nghệ An", "SNNPTNT"),
    ("SGTVT", "Sở Giao thông vận tải tỉnh Nghệ An", "SGTVT"),
    ("SXD", "Sở Xây dựng tỉnh Nghệ An", "SXD"),
    ("STNMT", "Sở Tài nguyên và Môi trường tỉnh Nghệ An", "STNMT"),
    ("STTTT", "Sở Thông tin và Truyền thông tỉnh Nghệ An", "STTTT"),
    ("SLĐTBXH", "Sở Lao động - Thương binh và Xã hội tỉnh Nghệ An", "SLĐTBXH"),
    ("SVHTT", "Sở Văn hóa và Thể thao tỉnh Nghệ An", "SVHTT"),
    ("SDL", "Sở Du lịch tỉnh Nghệ An", "SDL"),
    ("SKHCN", "Sở Khoa học và Công nghệ tỉnh Nghệ An", "SKHCN"),
    ("SGDĐT", "Sở Giáo dục và Đào tạo tỉnh Nghệ An", "SGDĐT"),
    ("SYT", "Sở Y tế tỉnh Nghệ An", "SYT"),
    ("TTT", "Thanh tra tỉnh Nghệ An", "TTT"),
    ("SNgV", "Sở Ngoại vụ tỉnh Nghệ An", "SNgV"),
    ("BDT", "Ban Dân tộc tỉnh Nghệ An", "BDT"),
]

# Departments after 1/3/2025. Each entry:
# (action, target key or None, new code, new name, new short name, source keys)
DEPARTMENT_CHANGES = [
    ("merge", "SNV", None, None, None, ["SLĐTBXH"]),
    ("merge", "STC", None, None, None, ["SKHĐT"]),
    ("merge", "SXD", None, None, None, ["SGTVT"]),
    ("merge", "SKHCN", None, None, None, ["STTTT"]),
    ("merge", None, "000.00.21.H41",
     "Sở Nông nghiệp và Môi trường tỉnh Nghệ An", "SNNMT", ["SNNPTNT", "STNMT"]),
    ("merge", None, "000.00.22.H41",
     "Sở Văn hóa, Thể thao và Du lịch tỉnh Nghệ An", "SVHTTDL", ["SVHTT", "SDL"]),
    ("rename", "BDT", None,
     "Sở Dân tộc và Tôn giáo tỉnh Nghệ An", "SDTTG", ["BDT"]),
]
DEPARTMENT_NOTE = "Sắp xếp cơ quan chuyên môn thuộc UBND tỉnh Nghệ An từ 01/3/2025"

# District-level units until 30/11/2024, in code order (DD = 31..51):
# Vietnamese alphabetical order of the proper name, word by word, type ignored.
# (proper name, unit type)
DISTRICTS = [
    ("Anh Sơn", "huyện"),
    ("Con Cuông", "huyện"),
    ("Cửa Lò", "thị xã"),
    ("Diễn Châu", "huyện"),
    ("Đô Lương", "huyện"),
    ("Hoàng Mai", "thị xã"),
    ("Hưng Nguyên", "huyện"),
    ("Kỳ Sơn", "huyện"),
    ("Nam Đàn", "huyện"),
    ("Nghi Lộc", "huyện"),
    ("Nghĩa Đàn", "huyện"),
    ("Quế Phong", "huyện"),
    ("Quỳ Châu", "huyện"),
    ("Quỳ Hợp", "huyện"),
    ("Quỳnh Lưu", "huyện"),
    ("Tân Kỳ", "huyện"),
    ("Thái Hòa", "thị xã"),
    ("Thanh Chương", "huyện"),
    ("Tương Dương", "huyện"),
    ("Vinh", "thành phố"),
    ("Yên Thành", "huyện"),
]
FIRST_DISTRICT_NUMBER = 31
# Thị xã Cửa Lò was merged into thành phố Vinh from 1/12/2024 (NQ 1243/NQ-UBTVQH15).
CUA_LO_END = "2024-11-30"

# NQ 1678 Điều 1, items 1-121: (first item, last item, old district).
# Vinh (items 116-121) includes the former wards of Cửa Lò and the Nghi Lộc /
# Hưng Nguyên communes transferred to Vinh in 2024.
ITEM_RANGES = [
    (1, 6, "Anh Sơn"),
    (7, 11, "Con Cuông"),
    (12, 19, "Diễn Châu"),
    (20, 25, "Đô Lương"),
    (26, 29, "Hưng Nguyên"),
    (30, 36, "Kỳ Sơn"),
    (37, 41, "Nam Đàn"),
    (42, 48, "Nghĩa Đàn"),
    (49, 55, "Nghi Lộc"),
    (56, 60, "Quế Phong"),
    (61, 63, "Quỳ Châu"),
    (64, 70, "Quỳ Hợp"),
    (71, 77, "Quỳnh Lưu"),
    (78, 85, "Tân Kỳ"),
    (86, 94, "Thanh Chương"),
    (95, 101, "Tương Dương"),
    (102, 110, "Yên Thành"),
    (111, 113, "Hoàng Mai"),
    (114, 115, "Thái Hòa"),
    (116, 121, "Vinh"),
]

# Item 122: the 9 communes not rearranged, and their district.
UNCHANGED_DISTRICT = {
    "Keng Đu": "Kỳ Sơn",
    "Mỹ Lý": "Kỳ Sơn",
    "Bắc Lý": "Kỳ Sơn",
    "Huồi Tụ": "Kỳ Sơn",
    "Mường Lống": "Kỳ Sơn",
    "Bình Chuẩn": "Con Cuông",
    "Hữu Khuông": "Tương Dương",
    "Lượng Minh": "Tương Dương",
    "Châu Bình": "Quỳ Châu",
}

REFORM_DATE = "2025-07-01"
DEPARTMENT_DATE = "2025-03-01"
RESOLUTION = "NQ 1678/NQ-UBTVQH15"

BEFORE_COLUMNS = [
    "code", "name", "short_name", "kind", "parent_code", "valid_from",
    "valid_to", "successor_code", "address", "email", "phone", "fax",
    "website", "is_demo_code",
]
REORG_COLUMNS = [
    "effective_date", "action", "target_code", "target_name",
    "target_short_name", "target_kind", "target_parent_code", "source_codes",
    "note",
]

UBND = "Ủy ban nhân dân"
UNIT_TYPES = ("thị trấn", "phường", "xã")  # longest first for prefix matching

# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

ITEM_RE = re.compile(r"^(\d+)\.\s+(.*)$")
MERGE_RE = re.compile(
    r"quy mô dân số của (?P<sources>.+?) thành (?P<newtype>xã|phường) mới "
    r"có tên gọi là (?P<newtype2>xã|phường) (?P<newname>.+?)\.\s*$"
)
UNCHANGED_RE = re.compile(
    r"(?P<nxa>\d+) xã và (?P<nphuong>\d+) phường; trong đó có (?P<mxa>\d+) xã, "
    r"(?P<mphuong>\d+) phường hình thành sau sắp xếp.*?"
    r"(?P<nunchanged>\d+) xã không thực hiện sắp xếp là các xã (?P<names>.+?)\.\s*$"
)
DISAMBIG_RE = re.compile(r"\s*\((?:huyện|thị xã|thành phố) (?P<district>[^)]+)\)\s*$")


def clean(text: str) -> str:
    """Remove markdown bold markers and normalise whitespace."""
    text = text.replace("**", "")
    return re.sub(r"\s+", " ", text).strip()


def parse_unit_list(text: str, default_type: str | None = None):
    """Parse "thị trấn A, xã B và các xã C, D" into [(type, name, district|None)].

    A type word (xã / phường / thị trấn, optionally preceded by "các") applies
    to the following names until another type word appears. A trailing
    "(huyện X)" disambiguator is stripped from the name and returned.
    """
    result = []
    current = default_type
    for segment in re.split(r",\s*|\s+và\s+", text):
        segment = segment.strip()
        if not segment:
            continue
        if segment.startswith("các "):
            segment = segment[4:]
        for unit_type in UNIT_TYPES:
            if segment.startswith(unit_type + " "):
                current = unit_type
                segment = segment[len(unit_type) + 1:]
                break
        district = None
        match = DISAMBIG_RE.search(segment)
        if match:
            district = match.group("district").strip()
            segment = segment[: match.start()]
        name = segment.strip()
        if current is None or not name:
            raise ValueError(f"cannot parse unit list segment {segment!r} in {text!r}")
        if any(word in name.split() for word in ("xã", "phường", "các", "và")):
            raise ValueError(f"suspicious commune name {name!r} in {text!r}")
        result.append((current, name, district))
    return result


def district_of_item(number: int) -> str:
    for first, last, district in ITEM_RANGES:
        if first <= number <= last:
            return district
    raise ValueError(f"no district range for item {number}")


def parse_resolution(path: Path):
    items = OrderedDict()
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = clean(raw)
        match = ITEM_RE.match(line)
        if match:
            items.setdefault(int(match.group(1)), match.group(2))
            # Only the first numbered list (Điều 1) matters; later lists
            # (Điều 2, 3) restart at 1 and are ignored by setdefault.
    merges = []
    for number in range(1, 122):
        text = items[number]
        match = MERGE_RE.search(text)
        if not match:
            raise ValueError(f"item {number} does not look like a merge: {text!r}")
        if match.group("newtype") != match.group("newtype2"):
            raise ValueError(f"item {number}: inconsistent new unit type")
        district = district_of_item(number)
        sources = parse_unit_list(match.group("sources"))
        for unit_type, name, disambig in sources:
            if disambig is not None and disambig != district:
                raise AssertionError(
                    f"item {number}: {unit_type} {name} says {disambig}, range says {district}"
                )
        merges.append({
            "item": number,
            "district": district,
            "new_type": match.group("newtype"),
            "new_name": match.group("newname").strip(),
            "sources": [(t, n) for t, n, _ in sources],
        })
    match = UNCHANGED_RE.search(items[122])
    if not match:
        raise ValueError("item 122 not understood")
    unchanged = [name for _, name, _ in parse_unit_list(match.group("names"), "xã")]
    totals = {k: int(v) for k, v in match.groupdict().items() if k != "names"}
    return merges, unchanged, totals


# --------------------------------------------------------------------------
# Building rows
# --------------------------------------------------------------------------

def blank_before(**values) -> dict:
    row = {column: "" for column in BEFORE_COLUMNS}
    row.update(values)
    return row


def blank_reorg(**values) -> dict:
    row = {column: "" for column in REORG_COLUMNS}
    row.update(values)
    return row


def build(source: Path):
    merges, unchanged, totals = parse_resolution(source)

    district_code = {
        name: f"000.00.{FIRST_DISTRICT_NUMBER + i:02d}.H41"
        for i, (name, _) in enumerate(DISTRICTS)
    }
    district_type = dict(DISTRICTS)
    dept_code = {key: f"000.00.{i + 1:02d}.H41" for i, (key, _, _) in enumerate(DEPARTMENTS)}
    dept_name = {key: name for key, name, _ in DEPARTMENTS}
    dept_short = {key: short for key, _, short in DEPARTMENTS}

    # Old communes in order of first appearance, grouped by district.
    communes = OrderedDict()  # (district, name) -> dict
    per_district = Counter()

    def add_commune(district: str, unit_type: str, name: str) -> str:
        key = (district, name)
        if key in communes:
            raise AssertionError(f"commune listed twice: {unit_type} {name} ({district})")
        per_district[district] += 1
        number = per_district[district]
        if number > 99:
            raise AssertionError(f"too many communes in {district}")
        dd = district_code[district].split(".")[2]
        code = f"000.{number:02d}.{dd}.H41"
        communes[key] = {"type": unit_type, "name": name, "district": district, "code": code}
        return code

    for merge in merges:
        merge["source_codes"] = [
            add_commune(merge["district"], unit_type, name)
            for unit_type, name in merge["sources"]
        ]
    if set(unchanged) != set(UNCHANGED_DISTRICT) or len(unchanged) != len(UNCHANGED_DISTRICT):
        raise AssertionError(f"unexpected unchanged communes: {unchanged}")
    unchanged_codes = [add_commune(UNCHANGED_DISTRICT[n], "xã", n) for n in unchanged]

    # Names shared by two or more rows get the district appended.
    full_names = Counter((c["type"], c["name"]) for c in communes.values())
    duplicates = sorted({key for key, count in full_names.items() if count > 1})
    for commune in communes.values():
        name = f"{UBND} {commune['type']} {commune['name']}"
        if full_names[(commune["type"], commune["name"])] > 1:
            d = commune["district"]
            name += f" ({district_type[d]} {d})"
        commune["full_name"] = name

    # ---- self-checks -----------------------------------------------------
    new_types = Counter(m["new_type"] for m in merges)
    assert len(communes) == 412, f"expected 412 old communes, got {len(communes)}"
    assert len({c["code"] for c in communes.values()}) == 412, "commune codes not unique"
    assert len(merges) == 121, len(merges)
    assert new_types == {"xã": 110, "phường": 11}, new_types
    assert len(unchanged) == 9
    assert len(merges) + len(unchanged) == 130
    assert totals == {"nxa": 119, "nphuong": 11, "mxa": 110, "mphuong": 11, "nunchanged": 9}, totals
    after_names = [(m["new_type"], m["new_name"]) for m in merges] + [("xã", n) for n in unchanged]
    assert len(set(after_names)) == 130, "new unit names are not unique"
    for district, _ in DISTRICTS:
        if district != "Cửa Lò":
            assert per_district[district] > 0, f"no communes for {district}"

    # ---- nghe_an_2025_before.csv ------------------------------------------
    before = [blank_before(
        code=PROVINCE_CODE,
        name="Ủy ban nhân dân tỉnh Nghệ An",
        short_name="UBND",
        kind="province_committee",
        address="Số 03, đường Trường Thi, Thành phố Vinh, Tỉnh Nghệ An, Việt Nam",
        email="nghean@gov.vn",
        phone="0383 840418",
        fax="0383 843049",
        website="www.nghean.vn",
        is_demo_code="0",
    )]
    for key, name, short in DEPARTMENTS:
        before.append(blank_before(
            code=dept_code[key], name=name, short_name=short, kind="department",
            parent_code=PROVINCE_CODE, is_demo_code="1",
        ))
    for name, unit_type in DISTRICTS:
        row = blank_before(
            code=district_code[name], name=f"{UBND} {unit_type} {name}",
            short_name="UBND", kind="district_committee",
            parent_code=PROVINCE_CODE, is_demo_code="1",
        )
        if name == "Cửa Lò":
            row["valid_to"] = CUA_LO_END
            row["successor_code"] = district_code["Vinh"]
        before.append(row)
    for name, _ in DISTRICTS:
        for commune in communes.values():
            if commune["district"] == name:
                before.append(blank_before(
                    code=commune["code"], name=commune["full_name"],
                    short_name="UBND", kind="commune_committee",
                    parent_code=district_code[name], is_demo_code="1",
                ))

    # ---- nghe_an_2025_reorganisation.csv ----------------------------------
    reorg = []
    for action, target, new_code, new_name, new_short, sources in DEPARTMENT_CHANGES:
        code = dept_code[target] if target else new_code
        reorg.append(blank_reorg(
            effective_date=DEPARTMENT_DATE,
            action=action,
            target_code=code,
            target_name=new_name or dept_name[target],
            target_short_name=new_short or dept_short[target],
            target_kind="department",
            target_parent_code=PROVINCE_CODE,
            source_codes=";".join(dept_code[s] for s in sources),
            note=DEPARTMENT_NOTE,
        ))
    for merge in merges:
        number = merge["item"]
        group, cc = (61, number) if number <= 99 else (62, number - 99)
        merge["new_code"] = f"000.{cc:02d}.{group}.H41"
        reorg.append(blank_reorg(
            effective_date=REFORM_DATE,
            action="merge",
            target_code=merge["new_code"],
            target_name=f"{UBND} {merge['new_type']} {merge['new_name']}",
            target_short_name="UBND",
            target_kind="commune_committee",
            target_parent_code=PROVINCE_CODE,
            source_codes=";".join(merge["source_codes"]),
            note=f"{RESOLUTION} Điều 1 khoản {number}",
        ))
    for code in unchanged_codes:
        reorg.append(blank_reorg(
            effective_date=REFORM_DATE,
            action="move",
            target_parent_code=PROVINCE_CODE,
            source_codes=code,
            note=f"{RESOLUTION} Điều 1 khoản 122 (không thực hiện sắp xếp)",
        ))
    for name, _ in DISTRICTS:
        if name == "Cửa Lò":
            continue  # already closed on 30/11/2024
        reorg.append(blank_reorg(
            effective_date=REFORM_DATE,
            action="dissolve",
            source_codes=district_code[name],
            note="Chính quyền địa phương hai cấp",
        ))

    all_codes = [row["code"] for row in before] + [m["new_code"] for m in merges] + [
        "000.00.21.H41", "000.00.22.H41"]
    assert len(all_codes) == len(set(all_codes)), "code collision"
    assert all(re.fullmatch(r"\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}", c) for c in all_codes)

    summary = {
        "per_district": [(n, per_district[n]) for n, _ in DISTRICTS],
        "new_types": new_types,
        "duplicates": duplicates,
        "before_rows": len(before),
        "reorg_rows": len(reorg),
    }
    return before, reorg, summary


def simulate(before, reorg):
    """Apply the reorganisation in memory and return the active counts by kind.

    Only open/closed matters here, so closed units simply get the effective
    date as a marker (the real service closes them on effective_date - 1).
    """
    units = {r["code"]: dict(r) for r in before}
    for op in reorg:
        day = op["effective_date"]
        sources = [s for s in op["source_codes"].split(";") if s]
        if op["action"] == "merge":
            if op["target_code"] not in units:
                units[op["target_code"]] = {
                    "code": op["target_code"], "kind": op["target_kind"],
                    "parent_code": op["target_parent_code"], "valid_to": "",
                }
            for s in sources:
                assert not units[s]["valid_to"], f"{s} already closed"
                units[s]["valid_to"] = day
        elif op["action"] == "rename":
            assert sources == [op["target_code"]]
        elif op["action"] == "dissolve":
            for s in sources:
                assert not units[s]["valid_to"]
                units[s]["valid_to"] = day
        elif op["action"] == "move":
            for s in sources:
                units[s]["parent_code"] = op["target_parent_code"]
        else:
            raise AssertionError(op["action"])
    active = Counter(u["kind"] for u in units.values() if not u["valid_to"])
    # No active unit may hang under a closed parent.
    for u in units.values():
        if not u["valid_to"] and u.get("parent_code"):
            assert not units[u["parent_code"]]["valid_to"], u["code"]
    return active


def write_csv(path: Path, columns, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    repo_root = here.parents[1]
    if len(argv) > 1:
        source = Path(argv[1])
    else:
        source = repo_root / ".." / "shared" / "data" / "nq-1678-2025-nghe-an-communes.md"
    before, reorg, summary = build(source)

    active = simulate(before, reorg)
    assert active["commune_committee"] == 130, active
    assert active["district_committee"] == 0, active
    assert active["department"] == 14, active
    assert active["province_committee"] == 1, active

    write_csv(here / "nghe_an_2025_before.csv", BEFORE_COLUMNS, before)
    write_csv(here / "nghe_an_2025_reorganisation.csv", REORG_COLUMNS, reorg)

    print("Old communes per district (as of 30/6/2025):")
    for name, count in summary["per_district"]:
        print(f"  {name:<14} {count:>3}")
    print(f"  {'total':<14} {sum(c for _, c in summary['per_district']):>3}")
    print(f"New units from items 1-121: {sum(summary['new_types'].values())} "
          f"({summary['new_types']['xã']} xã, {summary['new_types']['phường']} phường)"
          f" + 9 unchanged = 130")
    print("Duplicate names (district appended): "
          + ", ".join(f"{t} {n}" for t, n in summary["duplicates"]))
    print(f"Rows: before={summary['before_rows']}, reorganisation={summary['reorg_rows']}")
    print(f"Active after reorganisation: {dict(sorted(active.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
