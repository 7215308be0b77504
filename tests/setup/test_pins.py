"""The conda envs (for --sdm conda users) and the pip/apt set-up (README, tests, CI) pin the same versions."""

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
# conda package name -> (where the pip/apt set-up pins it, its name there)
SETUP_NAME = {
    "htslib": ("apt", "tabix"),
    "matplotlib-base": ("pip", "matplotlib"),
    "dask-core": ("pip", "dask"),
    "python-crypt4gh": ("pip", "crypt4gh"),
}
APT_TOOLS = {"samtools", "bcftools", "tabix", "minimap2", "freebayes", "plink2"}


def pip_pins():
    pins = {}
    for name in ("requirements.txt", "requirements-test.txt"):
        for line in (REPO / name).read_text().splitlines():
            if "==" in line and not line.startswith("#"):
                pkg, version = line.split("==")
                pins[pkg.strip().lower()] = version.strip()
    return pins


def apt_upstream_pins():
    """Debian version -> upstream version: drop the epoch, the Debian revision and +ds/+dfsg repack tags."""
    pins = {}
    for line in (REPO / "apt-packages.txt").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            pkg, version = line.split("=", 1)
            upstream = re.sub(r"^\d+:", "", version).rsplit("-", 1)[0]
            pins[pkg] = re.sub(r"\+(ds|dfsg).*$", "", upstream)
    return pins


def env_files():
    return sorted((REPO / "envs").glob("*.yaml"))


def test_there_is_an_env_for_each_rule_family():
    assert {p.stem for p in env_files()} >= {"qc", "calling", "af", "report", "demo"}


@pytest.mark.parametrize("env", env_files(), ids=lambda p: p.name)
def test_env_pins_match_the_pip_and_apt_setup(env):
    spec = yaml.safe_load(env.read_text())
    assert "defaults" not in spec["channels"], f"{env.name}: the defaults channel is not reproducible for all users"
    pip, apt = pip_pins(), apt_upstream_pins()
    for dep in spec["dependencies"]:
        pinned = isinstance(dep, str) and re.fullmatch(r"[A-Za-z0-9_.-]+=[0-9][^=*]*", dep)
        assert pinned, f"{env.name}: {dep} is not pinned"
        name, version = dep.split("=")
        if name == "python":
            assert version == "3.11", f"{env.name}: python {version}, the set-up uses 3.11"
            continue
        where, setup_name = SETUP_NAME.get(name, ("apt" if name in APT_TOOLS else "pip", name))
        pins = apt if where == "apt" else pip
        assert setup_name in pins, f"{env.name}: {name} is not pinned in the {where} set-up"
        have = pins[setup_name]
        assert have == version, f"{env.name}: {name}={version} but the {where} set-up pins {have}"


def rule_blocks():
    """{(file, rule line number): the rule's text} of every rule in the Snakefile and workflow/rules/*.smk."""
    blocks = {}
    for path in [REPO / "Snakefile", *sorted((REPO / "workflow" / "rules").glob("*.smk"))]:
        lines = path.read_text().splitlines()
        starts = [i for i, line in enumerate(lines) if re.match(r"\s*rule(\s+\w+)?\s*:", line)]
        for start, end in zip(starts, [*starts[1:], len(lines)]):
            blocks[(path.name, start + 1)] = "\n".join(lines[start:end])
    return blocks


def test_every_rule_names_an_env_that_exists():
    blocks = rule_blocks()
    assert len(blocks) > 40  # the workflow's rules were found
    for (name, line), text in blocks.items():
        if not re.search(r"^\s*(script|shell|run|wrapper|notebook):", text, re.MULTILINE):
            continue  # a target-only rule (rule all) runs nothing
        found = re.search(r"conda:\s*\n\s*\"([^\"]+)\"", text)
        assert found, f"{name}:{line}: the rule names no conda env"
        env = (REPO / "workflow" / "rules" / found.group(1)).resolve()
        assert env.parent == REPO / "envs" and env.is_file(), f"{name}:{line}: {found.group(1)} is not a file in envs/"
