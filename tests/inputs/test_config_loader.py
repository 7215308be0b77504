"""Config validation: defaults come only from the schema, unknown keys and wrong types are named, paths resolve."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from common.input_error import InputError
from inputs.config_loader import check_input_files, load_config, validate_config

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def test_minimal_config_takes_schema_defaults_not_demo_values():
    config = validate_config({"samples": "s.tsv", "reference": "ref.fa"}, SCHEMA)
    demo = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    assert config["demo"] is False and demo["demo"] is True
    assert config["callers"] == ["bcftools"]
    assert config["regions"] is None
    assert config["calling"] == {"chunks": 2, "min_mapq": 0, "min_baseq": 1, "mode": "joint"}
    assert config["qc"]["min_mean_depth"] == {"warn": 15, "fail": 5}
    assert config["qc"]["breadth_min_depth"] == 1
    assert config["report"]["samples_per_job"] == 50


def test_partial_nested_section_keeps_given_values_and_fills_the_rest():
    config = validate_config({"samples": "s", "reference": "r", "calling": {"chunks": 7}}, SCHEMA)
    assert config["calling"] == {"chunks": 7, "min_mapq": 0, "min_baseq": 1, "mode": "joint"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"calling": {"chunks": "two"}}, r"config key 'calling\.chunks': 'two' is not of type 'integer'"),
        ({"calling": {"chunks": 0}}, r"config key 'calling\.chunks': 0 is less than the minimum of 1"),
        ({"callers": ["gatk"]}, r"config key 'callers\.0': 'gatk' is not one of \['bcftools', 'freebayes'\]"),
        ({"refrence": "x.fa"}, r"unknown config key 'refrence'"),
        ({"qc": {"min_depth": 3}}, r"unknown config key 'qc\.min_depth'"),
        ({"qc": {"min_mean_depth": {"warn": 10}}}, r"config key 'qc\.min_mean_depth\.fail' is required"),
        ({"demo": "yes"}, r"config key 'demo': 'yes' is not of type 'boolean'"),
    ],
)
def test_bad_config_names_the_key(extra, message):
    with pytest.raises(InputError, match=message):
        validate_config({"samples": "s.tsv", "reference": "ref.fa", **extra}, SCHEMA)


def test_missing_required_key_is_named():
    with pytest.raises(InputError, match="config key 'reference' is required"):
        validate_config({"samples": "s.tsv"}, SCHEMA)


@pytest.fixture
def batch(tmp_path, monkeypatch):
    """A config folder tmp_path/batch, with tmp_path as the working directory."""
    (tmp_path / "batch").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path / "batch"


def test_paths_are_relative_to_the_config_folder(tmp_path, batch):
    config = load_config({"samples": "sheet.tsv", "reference": "/data/ref.fa", "regions": "t.bed"}, batch, SCHEMA)
    assert config["samples"] == "batch/sheet.tsv"
    assert config["reference"] == "/data/ref.fa"
    assert config["regions"] == "batch/t.bed"
    lists = load_config(
        {
            "samples": "s",
            "reference": "r",
            "sites": {"files": ["p.vcf"]},
            "pgs": {"scoring_files": ["/x/PGS1.txt", "a.txt"]},
        },
        batch,
        SCHEMA,
    )
    assert lists["sites"]["files"] == ["batch/p.vcf"]
    nested = load_config(
        {
            "samples": "s",
            "reference": "r",
            "structure": {"panel": "panel/GRCH37.sites", "panel_labels": "panel/labels.tsv"},
        },
        batch,
        SCHEMA,
    )
    assert nested["structure"]["panel"] == "batch/panel/GRCH37.sites" and nested["pgx"]["panel"] is None
    assert lists["pgs"]["scoring_files"] == ["/x/PGS1.txt", "batch/a.txt"]
    outside = load_config({"samples": "sheet.tsv", "reference": "r.fa"}, tmp_path.parent / "elsewhere", SCHEMA)
    assert outside["samples"] == str(tmp_path.parent / "elsewhere" / "sheet.tsv")


def test_a_missing_path_is_named_as_written_and_as_resolved(tmp_path, batch):
    from inputs.preflight import regions_contigs
    from inputs.sample_sheet import read_sample_sheet

    config = load_config({"samples": "sheets/s.tsv", "reference": "r.fa", "regions": "~/t.bed"}, batch, SCHEMA)
    assert config["samples"] == "batch/sheets/s.tsv"
    sheet_schema = REPO / "workflow" / "schemas" / "samples.schema.yaml"
    absolute = tmp_path / "batch" / "sheets" / "s.tsv"
    with pytest.raises(InputError, match=rf"^sample sheet sheets/s\.tsv does not exist \(resolved: {absolute}\)$"):
        read_sample_sheet(config["samples"], sheet_schema)
    home_bed = Path("~/t.bed").expanduser()
    with pytest.raises(InputError, match=rf"^regions BED ~/t\.bed does not exist \(resolved: {home_bed}\)$"):
        regions_contigs(config["regions"])
    other = tmp_path / "other.bed"
    with pytest.raises(InputError, match=rf"^regions BED {other} does not exist$"):  # written absolute: named once
        regions_contigs(str(other))


def test_config_files_only_the_user_provides_must_exist(tmp_path, batch):
    (batch / "PGS1.txt").write_text("#pgs_id=PGS1\n")
    config = load_config(
        {"samples": "s", "reference": "r", "pgs": {"scoring_files": ["PGS1.txt", "scores/PGS2.txt"]}}, batch, SCHEMA
    )
    absolute = tmp_path / "batch" / "scores" / "PGS2.txt"
    key = r"b/config\.yaml: config key 'pgs\.scoring_files'"
    with pytest.raises(InputError, match=rf"^{key}: file scores/PGS2\.txt does not exist \(resolved: {absolute}\)$"):
        check_input_files(config, source="b/config.yaml")
    check_input_files(config, may_be_made={"batch/scores/PGS2.txt"})  # made by a rule (the demo): not checked here
    config["pgs"]["scoring_files"] = ["batch/PGS1.txt"]
    check_input_files(config)
    config["carrier"]["panel"] = "batch/panel.tsv"  # a single-path key
    with pytest.raises(
        InputError, match=r"config key 'carrier\.panel': file batch/panel\.tsv does not exist \(resolved"
    ):
        check_input_files(config)


def test_a_panel_without_its_labels_is_refused_by_the_loader(tmp_path):
    """A check of two keys together, made where the config is loaded (not in a rule file)."""
    config = {"samples": "s.tsv", "reference": "r.fa", "structure": {"panel": "GRCH37.sites"}}
    with pytest.raises(InputError, match=r"^my\.yaml: structure\.panel is set but structure\.panel_labels is not"):
        load_config(config, tmp_path, SCHEMA, "my.yaml")
    config["structure"]["panel_labels"] = "labels.tsv"
    assert load_config(config, tmp_path, SCHEMA, "my.yaml")["structure"]["panel_labels"].endswith("labels.tsv")


SHIPPED_ANCESTRY = REPO / "config" / "panels" / "ancestry"


@pytest.mark.parametrize(
    ("build", "panel", "expected_sites"),
    [
        ("GRCh38", None, "GRCH38.sites"),  # unset: the shipped panel of the build
        ("GRCh37", None, "GRCH37.sites"),
        ("other", None, None),  # no shipped panel for other builds
        ("GRCh38", "none", None),  # `none` turns it off
        ("GRCh38", "mine.sites", "mine.sites"),  # a panel of one's own is kept
    ],
)
def test_the_shipped_ancestry_panel_is_the_default_for_grch37_and_grch38(tmp_path, build, panel, expected_sites):
    structure = {} if panel is None else {"panel": panel}
    if panel == "mine.sites":
        structure["panel_labels"] = "mine.tsv"
    config = {"samples": "s.tsv", "reference": "r.fa", "build": build, "structure": structure}
    chosen = load_config(config, tmp_path, SCHEMA, "my.yaml", shipped_ancestry=SHIPPED_ANCESTRY)["structure"]
    if expected_sites is None:
        assert (chosen["panel"], chosen["panel_labels"]) == (None, None)
        return
    assert Path(chosen["panel"]).name == expected_sites
    if panel is None:
        # paths inside the working directory are kept relative (config_loader.workdir_relative): compare resolved
        assert (
            Path(chosen["panel"]).resolve().parent == SHIPPED_ANCESTRY.resolve() and chosen["panel_format"] == "peddy"
        )
        assert Path(chosen["panel_labels"]).resolve() == (SHIPPED_ANCESTRY / "labels_2504.tsv").resolve()
        assert Path(chosen["panel"]).is_file() and Path(f"{chosen['panel']}.bin.gz").is_file()
        assert Path(chosen["panel_labels"]).is_file()


def test_the_shipped_grch38_panel_loads_with_its_labels():
    """The shipped files are the test data's (md5 in SOURCE.md): 23,770 sites x 2,504 samples, AFR 661 ... SAS 489,
    NA12878 (column 1752) EUR, and GRCh38's 118 swapped sites read as GRCh37's dosage flipped."""
    from structure.reference_panel import load_peddy_panel

    grch38 = load_peddy_panel(SHIPPED_ANCESTRY / "GRCH38.sites", SHIPPED_ANCESTRY / "labels_2504.tsv")
    grch37 = load_peddy_panel(SHIPPED_ANCESTRY / "GRCH37.sites", SHIPPED_ANCESTRY / "labels_2504.tsv")
    assert grch38.dosage.shape == (23770, 2504)
    labels, sizes = np.unique(grch38.labels, return_counts=True)
    counts = dict(zip(labels.tolist(), sizes.tolist(), strict=True))
    assert counts == {"AFR": 661, "AMR": 347, "EAS": 504, "EUR": 503, "SAS": 489}
    assert (grch38.sample_ids[1752], grch38.labels[1752]) == ("NA12878", "EUR")
    flipped = (grch38.dosage != grch37.dosage).any(axis=1)
    assert int(flipped.sum()) == 118
    assert (grch38.dosage[flipped] == 2 - grch37.dosage[flipped]).all()
