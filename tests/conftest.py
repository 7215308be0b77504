"""Shared test set-up: scripts/ on sys.path, and the real test data beside the checkout."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
TESTDATA = REPO.parent / "shared" / "testdata"


@pytest.fixture
def testdata():
    """`../shared/testdata` beside the checkout; tests that need it skip when it is absent (a user's fresh clone)."""
    if not TESTDATA.is_dir():
        pytest.skip(f"real test data not found at {TESTDATA} (CI has it beside the checkout)")
    return TESTDATA


def require(path):
    """Skip unless one real test-data file is present."""
    if not Path(path).exists():
        pytest.skip(f"real test data file {path} is absent")
    return Path(path)
