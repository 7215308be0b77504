"""config/README.md's key table against workflow/schemas/config.schema.yaml: the same keys, the same defaults.

The schema is the truth (validate() fills its defaults in, and nothing else does); the table is what a user reads.
How the table shows the schema:
- A section's keys are dotted (`qc.min_mean_depth`). A section is an object of keys with default `{}` (`calling`,
  `qc`, ...); any other key is one row, also when its value is an object: a QC threshold's warn/fail pair, or
  `pgs.reference_panel` (`{vcf, labels}` or none).
- A default cell is `(required)` (a required key without a default); a YAML value, in backticks or bare (`[bcftools]`,
  `auto`, 2, 0.75, true); `warn W, fail F` (a threshold pair); `N genes` (a list of N items); or one of the bare words
  `none`, `shipped`, `auto`, all three the schema's null, whose meaning the row explains (no such input, the panel
  shipped with genorisk, a size worked out from the batch). Bare `auto` is null; `auto` in backticks is the string.
- Text after the value in parentheses is a note (`none (demo: ...)`, `shipped (GRCh37/GRCh38)`), not compared.
"""

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
README = REPO / "config" / "README.md"
NULL_WORDS = {"none", "shipped", "auto"}
REQUIRED = "(a required key: no default)"


def schema_defaults(schema, prefix=""):
    """{dotted key: default} of every row-level key of the schema (REQUIRED where it has none and must be given)."""
    out = {}
    for name, sub in schema["properties"].items():
        key = f"{prefix}{name}"
        if sub.get("type") == "object" and "properties" in sub and sub.get("default") == {}:
            out.update(schema_defaults(sub, f"{key}."))
        elif "default" in sub:
            out[key] = sub["default"]
        else:
            assert name in schema.get("required", []), f"schema key {key} has no default and is not required"
            out[key] = REQUIRED
    return out


def table_rows(readme_text):
    """{key: default cell} of the table under '## config.yaml'; a key written twice fails."""
    section = readme_text.split("\n## config.yaml\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `([^`]+)` \| (.*?) \|", line)
        if match:
            key, cell = match.groups()
            assert key not in rows, f"config/README.md: key {key} has two rows"
            rows[key] = cell
    return rows


def read_default(cell):
    """The value a default cell stands for (see the module docstring)."""
    cell = re.sub(r"\s+\(.*\)$", "", cell.strip()) if cell.strip() != "(required)" else cell.strip()
    if cell == "(required)":
        return REQUIRED
    if cell in NULL_WORDS:
        return None
    pair = re.fullmatch(r"warn (\S+), fail (\S+)", cell)
    if pair:
        return {"warn": yaml.safe_load(pair[1]), "fail": yaml.safe_load(pair[2])}
    count = re.fullmatch(r"(\d+) \w+", cell)
    if count:
        return ("a list of", int(count[1]))
    return yaml.safe_load(cell[1:-1] if cell.startswith("`") and cell.endswith("`") else cell)


def table_problems(readme_text, schema):
    """Every disagreement between the table and the schema, one line each (an empty list when they agree)."""
    defaults = schema_defaults(schema)
    rows = table_rows(readme_text)
    problems = [f"schema key {key} has no row in the table" for key in defaults if key not in rows]
    problems += [f"table key {key} is not in the schema" for key in rows if key not in defaults]
    for key in defaults.keys() & rows.keys():
        want, shown = defaults[key], read_default(rows[key])
        if isinstance(shown, tuple):  # "N genes": the length of the default list
            want = ("a list of", len(want)) if isinstance(want, list) else want
        if shown != want or type(shown) is not type(want):  # a table's 1 is not the schema's true
            problems.append(f"table key {key}: default {rows[key]!r} reads as {shown!r}, the schema's is {want!r}")
    return sorted(problems)


@pytest.fixture(scope="module")
def schema():
    return yaml.safe_load(SCHEMA.read_text())


def test_readme_table_has_every_schema_key_and_its_default(schema):
    assert table_problems(README.read_text(), schema) == []


def test_every_schema_key_is_a_table_row(schema):
    """The table is not just agreeing on what it happens to list: its keys are the schema's, one for one."""
    assert sorted(table_rows(README.read_text())) == sorted(schema_defaults(schema))
    assert {"samples", "qc.min_mean_depth", "qc.breadth_min_depth", "pgs.reference_panel"} <= set(
        schema_defaults(schema)
    )


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("(required)", REQUIRED),
        ("`other`", "other"),
        ("`auto`", "auto"),
        ("auto", None),
        ("none", None),
        ("none (demo: `panels/clinvar/demo_clinvar_GRCh38.vcf`)", None),
        ("shipped (GRCh37/GRCh38)", None),
        ("`[bcftools]`", ["bcftools"]),
        ("`[]`", []),
        ("2", 2),
        ("0.75", 0.75),
        ("true", True),
        ("false", False),
        ("warn 0.95, fail 0.8", {"warn": 0.95, "fail": 0.8}),
        ("19 genes", ("a list of", 19)),
    ],
)
def test_default_cells_are_read_as_values(cell, value):
    assert read_default(cell) == value and type(read_default(cell)) is type(value)


def test_drift_is_named(schema):
    """A doctored table: a schema key without its row, a row for a key the schema lacks, and three wrong defaults."""
    text = README.read_text()
    doctored = (
        text.replace("| `calling.min_baseq` | 1 |", "| `calling.min_basequal` | 1 |")
        .replace("| `qc.min_mean_depth` | warn 15, fail 5 |", "| `qc.min_mean_depth` | warn 15, fail 4 |")
        .replace("| `pgx.enabled` | `auto` |", "| `pgx.enabled` | auto |")
        .replace("| `pgx.genes` | 19 genes |", "| `pgx.genes` | 18 genes |")
    )
    assert table_problems(doctored, schema) == [
        "schema key calling.min_baseq has no row in the table",
        "table key calling.min_basequal is not in the schema",
        "table key pgx.enabled: default 'auto' reads as None, the schema's is 'auto'",
        "table key pgx.genes: default '18 genes' reads as ('a list of', 18), the schema's is ('a list of', 19)",
        "table key qc.min_mean_depth: default 'warn 15, fail 4' reads as {'warn': 15, 'fail': 4}, the schema's is "
        "{'warn': 15, 'fail': 5}",
    ]
