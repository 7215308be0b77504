"""workflow/profiles/slurm without a cluster: retries set in the profile only, every rule's resources grow with the
attempt, and a large batch's per-sample jobs are planned as a few bundled cluster jobs (the dry run of the profile).
The cluster itself: tests/workflow/test_slurm_cluster.py."""

import math
import re
import subprocess
import sys

import pytest
import yaml

from workflow_runner import REPO, SNAKEMAKE

sys.path.insert(0, str(REPO / "benchmarks"))
from plan_scale import make_batch  # noqa: E402

PROFILE = REPO / "workflow" / "profiles" / "slurm"
RULE = re.compile(r"^( *)rule( \w+)?:$")


def indent(line):
    return len(line) - len(line.lstrip(" "))


def rule_blocks():
    """{rule name (`rule NAME:`, or the `name:` of an unnamed rule): its directive lines} from workflow/rules/*.smk."""
    blocks = {}
    for path in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if not (match := RULE.match(line)):
                continue
            body = []
            for following in lines[i + 1 :]:
                if following.strip() and indent(following) <= len(match.group(1)):
                    break
                body.append(following)
            text = "\n".join(body)
            name = match.group(2) or re.search(r"name:\s*f?\"([^\"]+)\"", text).group(1)
            blocks[name.strip()] = text
    return blocks


def test_the_profile_sets_retries_and_no_rule_but_the_qc_gate_overrides_them():
    profile = yaml.safe_load((PROFILE / "config.yaml").read_text())
    assert profile["executor"] == "slurm" and profile["retries"] == 2
    overriding = {name: re.findall(r"retries: *(\d+)", text) for name, text in rule_blocks().items()}
    assert {name: found for name, found in overriding.items() if found} == {"qc_gate": ["0"]}


def test_the_slurm_plugin_is_pinned():
    pins = dict(line.split("==") for line in (REPO / "requirements.txt").read_text().splitlines() if "==" in line)
    assert re.fullmatch(r"\d+\.\d+\.\d+", pins["snakemake-executor-plugin-slurm"])


@pytest.mark.parametrize("name", sorted(rule_blocks()))
def test_every_rule_asks_for_more_with_each_attempt(name):
    text = rule_blocks()[name]
    assert re.search(r"mem_mb=by_attempt\(\d+\)", text), name
    assert re.search(r"runtime=by_attempt\(\d+\)", text), name
    threads = re.search(r"threads: *(.+)", text).group(1)
    # a number, or a constant of the rule files (render_reports: REPORT_THREADS, 1 or 2 by the number of parts)
    assert threads == "1" or re.fullmatch(r"by_attempt\((\d+|[A-Z_]+)\)", threads), f"{name}: threads {threads}"


def test_a_large_batch_plans_its_per_sample_jobs_as_few_cluster_jobs(tmp_path):
    samples = 120
    config = make_batch(tmp_path, samples)
    proc = subprocess.run(
        [SNAKEMAKE, "-n", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path),
         "--configfile", str(config), "--workflow-profile", str(PROFILE), "--cores", "2"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    # Indexes exist, so each sample has two units (QC, checksum): 240 units, 50 per cluster job.
    assert out.count("Group job per_sample") == math.ceil(2 * samples / 50)
    assert re.search(rf"^qc_sample\s+{samples}$", proc.stdout, re.MULTILINE)
