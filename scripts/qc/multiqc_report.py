"""The batch's MultiQC report (rule multiqc): results/qc/multiqc.html and its tables, results/qc/multiqc_data/.

MultiQC (the `multiqc` package of this Python) reads the samtools and bcftools outputs given to it; our own tables
come in through the config that scripts/qc/multiqc_content.py builds. It runs in a scratch folder beside the output,
with that folder as its home and no MULTIQC_* variables, so no multiqc_config.yaml of the batch folder or of the
user's home changes the report. The HTML is made byte-stable (multiqc_content.stable_html) and written atomically;
of MultiQC's data folder, the per-section tables are kept (multiqc_content.UNSTABLE_DATA_FILES are not). MultiQC's
own messages go to the job's log. (This script is not called multiqc.py: beside it, that name would shadow the
package.)
"""

import json
import os
import shutil
import sys
from pathlib import Path

from common.atomic import FILE_MODE_ENV, atomic_path, remove_stale_temporaries, work_folder
from common.rule_logging import get_logger, setup_logging
from common.tool_run import run
from qc.multiqc_content import UNSTABLE_DATA_FILES, custom_sections, multiqc_config, stable_html

HTML_NAME = "multiqc.html"


def multiqc_environment(home):
    """os.environ without MultiQC's own variables (MULTIQC_*), with HOME set to `home` (no user config is read)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MULTIQC_")}
    env["HOME"] = str(home)
    return env


def run_multiqc(config, analysis_files, folder):
    """Run MultiQC in `folder` on `analysis_files` with `config` (a dict); return the folder it wrote into."""
    folder = Path(folder).resolve()  # MultiQC runs in it: its paths must not be relative to ours
    config_path = folder / "genorisk_multiqc_config.yaml"
    config_path.write_text(json.dumps(config, indent=1, sort_keys=False) + "\n")  # JSON is YAML
    out = folder / "out"
    cmd = [sys.executable, "-m", "multiqc", "--no-ansi", "--config", config_path, "--filename", HTML_NAME,
           "--outdir", out, *(Path(f).resolve() for f in analysis_files)]  # fmt: skip
    run(cmd, cwd=folder, env=multiqc_environment(folder))
    return out


def keep_data_folder(data, target):
    """Move MultiQC's data folder `data` to `target` without its unstable files, files with the run's file mode."""
    for name in UNSTABLE_DATA_FILES:
        (Path(data) / name).unlink(missing_ok=True)
    mode = int(os.environ.get(FILE_MODE_ENV, "600"), 8)
    for path in Path(data).rglob("*"):
        if path.is_file():
            path.chmod(mode)
    remove_stale_temporaries(target)
    if Path(target).exists():
        shutil.rmtree(target)
    os.replace(data, target)


def multiqc_report(inputs, analysis_files, provenance_json, report_date_txt, batch_id, html_out, data_out):
    """Build the config from `inputs` (custom_sections' keyword arguments), run MultiQC over `analysis_files` and
    write the stable HTML and the data folder."""
    log = get_logger()
    sections = custom_sections(**inputs)
    log.info("custom content sections: %s", ", ".join(sections))
    provenance = json.loads(Path(provenance_json).read_text())
    report_date = Path(report_date_txt).read_text().strip()
    config = multiqc_config(sections, provenance, batch_id, report_date)
    with work_folder(html_out, "multiqc") as folder:
        out = run_multiqc(config, analysis_files, folder)
        html = stable_html((out / HTML_NAME).read_text(encoding="utf-8"), report_date)
        with atomic_path(html_out) as tmp:
            Path(tmp).write_text(html, encoding="utf-8")
        keep_data_folder(out / "multiqc_data", data_out)
    log.info("MultiQC report written: %s (%d bytes)", Path(html_out).name, len(html.encode()))


def main(smk):
    setup_logging(smk.log[0])
    mendel = list(smk.input.mendel)
    multiqc_report(
        {
            "batch_qc": smk.input.batch_qc,
            "af_samples": smk.input.af_samples,
            "af_variants": smk.input.af_variants,
            "batch_summary": smk.input.batch_summary,
            "mendel": mendel[0] if mendel else None,
            "benchmarks": list(smk.input.benchmarks),
        },
        [*smk.input.samtools, *smk.input.bcftools],
        smk.input.provenance,
        smk.input.report_date,
        smk.params.batch_id,
        smk.output.html,
        smk.output.data,
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
