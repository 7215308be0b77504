"""NCBI's ClinVar VCF and a gene list: the pathogenic / likely pathogenic (P/LP) records to screen every sample for.

ClinVar VCF (the file NCBI publishes per build, clinvar.vcf.gz; https://www.ncbi.nlm.nih.gov/variation/docs/ClinVar_vcf_files/):
contigs without 'chr' ('1'..'22', 'X', 'Y', 'MT'), ID = ClinVar Variation ID, header `##fileDate=YYYY-MM-DD` (the
release), INFO fields read here: CLNSIG (aggregate classification; '|' separates further terms such as
'|risk_factor'), CLNREVSTAT (aggregate review status, words joined by ',_'), GENEINFO ('BRCA1:672|NBR2:10230'),
CLNDN (condition names, '|'-separated), CLNHGVS (genomic HGVS), ALLELEID, CLNVC (variant type).

Selection (`select_records`), per record whose GENEINFO names a gene of the list:
- CLNSIG starting with 'Conflicting' -> excluded, counted as conflicting (never a finding);
- CLNSIG whose first term is Pathogenic, Likely_pathogenic or Pathogenic/Likely_pathogenic (REVIEW words: P/LP)
  -> kept when its review stars (REVIEW_STARS, ClinVar's own table: https://www.ncbi.nlm.nih.gov/clinvar/docs/
  review_status/) reach `min_review_stars`, else counted as below the threshold;
- anything else (benign, uncertain, risk factor, ...) -> counted as not P/LP.
An unknown CLNREVSTAT is an error naming the record: a new ClinVar wording must be mapped, not guessed.

Build check (`check_build`): each kept record's REF is compared with the reference FASTA where the reference has the
contig and no N there; one disagreement stops the run naming the file, the record and both bases (a ClinVar VCF of
another build gives many; the first is enough).
"""

import dataclasses
import gzip
from collections import Counter
from pathlib import Path

from common.contig_names import contig_key, reference_contig
from common.input_error import InputError

# ClinVar's review status -> stars (ClinVar "Review status in ClinVar" page; conflicting classifications have one
# star, as on ClinVar's pages, but are excluded before stars are looked at).
REVIEW_STARS = {
    "practice_guideline": 4,
    "reviewed_by_expert_panel": 3,
    "criteria_provided,_multiple_submitters,_no_conflicts": 2,
    "criteria_provided,_multiple_submitters": 2,
    "criteria_provided,_single_submitter": 1,
    "criteria_provided,_conflicting_classifications": 1,
    "criteria_provided,_conflicting_interpretations": 1,
    "no_assertion_criteria_provided": 0,
    "no_classification_provided": 0,
    "no_assertion_provided": 0,
    "no_classification_for_the_single_variant": 0,
    "no_interpretation_for_the_single_variant": 0,
}
PLP_TERMS = ("Pathogenic", "Likely_pathogenic", "Pathogenic/Likely_pathogenic")
GENE_COLUMNS = ["gene", "inheritance", "condition", "group", "source"]
RECESSIVE = ("AR", "XLR")
INHERITANCES = ("AD", "AR", "XLD", "XLR", "XL")
VARIATION_URL = "https://www.ncbi.nlm.nih.gov/clinvar/variation/{}/"
COUNT_KEYS = ("records_read", "in_genes", "plp_kept", "conflicting_excluded", "below_review_stars", "not_plp")


@dataclasses.dataclass(frozen=True)
class ClinvarRecord:
    """One kept P/LP record: chrom as ClinVar writes it ('17'), 1-based pos, VCF alleles, annotation."""

    gene: str
    chrom: str
    pos: int
    ref: str
    alt: str
    variation_id: str
    clnsig: str
    review_status: str
    review_stars: int
    hgvs: str
    condition: str

    @property
    def key(self):
        return (contig_key(self.chrom), self.pos, self.ref, self.alt)

    def as_dict(self):
        return dataclasses.asdict(self)


# ---------------------------------------------------------------- the gene list


def load_genes(path):
    """{gene: {"inheritance", "condition", "group", "source"}} of the gene list TSV (GENE_COLUMNS), file order."""
    name = Path(path).name
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].split("\t") != GENE_COLUMNS:
        raise InputError(f"{name}:1: the header must be the tab-separated columns {' '.join(GENE_COLUMNS)}")
    genes = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(GENE_COLUMNS):
            raise InputError(f"{name}:{number}: {len(cells)} columns, expected {len(GENE_COLUMNS)}")
        row = dict(zip(GENE_COLUMNS, cells))
        if row["inheritance"] not in INHERITANCES:
            raise InputError(f"{name}:{number}: inheritance {row['inheritance']!r} is not one of "
                             f"{', '.join(INHERITANCES)}")  # fmt: skip
        if row["gene"] in genes:
            raise InputError(f"{name}:{number}: gene {row['gene']} repeats an earlier line")
        genes[row["gene"]] = {k: row[k] for k in GENE_COLUMNS[1:]}
    if not genes:
        raise InputError(f"{name}: the gene list is empty")
    return genes


# ---------------------------------------------------------------- reading the VCF


def _open(path):
    return gzip.open(path, "rt", encoding="utf-8") if str(path).endswith(".gz") else open(path, encoding="utf-8")


def _info(text):
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in text.split(";"))


def review_stars(status, where):
    if status not in REVIEW_STARS:
        raise InputError(f"{where}: CLNREVSTAT {status!r} is not a ClinVar review status genorisk knows "
                         f"({', '.join(REVIEW_STARS)})")  # fmt: skip
    return REVIEW_STARS[status]


def classify(clnsig):
    """'conflicting', 'plp' or 'other' for a CLNSIG value."""
    first = clnsig.split("|")[0]
    if first.startswith("Conflicting"):
        return "conflicting"
    return "plp" if first in PLP_TERMS else "other"


def record_genes(geneinfo):
    """Gene symbols of a GENEINFO value ('BRCA1:672|NBR2:10230' -> ['BRCA1', 'NBR2'])."""
    return [part.split(":")[0] for part in geneinfo.split("|") if part]


def select_records(vcf_path, genes, min_review_stars=1):
    """(release date or None, [ClinvarRecord] in file order, {COUNT_KEYS: n}) of the ClinVar VCF for `genes`."""
    name = Path(vcf_path).name
    release, records, counts = None, [], Counter({key: 0 for key in COUNT_KEYS})
    wanted = set(genes)
    with _open(vcf_path) as fh:
        for number, line in enumerate(fh, start=1):
            if line.startswith("##fileDate="):
                release = line.strip().split("=", 1)[1]
                continue
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 8:
                raise InputError(f"{name}:{number}: {len(fields)} columns, a VCF record has at least 8")
            counts["records_read"] += 1
            info = _info(fields[7])
            chosen = [g for g in record_genes(info.get("GENEINFO", "")) if g in wanted]
            if not chosen:
                continue
            counts["in_genes"] += 1
            where = f"{name}:{number} (record {fields[0]}:{fields[1]} ID {fields[2]})"
            if "CLNSIG" not in info or "CLNREVSTAT" not in info:
                raise InputError(f"{where}: no CLNSIG or CLNREVSTAT: is this NCBI's ClinVar VCF?")
            kind = classify(info["CLNSIG"])
            if kind == "conflicting":
                counts["conflicting_excluded"] += 1
                continue
            if kind == "other":
                counts["not_plp"] += 1
                continue
            stars = review_stars(info["CLNREVSTAT"], where)
            if stars < min_review_stars:
                counts["below_review_stars"] += 1
                continue
            for alt in fields[4].split(","):
                if alt in (".", "") or not set(alt) <= set("ACGTN") or not set(fields[3]) <= set("ACGTN"):
                    raise InputError(f"{where}: REF {fields[3]!r} / ALT {alt!r} are not VCF bases")
                records.append(ClinvarRecord(
                    gene=chosen[0], chrom=fields[0], pos=int(fields[1]), ref=fields[3].upper(), alt=alt.upper(),
                    variation_id=fields[2], clnsig=info["CLNSIG"], review_status=info["CLNREVSTAT"],
                    review_stars=stars, hgvs=info.get("CLNHGVS", "."),
                    condition=info.get("CLNDN", ".").replace("_", " "),
                ))  # fmt: skip
            counts["plp_kept"] += 1
    return release, records, dict(counts)


def check_build(records, vcf_path, fasta_path, reference_name=None):
    """InputError at the first kept record whose REF disagrees with the reference (where it has the contig and no N).

    reference_name: the reference as the message names it (the user's file, not the workflow's prepared copy the
    rules read, resources/reference/genome.fa); default the FASTA's own name."""
    import pysam

    reference_name = reference_name or Path(fasta_path).name
    with pysam.FastaFile(str(fasta_path)) as fasta:
        lengths = dict(zip(fasta.references, fasta.lengths))
        for record in records:
            contig = reference_contig(record.chrom, lengths)
            end = record.pos - 1 + len(record.ref)
            if contig is None or end > lengths[contig]:
                continue
            bases = fasta.fetch(contig, record.pos - 1, end).upper()
            if "N" in bases:
                continue
            if bases != record.ref:
                raise InputError(
                    f"{Path(vcf_path).name}: record {record.chrom}:{record.pos} ID {record.variation_id} "
                    f"({record.gene}) has REF {record.ref}, the reference {reference_name} has {bases} there: "
                    "the ClinVar VCF is not of this reference's build (use NCBI's file for the build in `build`)"
                )


def variation_url(variation_id):
    return VARIATION_URL.format(variation_id) if variation_id and variation_id.isdigit() else None
