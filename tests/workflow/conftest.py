"""One clean demo run for the whole session, shared by the workflow tests that only read a default demo batch
(test_demo_panels, test_workflow_demo, the reproducibility test's first clean run, the SLURM test's local run):
the demo takes about two minutes, and each of those modules ran its own. Tests must not change its folder."""

import pytest

from workflow_runner import demo_batch, seed_secret, snakemake


@pytest.fixture(scope="session")
def shared_demo(tmp_path_factory):
    """(batch folder, config file) of the default demo, run to the end with the shared project secret."""
    workdir = tmp_path_factory.mktemp("shared_demo")
    configfile = demo_batch(workdir)
    seed_secret(workdir)
    snakemake(workdir, "--cores", "2", configfile=configfile)
    return workdir, configfile
