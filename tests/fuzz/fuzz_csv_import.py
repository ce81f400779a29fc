"""
Coverage-guided fuzzing of the CSV importers (units.importers: the unit directory and the
reorganisation plan), in dry-run mode: any bytes give a report or ImportFailed, nothing else.
Run: make fuzz.
"""
import io
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django  # noqa: E402

_django.setup()

with atheris.instrument_imports():
    from units.importers import ImportFailed, reorganisation_apply_csv, units_import_csv


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    importer = units_import_csv if data[0] % 2 == 0 else reorganisation_apply_csv
    try:
        importer(io.BytesIO(data[1:]), dry_run=True)
    except ImportFailed:
        return


if __name__ == "__main__":
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
