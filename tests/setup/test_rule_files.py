"""Rule files only declare rules: what the workflow does to the process when it loads (the umask of `permissions`,
asking git for the checkout's state) is done once, in the Snakefile (issue 13: no side effects at load time)."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Calls that act on the process or the outside world when a file is parsed.
ACTING = re.compile(r"\b(apply_permission_mode|git_state|os\.umask|subprocess\.\w+|os\.system|shutil\.\w+)\(")


def top_level_lines(text):
    """Lines outside rule/def/if bodies: not indented, not comments."""
    return [line for line in text.splitlines() if line and not line[0].isspace() and not line.startswith("#")]


def test_rule_files_act_on_nothing_when_loaded():
    acting = {
        path.name: [line for line in top_level_lines(path.read_text()) if ACTING.search(line)]
        for path in sorted((REPO / "workflow" / "rules").glob("*.smk"))
    }
    assert {name: lines for name, lines in acting.items() if lines} == {}


def test_the_snakefile_sets_the_umask_and_reads_git_once():
    lines = top_level_lines((REPO / "Snakefile").read_text())
    assert [line for line in lines if ACTING.search(line)] == [
        'apply_permission_mode(config["permissions"]["mode"])',
        "GIT_STATE = git_state(workflow.basedir)",
    ]
