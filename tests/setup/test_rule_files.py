"""Rule files only declare rules: what the workflow does when it loads (finding its own folder, the umask of
`permissions`, asking git for its state) is done once, in the Snakefile (issue 13: no side effects at load time)."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Calls that act on the process or the outside world when a file is parsed.
ACTING = re.compile(
    r"\b(apply_permission_mode|git_state|local_workflow_dir|os\.umask|subprocess\.\w+|os\.system|shutil\.\w+|"
    r"tarfile\.\w+|tempfile\.\w+|sys\.path\.insert)\("
)


def top_level_lines(text):
    """Lines outside rule/def/if bodies: not indented, not comments."""
    return [line for line in text.splitlines() if line and not line[0].isspace() and not line.startswith("#")]


def outside_functions(text):
    """Lines that run when the file is loaded, rule bodies included: all but the bodies of `def` blocks."""
    lines, in_def = [], False
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            in_def = line.startswith("def ")
        if not in_def:
            lines.append(line)
    return lines


def test_rule_files_act_on_nothing_when_loaded():
    acting = {
        path.name: [line for line in outside_functions(path.read_text()) if ACTING.search(line)]
        for path in sorted((REPO / "workflow" / "rules").glob("*.smk"))
    }
    assert {name: lines for name, lines in acting.items() if lines} == {}


def test_the_snakefile_finds_its_folder_sets_the_umask_and_reads_git_once():
    text = (REPO / "Snakefile").read_text()
    assert [line for line in top_level_lines(text) if ACTING.search(line)] == [
        "GENORISK_DIR, GENORISK_COMMIT = local_workflow_dir(workflow.current_basedir)",
        'sys.path.insert(0, str(GENORISK_DIR / "scripts"))',
        'apply_permission_mode(config["permissions"]["mode"])',
    ]
    assert text.count("git_state(GENORISK_DIR)") == 1
