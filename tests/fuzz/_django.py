"""
Django for the fuzz harnesses that need the database (federation request authentication, CSV
importers): the test settings on a migrated SQLite file of their own under var/fuzz/, so a
harness needs no server and never touches another database.
"""
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    work = Path(os.environ.get("FUZZ_WORK_DIR", ROOT / "var" / "fuzz"))
    work.mkdir(parents=True, exist_ok=True)
    db = Path(tempfile.mkdtemp(dir=work)) / "fuzz.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "egov.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("EGOV_VAR_DIR", str(work / "var"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
