"""
The fuzz harnesses (tests/fuzz, atheris): every crash found is replayed here, and each harness
runs for a few seconds so that a broken harness or a shallow crash fails the test suite too
(CI runs them for a minute each: `make fuzz`).
"""
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
FUZZ = ROOT / "tests" / "fuzz"
HARNESSES = ["edxml", "federation_auth", "axis_auth", "csv_import"]

pytest.importorskip("atheris")


def run(harness, *args, tmp_path):
    return subprocess.run([sys.executable, str(FUZZ / f"fuzz_{harness}.py"), "-timeout=10", "-rss_limit_mb=2048",
                           f"-artifact_prefix={tmp_path}/", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=240,
                          env={"PATH": "/usr/bin:/bin", "FUZZ_WORK_DIR": str(tmp_path), "HOME": str(tmp_path)})


@pytest.mark.parametrize("harness", HARNESSES)
def test_regressions_and_seed_corpus_replay_cleanly(harness, tmp_path):
    inputs = [p for d in ("regressions", "corpus") for p in sorted((FUZZ / d / harness).glob("*"))
              if p.is_file() and not p.name.startswith(".")]
    assert inputs or harness == "edxml"
    done = run(harness, *map(str, inputs), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("harness", HARNESSES)
def test_a_short_fuzzing_run_finds_nothing(harness, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    done = run(harness, "-max_total_time=5", str(work), str(FUZZ / "corpus" / harness), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_regressions_are_real_findings():
    """The two crashes fuzzing found, as plain unit tests (they failed before the fixes)."""
    import io

    from units.importers import ImportFailed, units_import_csv

    data = (FUZZ / "regressions" / "csv_import" / "utf8-decode").read_bytes()
    with pytest.raises(ImportFailed):
        units_import_csv(io.BytesIO(data[1:]), dry_run=True)
    from documents.federation.auth import _same

    assert _same("é", "é") and not _same("\xff" * 4, "abcd")


@pytest.mark.django_db
def test_a_csv_whose_new_units_are_each_others_parent_is_refused_cleanly():
    """Fuzzing finding (csv_import, CI): two new units each the other's parent made the tree
    rebuild raise a bare ValidationError; it is now ImportFailed with the reason, nothing written."""
    import io

    from units.importers import ImportFailed, units_import_csv
    from units.models import Unit

    data = (FUZZ / "regressions" / "csv_import" / "units-parent-cycle").read_bytes()
    with pytest.raises(ImportFailed) as exc:
        units_import_csv(io.BytesIO(data[1:]), dry_run=False)
    assert exc.value.errors and not Unit.objects.filter(code__in=["000.00.00.H41", "000.00.02.H41"]).exists()


def test_axis_non_ascii_hash_header_is_refused_not_a_500(client, province):
    """Fuzzing finding (axis_auth): a non-ASCII XroadVnpt-hash-header made hmac.compare_digest
    raise TypeError (a 500); it is now a plain 401 refusal."""
    import datetime

    from documents.federation.axis import protocol

    now = datetime.datetime.now(datetime.timezone.utc)
    headers = protocol.sign_headers(system_id="sys-x", secret="s", params={}, now=now)
    headers[protocol.PREFIX + "hash-header"] = "ả" * 64
    with pytest.raises(protocol.HeaderError) as e:
        protocol.read_signed_headers(headers, secret_for=lambda sid: "s", now=now, window=300)
    assert e.value.code == "401"
