"""Shared test set-up: scripts/ on sys.path, the test folders' helpers importable, the workflow tests marked, and the
real test data beside the checkout.

Layout: tests/<stage>/test_<module>.py tests scripts/<stage>/<module>.py; tests/workflow/ holds the tests that drive
the whole workflow through Snakemake. Every test that runs Snakemake is marked `workflow` (the tests/workflow/ folder,
and the tests elsewhere that use a fixture of WORKFLOW_FIXTURES or carry the mark themselves): `make test-fast`
leaves them out, `make test` (and CI) runs everything.
"""

import subprocess
import sys
from pathlib import Path

import pysam
import pytest

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO / "scripts"))
# Test modules share oracles and fixture helpers by importing each other by name (test_pgs_scoring's plink2 runner,
# test_import_vcf's VCF editor, ...): every test folder is on sys.path, and test module names are unique.
sys.path[1:1] = [str(TESTS), *(str(d) for d in sorted(TESTS.iterdir()) if d.is_dir() and d.name != "data")]
TESTDATA = REPO.parent / "shared" / "testdata"
# Fixtures outside tests/workflow/ that run the workflow through Snakemake: a test using one is a workflow test.
WORKFLOW_FIXTURES = {"demo_sites_run", "trio_run", "trio_two_callers", "workflow_run"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        in_folder = Path(str(item.fspath)).parent.name == "workflow"
        if in_folder or WORKFLOW_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.workflow)


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


@pytest.fixture(scope="session")
def shared_demo(tmp_path_factory):
    """(batch folder, config file) of the default demo, run to the end with the shared project secret: one clean demo
    run for the whole session, shared by the workflow tests that only read a default demo batch (test_demo_panels,
    test_workflow_demo, the reproducibility test's first clean run, the SLURM test's local run). The demo takes about
    two minutes, and each of those modules ran its own. Tests must not change its folder.

    Here, not in a tests/workflow/conftest.py: a second conftest module takes the name `conftest` from this one, and
    the workflow tests' `from conftest import TESTDATA` then fail."""
    from workflow_runner import demo_batch, seed_secret, snakemake

    workdir = tmp_path_factory.mktemp("shared_demo")
    configfile = demo_batch(workdir)
    seed_secret(workdir)
    snakemake(workdir, "--cores", "2", configfile=configfile)
    return workdir, configfile
