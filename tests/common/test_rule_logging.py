"""Job logs name files but never the folders the input data lives in."""

import logging

import pytest

from common.rule_logging import redact_paths, setup_logging
from common.tool_run import run


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
