"""Shared test set-up: scripts/ on sys.path, and the real test data beside the checkout."""

import subprocess
import sys
from pathlib import Path

import pysam
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


@pytest.fixture(scope="session")
def plain_trio_reference(tmp_path_factory):
    """The GIAB/CEPH trio's bgzipped reference, decompressed and indexed (what prepare_reference gives every rule)."""
    src = TESTDATA / "giab_ceph_trio_hg002_chr20_grch37" / "reference" / "hs37d5.chr20.fa.gz"
    if not src.exists():
        pytest.skip(f"real test data {src} is absent")
    out = tmp_path_factory.mktemp("trio_reference") / "genome.fa"
    with open(out, "w") as fh:
        subprocess.run(["bgzip", "-dc", str(src)], stdout=fh, check=True)
    pysam.faidx(str(out))
    return out


def require(path):
    """Skip unless one real test-data file is present."""
    if not Path(path).exists():
        pytest.skip(f"real test data file {path} is absent")
    return Path(path)
