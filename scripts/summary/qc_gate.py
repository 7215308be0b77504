"""Rule qc_gate (only with config qc.fail_batch_on: fail): the run's exit status follows the batch's QC verdicts.

It runs after every other result is written (results/run_summary.json and the manifest). When a sample failed QC it
fails with a message naming them, so Snakemake exits non-zero; its output is never written then, so every later run
of the same batch fails the same way until the batch or the setting changes. Otherwise it writes a one-line marker
(outside results/, which the manifest covers).
"""

import json
from pathlib import Path

from common.atomic import write_text
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from summary.run_summary import listed_ids


def qc_gate(summary_json, marker_out):
    """InputError when the run summary lists failed samples; else write `marker_out`."""
    summary = json.loads(Path(summary_json).read_text())
    failed, total = summary["failed_samples"], summary["samples"]["total"]
    if failed:
        raise InputError(
            f"{len(failed)} of {total} samples failed QC ({listed_ids(failed)}) and qc.fail_batch_on is fail: "
            f"the run exits non-zero; every result is written (see {Path(summary_json).name}, results/qc/batch_qc.tsv)"
        )
    write_text(marker_out, f"no sample of {total} failed QC\n")
    get_logger().info("no sample of %d failed QC", total)


def main(smk):
    setup_logging(smk.log[0])
    qc_gate(smk.input.summary, smk.output.marker)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
