"""Property tests: random sample sheets and configs either load or raise InputError, never another exception.

When they load, what they return keeps the promises stated in the schemas (checked here independently):
sample IDs match the allowed pattern and are unique, every alignment exists, every integer key is an int.
"""

import os
import re
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.input_error import InputError
from inputs.config_loader import load_config, load_schema, validate_config
from inputs.sample_sheet import read_sample_sheet

REPO = Path(__file__).resolve().parents[2]
SAMPLES_SCHEMA = REPO / "workflow" / "schemas" / "samples.schema.yaml"
CONFIG_SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The schema's sample_id rule, restated: letters, digits, '_', '-', '.', 1-64 characters, not only dots.
ALLOWED_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")

# Any character a text file can hold: control characters, tabs, newlines, quotes, unicode; no lone surrogates.
WIDE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
KNOWN_COLUMNS = ("sample_id", "alignment", "sex", "population")
EXISTING_FILES = ("a.bam", "b.cram", "sub/c.bam")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder with a few alignment files (empty: the sheet reader only checks that they exist)."""
    folder = tmp_path_factory.mktemp("sheets")
    for name in EXISTING_FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"")
    old = os.getcwd()
    os.chdir(folder)
    yield folder
    os.chdir(old)


def cell():
    """A cell: a plausible value, an existing or missing path, shell-ish text, or anything at all."""
    return st.one_of(
        st.sampled_from(["S1", "S2", "S-3.x", "..", "a/b", "S 2", "S1;rm", "$(touch pwned)", "", " ", "female"]),
        st.sampled_from([*EXISTING_FILES, "missing.bam", "x.fastq", "../a.bam", "/dev/null.bam"]),
        st.from_regex(ALLOWED_ID, fullmatch=True),
        WIDE_TEXT,
    )


@st.composite
def sheets(draw):
    """Sheet text: a header of known and unknown (possibly repeated) columns, rows with random field counts."""
    header = draw(st.lists(st.one_of(st.sampled_from(KNOWN_COLUMNS), WIDE_TEXT), max_size=6))
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        width = draw(st.one_of(st.just(len(header)), st.integers(0, len(header) + 2)))
        rows.append(draw(st.lists(cell(), min_size=width, max_size=width)))
    if rows and draw(st.booleans()):
        rows.append(list(rows[0]))  # a duplicated row: a duplicate sample_id when it has one
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = ["\t".join(header), *("\t".join(r) for r in rows)]
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), "# a comment")
    return newline.join(lines) + draw(st.sampled_from(["", newline]))


@BOUNDED
@given(text=sheets(), bom=st.booleans(), garbage=st.one_of(st.just(b""), st.binary(max_size=8)))
def test_any_sample_sheet_loads_or_raises_input_error(workdir, text, bom, garbage):
    """`garbage`: random trailing bytes, often not UTF-8."""
    sheet = workdir / "samples.tsv"
    sheet.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8") + garbage)
    try:
        samples = read_sample_sheet(sheet, SAMPLES_SCHEMA)
    except InputError as error:
        assert str(sheet) in str(error)  # every message names the sheet
        return
    assert samples
    for sample, row in samples.items():
        assert ALLOWED_ID.fullmatch(sample) and set(sample) != {"."}
        assert row["sample_id"] == sample and Path(row["alignment"]).is_file()
        assert row["alignment"].endswith((".bam", ".cram"))


def test_sheet_reader_survives_invalid_utf8_and_nul_bytes(workdir):
    sheet = workdir / "samples.tsv"
    for data, message in (
        (b"sample_id\talignment\nS\xff1\ta.bam\n", r"is not UTF-8 text"),
        (b"sample_id\talignment\nS1\x00\ta.bam\n", r"cannot be read as TSV|is not allowed"),
        (b"\xef\xbb\xbfsample_id\talignment\nS1\ta.bam\n", None),  # a spreadsheet's byte-order mark is fine
    ):
        sheet.write_bytes(data)
        if message is None:
            assert list(read_sample_sheet(sheet, SAMPLES_SCHEMA)) == ["S1"]
        else:
            with pytest.raises(InputError, match=message):
                read_sample_sheet(sheet, SAMPLES_SCHEMA)


# ---------------------------------------------------------------- configs

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**65), 2**65), st.floats(allow_nan=True, allow_infinity=True), WIDE_TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(WIDE_TEXT, st.sampled_from(["chunks", "warn", "fail", "min_mean_depth"])), children,
                        max_size=4),
    ),
    max_leaves=8,
)  # fmt: skip
TOP_KEYS = ("samples", "reference", "build", "regions", "callers", "demo", "calling", "qc", "report")


@st.composite
def configs(draw):
    """A config mapping: mostly known keys (some with plausible values), some unknown or non-string keys."""
    config = {}
    for key in draw(st.lists(st.sampled_from(TOP_KEYS), unique=True)):
        config[key] = draw(
            st.one_of(
                VALUES,
                st.sampled_from(["s.tsv", "ref.fa", "GRCh37", ["bcftools"], True]),
                st.fixed_dictionaries({}, optional={"chunks": st.one_of(st.integers(-2, 5), st.floats(0, 5)),
                                                    "min_mapq": SCALARS}),
            )
        )  # fmt: skip
    for key in draw(st.lists(st.one_of(WIDE_TEXT, st.integers(), st.booleans(), st.none()), max_size=2)):
        config[key] = draw(VALUES)
    return config


def integer_paths(schema, root=None, prefix=()):
    """Key paths whose schema type is integer (found by walking the schema, so new keys are covered)."""
    root = root or schema
    if "$ref" in schema:
        schema = root["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    for key, sub in schema.get("properties", {}).items():
        if sub.get("type") == "integer":
            yield (*prefix, key)
        yield from integer_paths(sub, root, (*prefix, key))


def lookup(config, path):
    for key in path:
        if not isinstance(config, dict) or key not in config:
            return None
        config = config[key]
    return config


@BOUNDED
@given(config=configs())
def test_any_config_validates_or_raises_input_error(tmp_path_factory, config):
    try:
        checked = validate_config(config, CONFIG_SCHEMA, "config.yaml")
    except InputError as error:
        assert str(error).startswith("config.yaml: ")
        return
    schema = load_schema(CONFIG_SCHEMA)  # read here, not cached: another helper may be extending it right now
    jsonschema.Draft7Validator(schema).validate(checked)  # the plain draft-7 validator agrees
    for path in integer_paths(schema):
        value = lookup(checked, path)
        assert value is None or (isinstance(value, int) and not isinstance(value, bool)), (path, value)
    assert {"samples", "reference"} <= set(checked)
    resolved = load_config(config, tmp_path_factory.getbasetemp(), CONFIG_SCHEMA, "config.yaml")
    assert set(resolved) == set(checked)


@pytest.mark.parametrize("config", [None, [], "samples: x", 3])
def test_a_config_that_is_not_a_mapping_is_refused(config):
    with pytest.raises(InputError, match=r"config\.yaml: the config must be a mapping"):
        validate_config(config, CONFIG_SCHEMA, "config.yaml")
