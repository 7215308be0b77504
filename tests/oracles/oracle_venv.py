"""Test-only virtualenvs for reference implementations (oracles) that must not enter the project's own venv.

oracle_venv(requirements, name) gives `<checkout>/.venv-oracles/<name>` (gitignored), built with this interpreter's
`-m venv` and `pip install -r <requirements>`. A venv already there is reused when its `pip freeze` equals the pins;
otherwise it is rebuilt. The build goes into a temporary folder beside it and is renamed into place only when
complete, so an interrupted build leaves no half-made venv (the temporary folder is removed; one left by a killed
build keeps a dot-name that is never used, and a later build removes it after an hour).

A venv moved after its build keeps the build folder in its console scripts' `#!` lines: run them through the venv's
own interpreter (`[venv/bin/python, venv/bin/<script>, ...]`), which is what `script()` returns.

No network: the test is skipped when pip fails and https://pypi.org is unreachable (a user's offline machine), with
pip's last lines as the reason; on CI (environment variable CI set), which has PyPI, it fails instead.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO

VENVS = REPO / ".venv-oracles"
PYPI_PROBE = "https://pypi.org/simple/pip/"
ABANDONED = 3600


def canonical(name):
    """A distribution name as pip compares them (PEP 503): lower case, runs of -_. as one '-'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements):
    """{canonical name: version} of a requirements file of `name==version` lines (comments and blanks skipped)."""
    pinned = {}
    for line in Path(requirements).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pinned[canonical(name)] = version.strip()
    return pinned


def frozen(venv):
    """{canonical name: version} of what a venv has installed (`pip freeze`; pip and setuptools are not listed)."""
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    out = subprocess.run([python, "-m", "pip", "freeze", "--disable-pip-version-check"], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return {canonical(n): v for n, _, v in (line.partition("==") for line in out.stdout.splitlines() if "==" in line)}


def script(venv, name):
    """The command that runs console script `name` of an oracle venv (module docstring: through its interpreter)."""
    return [str(venv / "bin" / "python"), str(venv / "bin" / name)]


def _pypi_reachable():
    try:
        with urllib.request.urlopen(PYPI_PROBE, timeout=20):
            return True
    except OSError:
        return False


def _fail_or_skip(message):
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI has PyPI: this oracle must run there)")
    pytest.skip(message)


def _remove_abandoned(name):
    """Temporary folders of builds killed before their clean-up (older than ABANDONED seconds: not a build that
    another process is running now)."""
    for folder in [*VENVS.glob(f".{name}.building.*"), *VENVS.glob(f".{name}.stale.*")]:
        if time.time() - folder.stat().st_mtime > ABANDONED:
            shutil.rmtree(folder, ignore_errors=True)


def oracle_venv(requirements, name):
    """Path of the oracle venv `name` with exactly the pins of `requirements` (built once; module docstring)."""
    venv = VENVS / name
    wanted = pins(requirements)
    if frozen(venv) == wanted:
        return venv
    VENVS.mkdir(exist_ok=True)
    _remove_abandoned(name)
    build = Path(tempfile.mkdtemp(prefix=f".{name}.building.", dir=VENVS))
    build.chmod(0o755)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(build)], check=True, capture_output=True)
        pip = [str(build / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
        out = subprocess.run([*pip, "--retries", "2", "-r", str(requirements)], capture_output=True, text=True)
        if out.returncode != 0:
            tail = "\n".join((out.stderr or out.stdout).strip().splitlines()[-8:])
            if not _pypi_reachable():
                _fail_or_skip(f"pip cannot reach PyPI ({PYPI_PROBE}) to build the oracle venv {name}:\n{tail}")
            pytest.fail(f"pip install -r {requirements} failed with PyPI reachable:\n{tail}")
        got = frozen(build)
        if got != wanted:
            extra = sorted(set(got or {}) ^ set(wanted)) or sorted(n for n in wanted if got.get(n) != wanted[n])
            pytest.fail(f"{requirements}: the built venv differs from the pins ({extra}): update the file")
        stale = None
        if venv.exists():
            stale = Path(tempfile.mkdtemp(prefix=f".{name}.stale.", dir=VENVS))
            venv.rename(stale / "venv")
        try:
            build.rename(venv)
        except OSError:  # another process put a venv there meanwhile: use it if it is right
            if frozen(venv) != wanted:
                raise
        if stale is not None:
            shutil.rmtree(stale, ignore_errors=True)
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)
    return venv
