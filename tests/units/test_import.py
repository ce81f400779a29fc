import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from units.importers import ImportFailed, units_import_csv
from units.models import Unit, UnitChange

pytestmark = pytest.mark.django_db

HEADER = "code,name,short_name,kind,parent_code,valid_from,valid_to,successor_code,address,email,phone,fax,website\n"
GOOD = HEADER + (
    "000.00.00.H99,UBND tỉnh Thử,UBND,province_committee,,,,,Số 1,tinh@example.vn,0238 1,,\n"
    "000.00.02.H99,Sở Nội vụ,SNV,department,000.00.00.H99,,,,,,,,\n"
    "000.00.31.H99,UBND huyện A,UBND,district_committee,000.00.00.H99,,,,,,,,\n"
    "000.01.31.H99,UBND xã Một,UBND,commune_committee,000.00.31.H99,,2025-06-30,000.03.31.H99,,,,,\n"
    "000.02.31.H99,UBND xã Hai,UBND,commune_committee,000.00.31.H99,,,,,,,,\n"
    "000.03.31.H99,UBND xã Ba,UBND,commune_committee,000.00.31.H99,2025-07-01,,,,,,,\n"
)


def test_good_file_imports_with_tree_and_links():
    report = units_import_csv(io.StringIO(GOOD))
    assert (report.created, report.updated) == (6, 0)
    one = Unit.objects.get(code="000.01.31.H99")
    assert one.parent.code == "000.00.31.H99"
    assert one.successor.code == "000.03.31.H99"
    assert one.path.startswith(Unit.objects.get(code="000.00.00.H99").path)
    assert one.depth == 2
    assert Unit.objects.get(code="000.00.00.H99").email == "tinh@example.vn"


def test_rerun_is_idempotent():
    units_import_csv(io.StringIO(GOOD))
    changes = UnitChange.objects.count()
    report = units_import_csv(io.StringIO(GOOD))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 6)
    assert UnitChange.objects.count() == changes


def test_changed_row_updates_and_records_history():
    units_import_csv(io.StringIO(GOOD))
    report = units_import_csv(io.StringIO(GOOD.replace("UBND xã Hai", "UBND xã Hai Mới")))
    assert report.updated == 1
    change = UnitChange.objects.filter(unit__code="000.02.31.H99", action="update").get()
    assert change.old_values == {"name": "UBND xã Hai"} and change.new_values == {"name": "UBND xã Hai Mới"}


def test_bad_rows_are_all_reported_and_nothing_is_written():
    bad = HEADER + (
        "000.00.00.H99,UBND tỉnh Thử,UBND,province_committee,,,,,,,,,\n"
        "000.00.2.H99,Sở lỗi mã,S,department,000.00.00.H99,,,,,,,,\n"          # row 3: bad code
        "000.00.03.H99,,S,department,000.00.00.H99,,,,,,,,\n"                   # row 4: empty name
        "000.00.04.H99,Sở X,SX,ministry,000.00.00.H99,,,,,,,,\n"                 # row 5: bad kind
        "000.00.05.H99,Sở Y,SY,department,000.00.99.H99,,,,,,,,\n"               # row 6: unknown parent
        "000.00.06.H99,Sở Z,SZ,department,000.00.00.H99,2025-13-01,,,,,,,\n"     # row 7: bad date
        "000.00.07.H99,Sở W,SW,department,000.00.00.H99,,,,,not-an-email,,,\n"   # row 8: bad e-mail
        "000.00.00.H99,Trùng,UBND,province_committee,,,,,,,,,\n"                 # row 9: duplicate
    )
    with pytest.raises(ImportFailed) as exc:
        units_import_csv(io.StringIO(bad))
    text = "\n".join(exc.value.errors)
    for row in range(3, 10):
        assert f"Row {row}:" in text or f"Dòng {row}:" in text, text
    assert Unit.objects.count() == 0


def test_missing_column_is_reported():
    with pytest.raises(ImportFailed) as exc:
        units_import_csv(io.StringIO("code,name\n000.00.00.H99,x\n"))
    assert "short_name" in exc.value.errors[0]


def test_command_exit_status_and_output(tmp_path, capsys):
    good = tmp_path / "units.csv"
    good.write_text(GOOD, encoding="utf-8")
    call_command("import_units", str(good))
    assert "created 6" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "bad,x,y,department,,,,,,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_units", str(bad))
    assert Unit.objects.count() == 6


def test_dry_run_writes_nothing(tmp_path):
    f = tmp_path / "units.csv"
    f.write_text(GOOD, encoding="utf-8")
    call_command("import_units", str(f), "--dry-run")
    assert Unit.objects.count() == 0
