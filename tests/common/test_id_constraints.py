"""Wildcard constraints over sample IDs: which IDs each matches, checked through Snakemake's own path regex, and
their size, which must not grow with the batch."""

import re
from pathlib import Path

import pytest
import yaml
from snakemake.io import regex_from_filepattern

from common.id_constraints import ANY_ID, ID_CHARS, NO_ID, id_pattern, split_pattern

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "samples.schema.yaml"
# The shapes of the workflow's `{sample}` paths (index_alignment's ext as it constrains it): after '/', then '.'.
PATHS = ("results/qc/{sample}.qc.json", "logs/qc/{sample}.log", "resources/index/{sample}.{ext,bai|crai}")


def matches(constraint, sample, path=PATHS[0]):
    """Whether Snakemake's regex of `path` with `{sample,constraint}` matches the path of `sample`."""
    pattern = path.replace("{sample}", "{sample," + constraint + "}", 1)
    concrete = path.replace("{sample}", sample).replace("{ext,bai|crai}", "bai")
    return re.match(regex_from_filepattern(pattern), concrete) is not None


def test_any_id_is_the_sheet_schemas_sample_id_pattern():
    schema = yaml.safe_load(SCHEMA.read_text())
    assert schema["properties"]["sample_id"]["pattern"] == f"^{ANY_ID}$"
    assert ID_CHARS in ANY_ID


def test_id_pattern_matches_exactly_the_ids():
    pattern = id_pattern(["S1", "a.b"])
    assert re.fullmatch(pattern, "a.b") and not re.fullmatch(pattern, "axb") and not re.fullmatch(pattern, "S")
    assert not re.fullmatch(id_pattern([]), "") and not re.fullmatch(id_pattern([]), "S1")


# IDs chosen so that one is a prefix, a suffix or a dotted extension of another (an ID may contain '.', and the
# paths put '.' right after it).
MEMBERS = ["A1", "B.v1", "xv1", "v1.x", "C-2", "D_3", "E4", "long_name.7"]
OTHERS = ["v1", "A", "A1.x", "x"]


@pytest.mark.parametrize("members, others", [(MEMBERS, OTHERS), (OTHERS, MEMBERS)])
@pytest.mark.parametrize("path", PATHS)
def test_split_matches_every_member_and_no_other(members, others, path):
    constraint = split_pattern(members, others)
    assert all(matches(constraint, s, path) for s in members)
    assert not any(matches(constraint, s, path) for s in others)


def test_split_lists_the_smaller_side():
    assert split_pattern(MEMBERS, OTHERS) != id_pattern(MEMBERS)  # the exclusion of the four others
    assert split_pattern(OTHERS, MEMBERS) == id_pattern(OTHERS)
    assert split_pattern(MEMBERS, []) == ANY_ID and split_pattern([], OTHERS) == NO_ID
    assert not matches(NO_ID, "A1")


def test_split_size_does_not_grow_with_the_larger_side():
    many = [f"s{i:05d}" for i in range(10_000)]
    few = ["vcf_row_1", "vcf_row_22"]
    assert split_pattern(many, few) == split_pattern(many[:3], few)
    assert len(split_pattern(many, few)) < 100 and len(split_pattern(few, many)) < 100
    assert matches(split_pattern(many, few), "s09999") and not matches(split_pattern(many, few), "vcf_row_22")


def test_every_sample_wildcard_of_the_workflow_follows_a_slash():
    # split_pattern's exclusion needs a character outside ID_CHARS (or the path's start) before the wildcard.
    rules = Path(__file__).resolve().parents[2] / "workflow" / "rules"
    paths = [s for f in rules.glob("*.smk") for s in re.findall(r'"([^"\n]*\{sample[},][^"\n]*)"', f.read_text())]
    before = [p[m.start() - 1 : m.start()] for p in paths if "/" in p for m in re.finditer(r"\{+sample[},]", p)]
    assert before and set(before) == {"/"}
