"""The ClinVar stage on a GRCh37 batch: the GIAB/CEPH trio's BAMs beside three samples that arrive as VCFs carrying
real 2016 ClinVar pathogenic records (issue 16).

Data: ../shared/testdata/giab_ceph_trio_hg002_chr20_grch37 (PROVENANCE.md: reads on 20:10.00-10.01 Mb only) and
../shared/testdata/clinvar_grch37_2016_22genes (PROVENANCE.md: the MacArthur lab's parse of the ClinVar release of
2016-09-10, rewritten in NCBI's layout by tests/clinvar/clinvar_fixture.py).

The reference is made here: hs37d5's contigs 1, 13, 17 and 20 under hs37d5's names and with hs37d5's lengths (read
from the trio BAMs' @SQ lines, so the BAMs fit it), in hs37d5's order. ONLY CONTIG 20 IS REAL SEQUENCE (the trio set's
hs37d5.chr20.fa.gz as it is: real at 20:9,999,841-10,099,980, N elsewhere). Contigs 1, 13 and 17 are N except the REF
bases of the ClinVar records this test chose (known alleles at known positions, as the demo plants them); none of the
22 ClinVar genes is on 20. APC's contig 5 is left out of the reference. `regions`: the trio's reads' window on 20 and
11 bases around each planted record but BRCA2 38007.

The ClinVar VCF: every record of BRCA1, BRCA2, MUTYH and APC in the fixture (2,904), min_review_stars 1. Counted by
hand from the fixture's own table (plp_22genes_GRCh37_20160910.tsv.gz, review_status column): records neither
'no_assertion_criteria_provided' (0 stars) nor 'conflicting_interpretations' (excluded) are kept: BRCA1 616 of 1,204,
BRCA2 811 of 1,377, MUTYH 57 of 65, APC 158 of 258 (1,642). Of these only the chosen records' positions are covered:
- a record on N is not covered ("the reference has N there"), a record on contig 5 neither ("contig 5 is not in the
  reference"), and BRCA2 38007 is planted but outside `regions` ("outside the target regions");
- covered: BRCA1 17661, BRCA2 51175, MUTYH 216081, 5294, 5293 (planted and inside `regions`).
Review stars (ClinVar's "Review status" page, the table in scripts/clinvar/clinvar_db.py): expert panel 3, criteria
provided by multiple submitters without conflicts 2, by a single submitter 1.

What "covered" means per sample (scripts/clinvar/clinvar_findings.py): a covered position where the sample has a
usable genotype in results/calls/bcftools/sites.vcf.gz. A VCF row has a genotype only where its own file has a record
(a position the file lacks is ./., never reference; a hom-ref record needs FORMAT/DP >= sites.min_depth): so a
record the VCF lacks is `no_call`, one it states (variant or 0/0 with depth) `covered`. The trio BAMs have no read on
contigs 1, 13 and 17: every covered position is `no_call` for them (depth 0), never "nothing found".

Samples (consent_secondary yes but for clin03): HG001, NA12891, NA12892 (BAMs); clin01 heterozygous for BRCA1 17661
(a dominant gene: at_risk) and 0/0 with depth 30 at BRCA2 51175; clin02 heterozygous for MUTYH 216081 and 5293 (two
variants in a recessive gene, unphased: possibly_affected); clin03 heterozygous for MUTYH 5294 (a carrier) without
consent: {"status": "not_requested"}, and 5294 in none of its delivered files nor in findings.tsv.
One caller (bcftools); the run takes about 25 s on 2 cores (the reference about 4 s).
"""

import csv
import gzip
import html
import json
import re
import time
from collections import Counter

import numpy as np
import pysam
import pytest
from clinvar_fixture import FIXTURE_DIR, RELEASE, ncbi_records, write_gene_list, write_ncbi_vcf

from trio_data import TRIO, TRIO_BAMS
from workflow_runner import delivered_texts, query, snakemake

# A delivered VCF read as CHROM POS REF ALT GT lines.
VCF_FORMAT = "%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n"
GENES = {"BRCA1": "AD", "BRCA2": "AD", "MUTYH": "AR", "APC": "AD"}
# The chosen records as the fixture holds them: (gene, chrom, pos, REF, ALT, Variation ID, CLNSIG, review stars).
BRCA1_17661 = ("BRCA1", "17", 41258504, "A", "C", "17661", "Pathogenic", 3)  # c.181T>G p.Cys61Gly, expert panel
BRCA2_51175 = ("BRCA2", "13", 32907304, "G", "A", "51175", "Pathogenic", 3)  # expert panel; clin01 is 0/0 here
BRCA2_38007 = ("BRCA2", "13", 32914401, "C", "A", "38007", "Pathogenic", 3)  # expert panel; planted outside regions
MUTYH_216081 = ("MUTYH", "1", 45796856, "T", "A", "216081", "Pathogenic", 1)  # single submitter (Invitae)
MUTYH_5294 = ("MUTYH", "1", 45797228, "C", "T", "5294", "Pathogenic", 2)  # c.1187G>A p.Gly396Asp, multiple submitters
MUTYH_5293 = ("MUTYH", "1", 45798475, "T", "C", "5293", "Pathogenic", 2)  # c.536A>G p.Tyr179Cys, multiple submitters
PLANTED = [BRCA1_17661, BRCA2_51175, BRCA2_38007, MUTYH_216081, MUTYH_5294, MUTYH_5293]
IN_REGIONS = [BRCA1_17661, BRCA2_51175, MUTYH_216081, MUTYH_5294, MUTYH_5293]  # BRCA2 38007 is not
CONTIGS = ("1", "13", "17", "20")  # hs37d5's order
TRIO_WINDOW = ("20", 9_999_999, 10_010_000)  # where the trio's reads are (PROVENANCE)
KEPT = {"BRCA1": 616, "BRCA2": 811, "MUTYH": 57, "APC": 158}  # module docstring
RECORDS_READ, CONFLICTING, BELOW_STARS = 2904, 72, 1190

# The samples' own VCFs, as another caller writes them: (record, GT, AD, DP); a hom-ref record has ALT '.'.
SAMPLE_RECORDS = {
    "clin01": [(BRCA1_17661, "0/1", "17,15", 32), (BRCA2_51175, "0/0", "30", 30)],
    "clin02": [(MUTYH_216081, "0/1", "12,14", 26), (MUTYH_5293, "0/1", "19,16", 35)],
    "clin03": [(MUTYH_5294, "0/1", "15,13", 28)],
}
SECONDARY = {"HG001": "yes", "NA12891": "yes", "NA12892": "yes", "clin01": "yes", "clin02": "yes", "clin03": "no"}
BAMS = {s: TRIO_BAMS[s] for s in ("HG001", "NA12891", "NA12892")}
# Each sample's expected findings, by hand: the record, zygosity, the gene's inheritance, the interpretation (a
# dominant gene: at_risk; two different variants in a recessive gene: possibly_affected, unphased).
FINDING_KEYS = ("gene", "chrom", "pos", "ref", "alt", "variation_id", "clnsig", "review_stars", "zygosity",
                "inheritance", "interpretation")  # fmt: skip
EXPECTED_FINDINGS = {
    "clin01": [(*BRCA1_17661, "heterozygous", "AD", "at_risk")],
    "clin02": [
        (*MUTYH_216081, "heterozygous", "AR", "possibly_affected"),
        (*MUTYH_5293, "heterozygous", "AR", "possibly_affected"),
    ],
    "HG001": [],
    "NA12891": [],
    "NA12892": [],
}
# (covered, not_covered, no_call) per gene, by hand (module docstring): totals are KEPT; not_covered is every record
# but the five covered positions (BRCA2 38007 included); the rest of those five is no_call for the sample.
NO_READS = {"BRCA1": (0, 615, 1), "BRCA2": (0, 810, 1), "MUTYH": (0, 54, 3), "APC": (0, 158, 0)}
EXPECTED_GENES = {
    "clin01": {"BRCA1": (1, 615, 0), "BRCA2": (1, 810, 0), "MUTYH": (0, 54, 3), "APC": (0, 158, 0)},
    "clin02": {"BRCA1": (0, 615, 1), "BRCA2": (0, 810, 1), "MUTYH": (2, 54, 1), "APC": (0, 158, 0)},
    "HG001": NO_READS,
    "NA12891": NO_READS,
    "NA12892": NO_READS,
}
N_REASON, CONTIG5_REASON = "the reference has N there", "contig 5 is not in the reference"
TARGET_REASON = "outside the target regions (config key regions)"


@pytest.fixture(scope="module")
def trio_data():
    from conftest import TESTDATA

    data = TESTDATA / TRIO
    for folder in (data, FIXTURE_DIR):
        if not folder.is_dir():
            pytest.skip(f"real test data {folder} is absent")
    return data


def write_fasta_contig(fh, name, seq):
    """One contig, 60 bases a line (as hs37d5), `seq` a uint8 array."""
    fh.write(f">{name}\n".encode())
    full = len(seq) // 60
    lines = np.empty((full, 61), dtype=np.uint8)
    lines[:, :60] = seq[: full * 60].reshape(full, 60)
    lines[:, 60] = ord("\n")
    fh.write(lines.tobytes())
    if len(seq) % 60:
        fh.write(seq[full * 60 :].tobytes() + b"\n")


@pytest.fixture(scope="module")
def grch37_reference(tmp_path_factory, trio_data):
    """hs37d5's 1, 13, 17 (N but the planted REF bases) and 20 (real), hs37d5's lengths from a trio BAM's @SQ."""
    with pysam.AlignmentFile(str(trio_data / BAMS["HG001"])) as bam:
        lengths = dict(zip(bam.references, bam.lengths))
    path = tmp_path_factory.mktemp("grch37_reference") / "hs37d5_chr1_13_17_20.fa"
    with pysam.FastaFile(str(trio_data / "reference/hs37d5.chr20.fa.gz")) as chr20, open(path, "wb") as fh:
        for contig in CONTIGS:
            if contig == "20":
                seq = np.frombuffer(chr20.fetch("20").encode(), dtype=np.uint8)
            else:
                seq = np.full(lengths[contig], ord("N"), dtype=np.uint8)
                for _, chrom, pos, ref, *_ in PLANTED:
                    if chrom == contig:
                        seq[pos - 1 : pos - 1 + len(ref)] = np.frombuffer(ref.encode(), dtype=np.uint8)
            assert len(seq) == lengths[contig]
            write_fasta_contig(fh, contig, seq)
    pysam.faidx(str(path))
    return path


def write_sample_vcf(path, sample, records):
    """A single-sample VCF as another caller hands it over: no ##contig lines, bare contig names, QUAL and FORMAT."""
    lines = [
        "##fileformat=VCFv4.2",
        "##source=another caller (written by the test)",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
        f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}",
    ]
    for (_, chrom, pos, ref, alt, *_), gt, ad, dp in records:
        alt = "." if gt == "0/0" else alt
        lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t{dp * 8}\tPASS\t.\tGT:AD:DP:GQ\t{gt}:{ad}:{dp}:99")
    path.write_text("\n".join(lines) + "\n")


def write_batch(batch, data, reference, clinvar_records, samples):
    """Config, sheet, regions, gene list, ClinVar VCF and the VCF rows' files of a batch in folder `batch`."""
    windows = [(chrom, pos - 6, pos + 5) for _, chrom, pos, *_ in IN_REGIONS]
    bed = sorted([*windows, TRIO_WINDOW], key=lambda w: (CONTIGS.index(w[0]), w[1]))
    (batch / "regions.bed").write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in bed))
    write_ncbi_vcf(batch / "clinvar_20160910_4genes.vcf", clinvar_records)
    write_gene_list(batch / "clinvar_genes.tsv", GENES)
    rows = ["sample_id\talignment\tvcf\tconsent_secondary"]
    for sample in samples:
        if sample in BAMS:
            rows.append(f"{sample}\t{data / BAMS[sample]}\t\t{SECONDARY[sample]}")
        else:
            write_sample_vcf(batch / f"{sample}.vcf", sample, SAMPLE_RECORDS[sample])
            rows.append(f"{sample}\t\t{sample}.vcf\t{SECONDARY[sample]}")
    (batch / "samples.tsv").write_text("\n".join(rows) + "\n")
    (batch / "config.yaml").write_text(
        f"samples: samples.tsv\nreference: {reference}\nbuild: GRCh37\nregions: regions.bed\n"
        "callers: [bcftools]\ncalling: {chunks: 2}\nstructure: {panel: none}\n"
        "clinvar: {vcf: clinvar_20160910_4genes.vcf, genes: clinvar_genes.tsv, min_review_stars: 1}\n"
    )
    return batch / "config.yaml"


@pytest.fixture(scope="module")
def clinvar_run(tmp_path_factory, trio_data, grch37_reference):
    batch = tmp_path_factory.mktemp("clinvar37")
    configfile = write_batch(batch, trio_data, grch37_reference, ncbi_records(set(GENES)), SECONDARY)
    started = time.monotonic()
    snakemake(batch, "--cores", "2", configfile=configfile)
    print(f"clinvar GRCh37 batch: snakemake took {time.monotonic() - started:.0f} s")
    return batch


@pytest.fixture(scope="module")
def reports(clinvar_run):
    return {s: json.loads((clinvar_run / f"results/report/{s}.json").read_text()) for s in SECONDARY}


def test_the_chosen_records_are_the_fixtures_and_the_kept_counts_are_its_tables(trio_data):
    by_id = {r[2]: r for r in ncbi_records(set(GENES))}
    stars = {"reviewed_by_expert_panel": 3, "criteria_provided,_multiple_submitters,_no_conflicts": 2,
             "criteria_provided,_single_submitter": 1}  # fmt: skip
    for gene, chrom, pos, ref, alt, vid, clnsig, n_stars in PLANTED:
        record = by_id[vid]
        info = dict(item.split("=", 1) for item in record[5].split(";"))
        assert record[:5] == (chrom, pos, vid, ref, alt)
        assert (info["GENEINFO"], info["CLNSIG"], stars[info["CLNREVSTAT"]]) == (gene, clnsig, n_stars)
    # the kept counts from the fixture's table (not the VCF the fixture rewrites): neither 0 stars nor conflicting
    with gzip.open(FIXTURE_DIR / "plp_22genes_GRCh37_20160910.tsv.gz", "rt") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["gene"] in GENES]
    kept = Counter(r["gene"] for r in rows if r["review_status"] != "no_assertion_criteria_provided"
                   and "conflicting" not in r["review_status"])  # fmt: skip
    assert (dict(kept), len(rows)) == (KEPT, RECORDS_READ)
    # no other record shares a chosen position (each planted base covers one record only)
    positions = Counter((r[0], r[1]) for r in ncbi_records(set(GENES)))
    assert all(positions[(chrom, pos)] == 1 for _, chrom, pos, *_ in PLANTED)


def test_findings_per_sample(reports):
    for sample, expected in EXPECTED_FINDINGS.items():
        block = reports[sample]["clinvar"]
        assert reports[sample]["sections"]["clinvar"]["status"] == "reported", sample
        assert (block["release"], block["min_review_stars"]) == (RELEASE, 1) == ("2016-09-10", 1)
        assert [tuple(f[k] for k in FINDING_KEYS) for f in block["findings"]] == expected, sample
        for finding in block["findings"]:
            assert (
                finding["clinvar_url"] == f"https://www.ncbi.nlm.nih.gov/clinvar/variation/{finding['variation_id']}/"
            )


def test_gene_coverage_per_sample(reports):
    for sample, expected in EXPECTED_GENES.items():
        genes = reports[sample]["clinvar"]["genes"]
        got = {g: (c["covered"], c["not_covered"], c["no_call"]) for g, c in genes.items()}
        assert got == expected, sample
        assert {g: c["inheritance"] for g, c in genes.items()} == GENES
        assert {g: sum(counts) for g, counts in got.items()} == KEPT


def test_the_sample_without_consent_gets_not_requested_and_nothing_else(reports):
    assert reports["clin03"]["clinvar"] == {"status": "not_requested"}
    assert reports["clin03"]["sections"]["clinvar"]["status"] == "not_requested"


def test_the_coverage_table_says_why_each_position_is_not_covered(clinvar_run):
    with open(clinvar_run / "resources/panels/clinvar_coverage.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    covered = {r["id"] for r in rows if r["status"] == "covered"}
    assert covered == {r[5] for r in IN_REGIONS}
    reasons = Counter((r["gene"], r["reason"]) for r in rows if r["status"] == "not_covered")
    assert reasons == {("BRCA1", N_REASON): 615, ("BRCA2", N_REASON): 809, ("BRCA2", TARGET_REASON): 1,
                       ("MUTYH", N_REASON): 54, ("APC", CONTIG5_REASON): 158}  # fmt: skip
    assert next(r["id"] for r in rows if r["reason"] == TARGET_REASON) == "38007"
    plp = json.loads((clinvar_run / "resources/clinvar/plp.json").read_text())
    assert plp["counts"] == {
        "records_read": RECORDS_READ, "in_genes": RECORDS_READ, "plp_kept": sum(KEPT.values()),
        "conflicting_excluded": CONFLICTING, "below_review_stars": BELOW_STARS, "not_plp": 0,
    }  # fmt: skip


def test_findings_tsv_holds_the_consenting_samples_findings_only(clinvar_run):
    with open(clinvar_run / "results/clinvar/findings.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    got = [(r["sample_id"], r["gene"], r["chrom"], int(r["pos"]), r["variation_id"], r["zygosity"],
            r["interpretation"]) for r in rows]  # fmt: skip
    assert got == [
        ("clin01", "BRCA1", "17", 41258504, "17661", "heterozygous", "at_risk"),
        ("clin02", "MUTYH", "1", 45796856, "216081", "heterozygous", "possibly_affected"),
        ("clin02", "MUTYH", "1", 45798475, "5293", "heterozygous", "possibly_affected"),
    ]


def test_the_refused_finding_is_in_no_delivered_file(clinvar_run):
    # clin03 carries MUTYH 5294 (its own VCF; the cohort calls have it) ...
    assert query(clinvar_run / "results/calls/bcftools/cohort.vcf.gz", "[%GT]\n", "-s", "clin03", "-r",
                 "1:45797228") == ["0/1"]  # fmt: skip
    # ... and no file it receives names it
    traces = ["5294", "45797228", "45,797,228", "MUTYH", "clinvar/variation", "clinvar_20160910_4genes.vcf"]
    texts = delivered_texts(clinvar_run, "clin03", VCF_FORMAT)
    assert len(texts) == 6  # report JSON and HTML (delivered and in results/report), the PDF's text, the VCF
    for name, text in texts.items():
        for trace in traces:
            assert not re.search(rf"(?<![\w.]){re.escape(trace)}(?![\w])", text), (name, trace)
    # clin02, who consented, receives its MUTYH records in its VCF and its report
    texts = delivered_texts(clinvar_run, "clin02", VCF_FORMAT)
    vcf = next(text for name, text in texts.items() if name.endswith(".vcf.gz"))
    assert vcf.splitlines() == ["1\t45796856\tT\tA\t0/1", "1\t45798475\tT\tC\t0/1"]
    assert "clinvar/variation/5293/" in texts["report.html"] and "216081" in texts["report.pdf"]


def clinvar_section(batch, sample):
    """The report page's ClinVar section (its HTML)."""
    page = (batch / f"results/report/{sample}.html").read_text(encoding="utf-8")
    return re.search(r'<section id="clinvar">.*?</section>', page, flags=re.DOTALL)[0]


def test_the_report_page_links_the_record_and_prints_the_release(clinvar_run):
    page = (clinvar_run / "results/report/clin01.html").read_text(encoding="utf-8")
    assert '<a href="https://www.ncbi.nlm.nih.gov/clinvar/variation/17661/">' in page
    assert "NCBI ClinVar release 2016-09-10" in page  # the methods
    section = clinvar_section(clinvar_run, "clin01")
    assert "At risk for a dominant condition" in section and "release 2016-09-10" in section
    # BRCA2: one typed position (the 0/0) and 810 untyped; MUTYH and APC none typed: never plain "nothing found"
    assert "nothing found at the 1 position(s) with a genotype; 810 not known" in section
    assert section.count("not known: no position had a genotype") == 2


def test_a_sample_without_a_typed_position_is_never_told_nothing_was_found(clinvar_run):
    # the trio has no read on contigs 1, 13, 17: every gene "not known", and no sentence says nothing was found
    page = (clinvar_run / "results/report/HG001.html").read_text(encoding="utf-8")
    section = clinvar_section(clinvar_run, "HG001")
    assert section.count("not known: no position had a genotype") == 4
    assert "Not known: no pathogenic or likely pathogenic position of these genes had a genotype" in section
    summary = re.search(r"Hereditary disease findings \(ClinVar\): </strong>(.*?)</li>", page)  # the first: summary
    assert summary and "Not known: no pathogenic or likely pathogenic position" in summary[1]
    for text in (section, summary[1]):
        assert not re.search(r"nothing found(?! at)|variant (was )?found", text)


# The shipped panels without GRCh37 positions (issue 19): every PharmCAT definition file says genomeBuild GRCh38.p14
# and every carrier row's SPDI is on a GRCh38 RefSeq accession (NCBI's GRCh38 assembly report: NC_000001.11,
# NC_000007.14, NC_000011.10, NC_000012.12, NC_000013.11, NC_000015.10, NC_000019.10; GRCh37's are .10, .13, .9, .11,
# .10, .9, .9).
GRCH38_ACCESSIONS = {"chr1": "NC_000001.11", "chr7": "NC_000007.14", "chr11": "NC_000011.10", "chr12": "NC_000012.12",
                     "chr13": "NC_000013.11", "chr15": "NC_000015.10", "chr19": "NC_000019.10"}  # fmt: skip
NO_GRCH37 = "needs a GRCh38 reference: its panel has GRCh38 positions only, none for this batch's build GRCh37"


def test_the_shipped_pgx_and_carrier_panels_have_no_grch37_positions():
    from conftest import REPO

    for path in sorted((REPO / "config/panels/pgx/alleles").glob("*_translation.json.gz")):
        assert json.loads(gzip.decompress(path.read_bytes()))["genomeBuild"].startswith("GRCh38."), path.name
    with open(REPO / "config/panels/carrier/carrier_panel.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert {(r["chrom"], r["spdi"].split(":")[0]) for r in rows} == set(GRCH38_ACCESSIONS.items())


def test_the_report_says_the_grch38_only_panels_did_not_run(clinvar_run, reports):
    """On this GRCh37 batch (pgx.enabled and carrier.enabled `auto`) the PGx and carrier stages do not run, and every
    report and the run summary say why: their panels have no GRCh37 positions."""
    reasons = {"pgx": f"pharmacogenomics {NO_GRCH37}", "carrier": f"carrier screening {NO_GRCH37}"}
    sections = {"pgx": "pgx", "pgx_guidance": "pgx", "carrier": "carrier", "risk_factors": "carrier", "apoe": "carrier"}
    for sample, report in reports.items():
        for section, stage in sections.items():
            assert report["sections"][section] == {"status": "not_run", "reason": reasons[stage]}, (sample, section)
        page = html.unescape((clinvar_run / f"results/report/{sample}.html").read_text(encoding="utf-8"))
        assert f"Not run: {reasons['pgx']}" in page and f"Not run: {reasons['carrier']}" in page
    refused = json.loads((clinvar_run / "results/run_summary.json").read_text())["refused"]["stages"]
    assert {section: refused[section] for section in sections} == {s: reasons[stage] for s, stage in sections.items()}
    assert not (clinvar_run / "resources/panels/pgx_sites.vcf").exists()
    assert not (clinvar_run / "results/carrier").exists()


def test_a_clinvar_vcf_whose_ref_disagrees_with_the_reference_is_refused(tmp_path, trio_data, grch37_reference):
    """BRCA1 17661's REF written G where the reference (planted from the record) has A, as a record of another build
    would: the run stops at rule clinvar_sites, naming the file, the record and both bases, and writes no ClinVar
    result. (Jobs that do not need the ClinVar sites, such as the VCF import and the cohort calls, may run beside it
    and finish: they are whole, correct outputs that a rerun with the right ClinVar file reuses.)"""
    records = [r if r[2] != "17661" else (*r[:3], "G", *r[4:]) for r in ncbi_records(set(GENES))]
    configfile = write_batch(tmp_path, trio_data, grch37_reference, records, ["clin01"])
    proc = snakemake(tmp_path, "--cores", "2", configfile=configfile, check=False)
    assert proc.returncode != 0
    errors = re.findall(r"^ERROR (.*)$", proc.stderr, flags=re.MULTILINE)
    assert errors == [
        f"clinvar_20160910_4genes.vcf: record 17:41258504 ID 17661 (BRCA1) has REF G, the reference "
        f"{grch37_reference.name} has A there: the ClinVar VCF is not of this reference's build (use NCBI's file for "
        "the build in `build`)"
    ]
    assert "Error in rule clinvar_sites" in proc.stderr
    assert (
        not (tmp_path / "results/clinvar").exists() and not (tmp_path / "resources/panels/clinvar_sites.vcf").exists()
    )
    assert not list((tmp_path / "results").glob("report/*.json"))  # nothing that reads the sites ran
