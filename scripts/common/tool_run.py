"""Running the field's command-line tools from rule scripts, and reading their versions."""

import glob
import os
import re
import shlex
import subprocess
from pathlib import Path

from common.rule_logging import get_logger


class ToolError(RuntimeError):
    """A tool exited non-zero; the message carries the command and its stderr tail."""


def run(cmd, stdout=None, stdin=None, cwd=None, env=None):
    """Run `cmd` (a list; in folder `cwd`, with environment `env` when given), log it, raise ToolError with stderr on
    failure; return stdout text if not redirected."""
    log = get_logger()
    log.info("running: %s", shlex.join(str(c) for c in cmd))
    proc = subprocess.run(
        [str(c) for c in cmd],
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stdin=stdin,
        cwd=cwd,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
    )
    if proc.stderr:
        for line in proc.stderr.splitlines():
            log.info("  %s: %s", cmd[0], line)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise ToolError(f"{cmd[0]} {cmd[1] if len(cmd) > 1 else ''} failed (exit {proc.returncode}): {tail}")
    return proc.stdout


def tool_version(tool):
    """Bare version number of a tool ('1.16'), as nf-core's versions topic records it."""
    args = {"freebayes": ["--version"]}.get(tool, ["--version"])
    out = subprocess.run([tool, *args], capture_output=True).stdout.decode(errors="replace")
    match = re.search(r"(\d+\.\d+(?:\.\d+)?(?:[.\-~+][0-9A-Za-z.]+)?)", out)
    return match.group(1) if match else "unknown"


def pipeline(*cmds):
    """Run `cmd1 | cmd2 | ...` (lists), logging each; raise ToolError naming the first failed stage and its stderr."""
    log = get_logger()
    log.info("running: %s", " | ".join(shlex.join(str(c) for c in cmd) for cmd in cmds))
    procs, upstream = [], None
    for i, cmd in enumerate(cmds):
        last = i == len(cmds) - 1
        proc = subprocess.Popen(
            [str(c) for c in cmd], stdin=upstream, stdout=None if last else subprocess.PIPE, stderr=subprocess.PIPE
        )
        if upstream is not None:
            upstream.close()  # the next stage owns the pipe now, so SIGPIPE reaches the writer
        upstream = proc.stdout
        procs.append(proc)
    failures = []
    for cmd, proc in zip(cmds, procs):
        err = proc.stderr.read().decode(errors="replace")
        for line in err.splitlines():
            log.info("  %s: %s", cmd[0], line)
        if proc.wait() != 0:
            failures.append(f"{cmd[0]} {cmd[1]} failed (exit {proc.returncode}): {err.strip()[-500:]}")
    if failures:
        raise ToolError(failures[0])


def bcftools_plugin_env():
    """os.environ with BCFTOOLS_PLUGINS set to the folder holding bcftools' plugins (fill-tags.so), or None.

    Debian installs them in a multiarch folder (/usr/lib/x86_64-linux-gnu/bcftools) that the test oracles' calls of
    `bcftools +fill-tags` / `+mendelian` need named; an already set BCFTOOLS_PLUGINS is tried first."""
    env = dict(os.environ)
    candidates = [env.get("BCFTOOLS_PLUGINS", ""), *glob.glob("/usr/lib/*/bcftools"), "/usr/lib/bcftools",
                  "/usr/libexec/bcftools"]  # fmt: skip
    for folder in candidates:
        if folder and Path(folder, "fill-tags.so").exists():
            env["BCFTOOLS_PLUGINS"] = folder
            return env
    return None
