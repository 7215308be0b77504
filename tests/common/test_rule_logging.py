"""Job logs name files but never the folders the input data lives in."""

import logging
import os
import re
import subprocess
import sys
import warnings

import pytest

from common.rule_logging import redact_paths, setup_logging
from common.tool_run import run
from workflow_runner import REPO


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("reading /data/patients/site1/HG001.bam", "reading HG001.bam"),
        ("samtools view x.bam##idx##/mnt/idx/x.bam.bai -o out", "samtools view x.bam##idx##x.bam.bai -o out"),
        ("--reference=/refs/GRCh38/genome.fa", "--reference=genome.fa"),
        ("file:///srv/batch/report.html", "file://report.html"),
        ("results/qc/batch_qc.tsv and pass/warn/fail", "results/qc/batch_qc.tsv and pass/warn/fail"),
    ],
)
def test_redact_paths(line, expected):
    assert redact_paths(line) == expected


def test_job_log_has_no_input_folders(tmp_path):
    data = tmp_path / "patients" / "site1"
    data.mkdir(parents=True)
    (data / "S1.txt").write_text("x\n")
    log_file = tmp_path / "job.log"
    log = setup_logging(log_file)
    log.info("input %s", data / "S1.txt")
    with pytest.raises(Exception, match="missing.txt"):
        run(["cat", str(data / "S1.txt"), str(data / "missing.txt")])  # cat's own error names the full path
    for handler in logging.getLogger("genorisk").handlers:
        handler.flush()
    text = log_file.read_text()
    assert "S1.txt" in text and "missing.txt" in text
    assert str(tmp_path) not in text


def test_library_warnings_go_to_the_job_log_and_only_our_warnings_to_the_terminal(tmp_path, capfd):
    log_file = tmp_path / "job.log"
    log = setup_logging(log_file)

    def read_with_a_library():  # what scikit-allel does with a header it does not parse
        warnings.warn("invalid INFO header: '##INFO=<ID=VDB,Version=\"3\">'", UserWarning, stacklevel=1)
        logging.getLogger("somelibrary").warning("the library's own logger")
        logging.getLogger("somelibrary").info("library chatter")

    read_with_a_library()
    log.info("progress of ours")
    log.warning("a warning of ours")
    text = log_file.read_text()
    assert re.search(r"^WARNING py\.warnings: test_rule_logging\.py:\d+: UserWarning: invalid INFO header", text, re.M)
    assert str(tmp_path.parent) not in text  # the warning's source path is shown without its folders
    assert "WARNING somelibrary: the library's own logger\n" in text and "library chatter" not in text
    assert "INFO progress of ours\n" in text and "WARNING a warning of ours\n" in text
    assert capfd.readouterr().err == "WARNING a warning of ours\n"


JOB = """
import os, sys, warnings
from common.rule_logging import setup_logging
{prelude}
log = setup_logging(sys.argv[1])
os.write(2, f"[W::bcf_hdr_check_sanity] {{sys.argv[2]}}/x.vcf: MQ should be declared as Type=Float\\n".encode())
warnings.warn("a library warning")
log.info("progress")
log.error("a problem named for the user")
raise ZeroDivisionError("a bug")
"""


@pytest.mark.parametrize("in_job", [True, False], ids=["snakemake job", "plain process"])
def test_in_a_snakemake_job_whatever_reaches_stderr_is_kept_in_the_log(tmp_path, in_job):
    # Snakemake puts its `snakemake` object (snakemake.iocontainers.Snakemake) into the script it runs.
    prelude = "from snakemake.iocontainers import Snakemake\nsnakemake = object.__new__(Snakemake)" if in_job else ""
    log_file = tmp_path / "job.log"
    command = [sys.executable, "-c", JOB.format(prelude=prelude), str(log_file), str(tmp_path)]
    proc = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "scripts")}
    )
    assert proc.returncode == 1
    text = log_file.read_text()
    ours = "ERROR a problem named for the user\nERROR ZeroDivisionError: a bug\n"
    assert "INFO progress\n" in text and ours in text and "ERROR ZeroDivisionError: a bug\nTraceback" in text
    assert re.search(r"^WARNING py\.warnings: <string>:\d+: UserWarning: a library warning$", text, re.M)
    htslib = f"[W::bcf_hdr_check_sanity] {tmp_path}/x.vcf: MQ should be declared as Type=Float\n"
    if in_job:
        assert proc.stderr == ours  # the terminal: our errors, one line each
        assert "[W::bcf_hdr_check_sanity] x.vcf: MQ should be declared as Type=Float\n" in text  # folders removed
        assert str(tmp_path) not in text
    else:  # tests and other callers keep their stderr
        assert proc.stderr == htslib + ours
