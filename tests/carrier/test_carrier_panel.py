"""The shipped carrier panel (config/panels/carrier/carrier_panel.tsv) and its loader
(scripts/carrier/carrier_panel.py).

Oracles: `bcftools norm` (an SPDI and the row's VCF alleles, both written as VCF records on a window of the bases
they spell out, normalise to the same record); PharmCAT's GRCh38 position file and the 1000 Genomes GRCh38 chr22
window for REF bases (rows no reference covers are skipped, naming the row); hand-written rows for the loader's
refusals and hand-worked SPDI/VCF pairs.
"""

import re
import subprocess

import pysam
import pytest

from carrier.carrier_panel import PANEL_COLUMNS, load_panel, spdi_problem
from common.input_error import InputError
from conftest import REPO, TESTDATA

PANEL = REPO / "config" / "panels" / "carrier" / "carrier_panel.tsv"
SOURCE = REPO / "config" / "panels" / "carrier" / "SOURCE.md"
PHARMCAT = TESTDATA / "pharmcat_positions_grch38" / "pharmcat_positions.vcf"
KG_WINDOW = TESTDATA / "1000g_30x_3202_chr22_16.57-16.61Mb_grch38" / "1000GP.chr22.sites.vcf.gz"
KG_SPAN = ("chr22", 16_570_000, 16_610_000)
GRCH38_CHROM_NUMBER = {f"chr{n}": n for n in range(1, 23)} | {"chrX": 23, "chrY": 24}


def panel_rows():
    """The shipped panel's lines as {column: text}, read here without the loader."""
    lines = PANEL.read_text().splitlines()
    return [dict(zip(PANEL_COLUMNS, line.split("\t"))) for line in lines[1:] if line.strip()]


def row_id(row):
    return f"{row['gene']}:{row['hgvs'].split(' ')[0]}"


ROWS = panel_rows()


# ---------------------------------------------------------------- the shipped panel


def test_panel_file_shape():
    lines = PANEL.read_text().splitlines()
    assert lines[0].split("\t") == PANEL_COLUMNS
    assert 15 <= len(ROWS) <= 30
    assert all(len(line.split("\t")) == len(PANEL_COLUMNS) for line in lines[1:])
    for row in ROWS:
        assert re.fullmatch(r"chr([1-9]|1\d|2[0-2]|X|Y|MT?)", row["chrom"]), row
        assert row["pos"].isdigit() and int(row["pos"]) > 0, row
        assert re.fullmatch("[ACGT]+", row["ref"]) and re.fullmatch("[ACGT]+", row["alt"]), row
        assert re.fullmatch(r"\d+|NA", row["clinvar_variation_id"]), row
        assert row["source_url"].startswith(("https://", "http://")), row
        assert row["clinical_significance"] and row["review_status"] and row["condition"], row
    keys = [(r["chrom"], r["pos"], r["ref"], r["alt"]) for r in ROWS]
    assert len(set(keys)) == len(keys)
    # The two APOE sites the APOE genotype needs, with their plus-strand alleles (SNPedia / dbSNP: T>C, C>T).
    apoe = {r["rsid"]: (r["chrom"], r["ref"], r["alt"]) for r in ROWS if r["gene"] == "APOE"}
    assert apoe == {"rs429358": ("chr19", "T", "C"), "rs7412": ("chr19", "C", "T")}
    assert len(load_panel(PANEL)) == len(ROWS)


def test_source_md_names_every_row_its_url_and_the_read_date():
    text = SOURCE.read_text()
    assert "2026-11-25" in text and "public domain" in text and "research use" in text.lower()
    for row in ROWS:
        assert row["source_url"] in text, row_id(row)
        if row["clinvar_variation_id"] != "NA":
            assert row["clinvar_variation_id"] in text, row_id(row)


def _window_records(row):
    """The row and its SPDI as VCF records on a window contig spelled from the bases they give (N elsewhere)."""
    pos, ref, alt = int(row["pos"]), row["ref"], row["alt"]
    accession, start, deleted, inserted = row["spdi"].split(":")
    start = int(start)
    assert int(accession.split("_")[1].split(".")[0]) == GRCH38_CHROM_NUMBER[row["chrom"]], row_id(row)
    low = min(pos - 1, start) - 5
    bases = {}
    for offset, base in enumerate(ref):
        bases[pos - 1 + offset] = base
    for offset, base in enumerate(deleted):
        assert bases.setdefault(start + offset, base) == base, f"{row_id(row)}: REF and SPDI disagree on a base"
    high = max(bases) + 6
    window = "".join(bases.get(i, "N") for i in range(low, high))
    if deleted and inserted:
        spdi_record = (start - low + 1, deleted, inserted)
    else:  # an empty allele needs the base before as anchor (VCF 4.2)
        anchor = bases.get(start - 1, "N")
        spdi_record = (start - low, anchor + deleted, anchor + inserted)
    return window, (pos - low, ref, alt), spdi_record


def _norm(tmp_path, name, window, record):
    fasta = tmp_path / f"{name}.fa"
    fasta.write_text(f">win\n{window}\n")
    vcf = tmp_path / f"{name}.vcf"
    vcf.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=win>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        f"win\t{record[0]}\t.\t{record[1]}\t{record[2]}\t.\t.\t.\n"
    )
    out = subprocess.run(
        ["bcftools", "norm", "--no-version", "-f", str(fasta), "-Ov", str(vcf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fields = [line.split("\t") for line in out.splitlines() if not line.startswith("#")][0]
    return int(fields[1]), fields[3], fields[4]


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_every_row_spdi_is_the_same_change_as_its_vcf_alleles(row, tmp_path):
    window, vcf_record, spdi_record = _window_records(row)
    assert _norm(tmp_path, "row", window, vcf_record) == _norm(tmp_path, "spdi", window, spdi_record)
    if len(row["ref"]) == len(row["alt"]) == 1:  # an SNV's SPDI is the VCF position minus one, same bases
        assert row["spdi"].split(":")[1:] == [str(int(row["pos"]) - 1), row["ref"], row["alt"]]


def _known_reference_bases(row):
    """{1-based position: base} the row states: its REF, and the deleted bases of its SPDI."""
    bases = {int(row["pos"]) + i: b for i, b in enumerate(row["ref"])}
    _, start, deleted, _ = row["spdi"].split(":")
    bases.update({int(start) + 1 + i: b for i, b in enumerate(deleted)})
    return bases


@pytest.fixture(scope="module")
def reference_bases():
    """{(chrom, 1-based pos): base} from PharmCAT's positions and the 1000 Genomes chr22 window's REF alleles."""
    if not PHARMCAT.exists():
        pytest.skip(f"real test data not found at {PHARMCAT}")
    known = {}
    for path in (PHARMCAT, KG_WINDOW):
        if not path.exists():
            continue
        with pysam.VariantFile(str(path)) as vcf:
            for rec in vcf:
                for offset, base in enumerate(rec.ref.upper()):
                    known[(rec.chrom, rec.pos + offset)] = base
    return known


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_ref_bases_agree_with_grch38_references_where_they_overlap(row, reference_bases):
    stated = _known_reference_bases(row)
    overlap = {p: b for p, b in stated.items() if (row["chrom"], p) in reference_bases}
    if not overlap:
        in_window = row["chrom"] == KG_SPAN[0] and KG_SPAN[1] <= int(row["pos"]) <= KG_SPAN[2]
        pytest.skip(
            f"{row_id(row)} {row['chrom']}:{row['pos']} could not be REF-checked: no PharmCAT position overlaps it"
            + ("" if in_window else " and it is outside the 1000 Genomes chr22:16.57-16.61Mb window")
        )
    assert overlap == {p: reference_bases[(row["chrom"], p)] for p in overlap}


def test_f508del_spdi_covers_the_pharmcat_position_and_agrees():
    """PharmCAT lists chr7:117559594 (REF T) inside F508del's repeat; the row's SPDI TCTT spans 117559591-594."""
    if not PHARMCAT.exists():
        pytest.skip(f"real test data not found at {PHARMCAT}")
    (row,) = [r for r in ROWS if "Phe508del" in r["hgvs"]]
    with pysam.VariantFile(str(PHARMCAT)) as vcf:
        refs = {(rec.chrom, rec.pos): rec.ref for rec in vcf if rec.chrom == "chr7"}
    assert refs[("chr7", 117559594)] == "T" == _known_reference_bases(row)[117559594]


# ---------------------------------------------------------------- SPDI against VCF alleles, worked by hand


@pytest.mark.parametrize(
    ("vcf", "spdi", "agrees"),
    [
        (("chr1", 169549811, "C", "T"), "NC_000001.11:169549810:C:T", True),
        (("chr1", 169549811, "C", "T"), "NC_000001.11:169549811:C:T", False),  # off by one
        (("chr1", 169549811, "C", "T"), "NC_000001.11:169549810:C:G", False),  # other ALT
        (("chr1", 169549811, "C", "T"), "NC_000002.12:169549810:C:T", False),  # other chromosome
        (("chr1", 169549811, "C", "T"), "NC_000001.10:169549810:C:T", False),  # GRCh37 accession
        # F508del: left-aligned VCF deletion of TCT after A vs the fully justified SPDI over the TCTT repeat.
        (("chr7", 117559590, "ATCT", "A"), "NC_000007.14:117559590:TCTT:T", True),
        (("chr7", 117559591, "TCTT", "T"), "NC_000007.14:117559590:TCTT:T", True),
        (("chr7", 117559590, "ATC", "A"), "NC_000007.14:117559590:TCTT:T", False),  # 2 bp deleted, not 3
        # a 1-bp deletion in a CC run: VCF anchor on the first C.
        (("chr7", 117627580, "CC", "C"), "NC_000007.14:117627579:CC:C", True),
        # an insertion of A in an AA run: VCF A>AA vs SPDI AA:AAA.
        (("chr2", 11, "A", "AA"), "NC_000002.12:9:AA:AAA", True),
        (("chr2", 11, "A", "AT"), "NC_000002.12:9:AA:AAA", False),
        (("chr2", 40, "A", "AA"), "NC_000002.12:9:AA:AAA", False),  # spans do not touch
    ],
)
def test_spdi_against_vcf_alleles(vcf, spdi, agrees):
    assert (spdi_problem(*vcf, spdi) is None) is agrees


# ---------------------------------------------------------------- refused rows


GOOD = (
    "F5\trisk_factor\t-\tchr1\t169549811\tC\tT\trs6025\t642\tc.1601G>A\tFVL\tdrug response\texpert\tAD\thttps://x.org/642\t"
    + ("NC_000001.11:169549810:C:T")
)
OTHER = "HBB\tcarrier\t-\tchr11\t5227002\tT\tA\trs334\tNA\tc.20A>T\tSCD\tPathogenic\tnone\tAR\thttps://x.org/s\t" + (
    "NC_000011.10:5227001:T:A"
)


def write_panel(tmp_path, *lines):
    path = tmp_path / "panel.tsv"
    path.write_text("\t".join(PANEL_COLUMNS) + "\n" + "".join(line + "\n" for line in lines))
    return path


def with_cell(line, column, value):
    cells = line.split("\t")
    cells[PANEL_COLUMNS.index(column)] = value
    return "\t".join(cells)


def test_hand_written_good_rows_load(tmp_path):
    variants = load_panel(write_panel(tmp_path, GOOD, OTHER))
    assert [(v.gene, v.chrom, v.pos, v.ref, v.alt, v.line) for v in variants] == [
        ("F5", "chr1", 169549811, "C", "T", 2),
        ("HBB", "chr11", 5227002, "T", "A", 3),
    ]


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        (GOOD + "\textra", r"panel\.tsv:3: 17 tab-separated columns, expected 16"),
        (GOOD.rsplit("\t", 1)[0], r"panel\.tsv:3: 15 tab-separated columns, expected 16"),
        (with_cell(GOOD, "pos", "169,549,811"), r"panel\.tsv:3:5 \(pos\): '169,549,811' is not a positive integer"),
        (with_cell(GOOD, "pos", "0"), r"panel\.tsv:3:5 \(pos\): '0' is not a positive integer"),
        (with_cell(GOOD, "ref", "N"), r"panel\.tsv:3:6 \(ref\): 'N' is not a sequence of A, C, G, T"),
        (with_cell(GOOD, "alt", "t"), r"panel\.tsv:3:7 \(alt\): 't' is not a sequence of A, C, G, T"),
        (with_cell(GOOD, "alt", "<DEL>"), r"panel\.tsv:3:7 \(alt\): '<DEL>' is not a sequence"),
        (with_cell(GOOD, "chrom", "1"), r"panel\.tsv:3:4 \(chrom\): '1' is not one of chr1\.\.chr22"),
        (with_cell(GOOD, "chrom", "chr23"), r"panel\.tsv:3:4 \(chrom\): 'chr23' is not one of"),
        (with_cell(GOOD, "rsid", "6025"), r"panel\.tsv:3:8 \(rsid\): '6025' is not rsNNN or '\.'"),
        (with_cell(GOOD, "clinvar_variation_id", "VCV642"), r"panel\.tsv:3:9 \(clinvar_variation_id\)"),
        (with_cell(GOOD, "source_url", "clinvar 642"), r"panel\.tsv:3:15 \(source_url\): 'clinvar 642' is not"),
        (with_cell(GOOD, "condition", ""), r"panel\.tsv:3:11 \(condition\): is empty"),
        (with_cell(GOOD, "alt", "C"), r"panel\.tsv:3:7 \(alt\): ALT C equals REF"),
        (
            with_cell(GOOD, "spdi", "NC_000001.11:169549811:C:T"),
            r"panel\.tsv:3:16 \(spdi\): NC_000001\.11:169549811:C:T disagrees with the row",
        ),
        (
            with_cell(GOOD, "spdi", "NC_000011.10:169549810:C:T"),
            r"panel\.tsv:3:16 \(spdi\): .*NC_000011\.10 is chr11, the row is on chr1",
        ),
        (with_cell(GOOD, "spdi", "chr1:169549810:C:T"), r"panel\.tsv:3:16 \(spdi\): .*not a canonical SPDI"),
        (with_cell(OTHER, "pos", "169549811"), r"panel\.tsv:3:16 \(spdi\)"),  # position moved, SPDI not
    ],
)
def test_bad_rows_are_refused_naming_file_line_and_column(tmp_path, bad_line, message):
    with pytest.raises(InputError, match=message):
        load_panel(write_panel(tmp_path, OTHER, bad_line))


def test_a_duplicate_variant_is_refused_naming_both_lines(tmp_path):
    duplicate = with_cell(with_cell(GOOD, "gene", "F5b"), "rsid", ".")
    with pytest.raises(InputError, match=r"panel\.tsv:4:5 \(pos\): chr1:169549811 C>T repeats line 2"):
        load_panel(write_panel(tmp_path, GOOD, OTHER, duplicate))


def test_a_wrong_header_or_empty_panel_is_refused(tmp_path):
    path = tmp_path / "panel.tsv"
    path.write_text("gene\tchrom\tpos\n" + GOOD + "\n")
    with pytest.raises(
        InputError, match=r"panel\.tsv:1: the header must be the tab-separated columns gene kind strand chrom"
    ):
        load_panel(path)
    with pytest.raises(InputError, match=r"panel\.tsv: the panel has no variants"):
        load_panel(write_panel(tmp_path))
