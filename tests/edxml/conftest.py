from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


@pytest.fixture
def golden():
    """Bytes of a golden file: golden("document_new.xml")."""
    return lambda name="document_new.xml": (GOLDEN_DIR / name).read_bytes()
