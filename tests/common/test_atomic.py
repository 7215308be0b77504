"""scripts/common/atomic.py: atomic writes, and removal of the temporary names a killed earlier attempt left.

Oracles: names planted by hand (the pattern spelled out here, not taken from the module), and a real leftover made by a
Python process that is killed with SIGKILL inside atomic_path.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from common.atomic import atomic_path, remove_stale_temporaries, remove_stale_temporaries_of, work_folder, write_text
from deliver.manifest import is_temporary

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

# Beside results/calls/bcftools/chunks/0.bcf: what a killed attempt at 0.bcf can leave (removed), and what is not
# its own (kept): another chunk's live temporary, wrong lengths or letters, other endings, the result itself.
STALE = [".0.bcf.ab12cd_z.bcf", ".0.bcf.x9y8w7v6.bcf", ".0.bcf.x9y8w7v6.bcf.csi"]
KEPT = [
    "0.bcf",  # the output (replaced by the write, never deleted first)
    "1.bcf",
    ".1.bcf.ab12cd_z.bcf",  # chunk 1's temporary: its job may be running right now
    ".0.bcf.ab12cd.bcf",  # 6 random characters: not mkstemp's
    ".0.bcf.ab12cd_zz.bcf",  # 9
    ".0.bcf.AB12CD_Z.bcf",  # mkstemp uses lower case only
    "0.bcf.ab12cd_z.bcf",  # no leading dot
    ".0.bcf.ab12cd_z.bcf.bak",  # not an index of the temporary file
    ".0.bcf.ab12cd_z.vcf.gz",  # another suffix than this output's
    ".10.bcf.ab12cd_z.bcf",  # chunk 10's
    "notes.txt",
]


def plant(folder, names, stale_folder=None):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(f"planted {name}\n")
    if stale_folder:
        (folder / stale_folder).mkdir()
        (folder / stale_folder / "part.vcf").write_text("half\n")


def test_a_write_removes_only_its_own_outputs_stale_temporaries(tmp_path):
    chunks = tmp_path / "results" / "calls" / "bcftools" / "chunks"
    plant(chunks, STALE + KEPT, stale_folder=".0.bcf.q1w2e3r4.bcf")
    with atomic_path(chunks / "0.bcf", suffix=".bcf") as tmp:
        assert Path(tmp).parent == chunks
        assert sorted(os.listdir(chunks)) == sorted([*KEPT, Path(tmp).name])  # gone before the write starts
        Path(tmp).write_text("new calls\n")
    assert sorted(os.listdir(chunks)) == sorted(KEPT)
    assert (chunks / "0.bcf").read_text() == "new calls\n"
    assert all((chunks / name).read_text() == f"planted {name}\n" for name in KEPT if name != "0.bcf")


def test_the_default_suffix_is_the_targets_extensions(tmp_path):
    plant(tmp_path, [".batch_qc.tsv.k3j9x0q_.tsv", ".batch_qc.tsv.k3j9x0q_", ".batch_qc.tsv.k3j9x0q_.json"])
    write_text(tmp_path / "batch_qc.tsv", "sample\n")
    assert sorted(os.listdir(tmp_path)) == [".batch_qc.tsv.k3j9x0q_", ".batch_qc.tsv.k3j9x0q_.json", "batch_qc.tsv"]


def test_remove_stale_temporaries_reports_what_it_removed(tmp_path):
    plant(tmp_path, STALE + KEPT)
    assert remove_stale_temporaries(tmp_path / "0.bcf", ".bcf") == sorted(STALE)
    assert remove_stale_temporaries(tmp_path / "0.bcf", ".bcf") == []
    assert remove_stale_temporaries(tmp_path / "absent" / "0.bcf", ".bcf") == []  # no folder yet: nothing to do


def test_one_scan_removes_the_stale_temporaries_of_many_outputs(tmp_path):
    """A report job's outputs: each one's own leftovers go (its suffix read off its name), nothing of 0.bcf or of
    another sample's, and atomic_path then writes without looking again."""
    reports = tmp_path / "report"
    mine = [".S1.json.ab12cd_z.json", ".S1.pdf.q1w2e3r4.pdf", ".S2.html.x9y8w7v6.html"]
    others = [".S3.json.ab12cd_z.json", ".S1.json.ab12cd_z.pdf", "S1.json", *KEPT]
    plant(reports, mine + others)
    targets = [reports / name for name in ("S1.json", "S1.html", "S1.pdf", "S2.json", "S2.html")]
    assert remove_stale_temporaries_of(targets) == sorted(mine)
    assert sorted(os.listdir(reports)) == sorted(set(others))
    assert remove_stale_temporaries_of([tmp_path / "absent" / "S1.json"]) == []
    plant(reports, [".S2.json.k3j9x0q_.json"])  # appears after the scan: left alone by a write that was told so
    write = atomic_path(reports / "S2.json", stale_removed=True)
    with write as tmp:
        Path(tmp).write_text("{}\n")
    assert (reports / ".S2.json.k3j9x0q_.json").exists() and (reports / "S2.json").read_text() == "{}\n"


def test_a_temporary_left_by_a_process_killed_inside_atomic_path_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "chunks" / "0.bcf"
    killed = (
        f"import os, signal, sys; sys.path.insert(0, {str(SCRIPTS)!r}); from common.atomic import atomic_path\n"
        f"with atomic_path({str(target)!r}, suffix='.bcf') as tmp:\n"
        "    open(tmp, 'w').write('half written')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", killed], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    (left,) = os.listdir(target.parent)
    assert left.startswith(".0.bcf.") and left.endswith(".bcf") and len(left) == len(".0.bcf.") + 8 + len(".bcf")
    assert is_temporary(left)  # the manifest does not list it either
    with atomic_path(target, suffix=".bcf") as tmp:
        Path(tmp).write_text("complete")
    assert os.listdir(target.parent) == ["0.bcf"] and target.read_text() == "complete"


def test_work_folder_removes_a_stale_folder_of_its_own_output_and_kind_only(tmp_path):
    calls = tmp_path / "calls"
    mine, other_kind, other_output = (".cohort.vcf.gz.merge.a1b2c3d4", ".cohort.vcf.gz.gather.a1b2c3d4",
                                      ".sites.vcf.gz.merge.a1b2c3d4")  # fmt: skip
    plant(calls, ["cohort.vcf.gz"])
    for name in (mine, other_kind, other_output):
        (calls / name).mkdir()
        (calls / name / "part.bcf").write_text("half\n")
    with work_folder(calls / "cohort.vcf.gz", "merge") as folder:
        name = Path(folder).name
        assert Path(folder).parent == calls and Path(folder).is_dir()
        assert name.startswith(".cohort.vcf.gz.merge.") and len(name) == len(".cohort.vcf.gz.merge.") + 8
        assert is_temporary(name)  # a leftover of it would not enter the manifest
        assert sorted(os.listdir(calls)) == sorted(["cohort.vcf.gz", name, other_kind, other_output])
    assert sorted(os.listdir(calls)) == sorted(["cohort.vcf.gz", other_kind, other_output])


def test_work_folder_is_removed_when_the_job_fails(tmp_path):
    with pytest.raises(RuntimeError, match="tool failed"), work_folder(tmp_path / "out.bcf", "import") as folder:
        (Path(folder) / "part").write_text("x")
        raise RuntimeError("tool failed")
    assert os.listdir(tmp_path) == []
