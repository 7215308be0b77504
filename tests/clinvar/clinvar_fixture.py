"""Test helper: the real 2016 ClinVar records of ../shared/testdata/clinvar_grch37_2016_22genes (the MacArthur lab's
parsed layout, see its PROVENANCE.md) rewritten in NCBI's ClinVar VCF layout, the layout genorisk reads.

Fields mapped (MacArthur INFO -> NCBI):
- MEASURESET_ID -> ID (ClinVar's old name for the Variation ID)
- SYMBOL -> GENEINFO (symbol only: the parse has no NCBI Gene ID)
- REVIEW_STATUS -> CLNREVSTAT ('..' stands for ', ': criteria_provided..single_submitter ->
  criteria_provided,_single_submitter)
- CLINICAL_SIGNIFICANCE -> CLNSIG: Conflicting_interpretations_of_pathogenicity where REVIEW_STATUS says conflicting;
  else Pathogenic/Likely_pathogenic when the submitters' terms hold both, Pathogenic or Likely_pathogenic otherwise
- ALL_TRAITS -> CLNDN ('|'-separated names kept)
- CHROM:POS REF>ALT -> CLNHGVS as 'CHROM:g.POSREF>ALT' (the parse has no RefSeq accession)
- the release date 2016-09-10 (PROVENANCE.md) -> ##fileDate=2016-09-10
Contigs stay bare ('1'), as in both layouts.
"""

import gzip

from conftest import TESTDATA

FIXTURE_DIR = TESTDATA / "clinvar_grch37_2016_22genes"
MACARTHUR_VCF = FIXTURE_DIR / "clinvar_macarthur_20160910_GRCh37_PLP_22genes.vcf.gz"
RELEASE = "2016-09-10"
HEADER = [
    "##fileformat=VCFv4.1",
    f"##fileDate={RELEASE}",
    "##source=ClinVar 2016-09-10 (macarthur-lab/clinvar 6eebbea), rewritten by tests/clinvar/clinvar_fixture.py",
    "##reference=GRCh37",
    '##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Aggregate germline classification">',
    '##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description="ClinVar review status">',
    '##INFO=<ID=GENEINFO,Number=1,Type=String,Description="Gene symbol">',
    '##INFO=<ID=CLNDN,Number=.,Type=String,Description="Disease names">',
    '##INFO=<ID=CLNHGVS,Number=.,Type=String,Description="HGVS">',
]


def _info(text):
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in text.split(";"))


def ncbi_clnsig(info):
    if "conflicting" in info["REVIEW_STATUS"]:
        return "Conflicting_interpretations_of_pathogenicity"
    terms = set(info["CLINICAL_SIGNIFICANCE"].split("|"))
    if {"Pathogenic", "Likely_pathogenic"} <= terms:
        return "Pathogenic/Likely_pathogenic"
    return "Pathogenic" if "Pathogenic" in terms else "Likely_pathogenic"


def ncbi_records(genes=None):
    """[(chrom, pos, id, ref, alt, info text)] of the fixture in NCBI layout (file order); `genes` restricts."""
    records = []
    with gzip.open(MACARTHUR_VCF, "rt") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            chrom, pos, _, ref, alt, _, _, info_text = line.rstrip("\n").split("\t")[:8]
            info = _info(info_text)
            if genes is not None and info["SYMBOL"] not in genes:
                continue
            ncbi = (f"CLNSIG={ncbi_clnsig(info)};CLNREVSTAT={info['REVIEW_STATUS'].replace('..', ',_')};"
                    f"GENEINFO={info['SYMBOL']};CLNDN={info.get('ALL_TRAITS', '.')};"
                    f"CLNHGVS={chrom}:g.{pos}{ref}>{alt}")  # fmt: skip
            records.append((chrom, int(pos), info["MEASURESET_ID"], ref, alt, ncbi))
    return records


def write_ncbi_vcf(path, records, release=RELEASE):
    lines = [*(h if not h.startswith("##fileDate") else f"##fileDate={release}" for h in HEADER)]
    lines += [f"##contig=<ID={c}>" for c in dict.fromkeys(r[0] for r in records)]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    lines += [f"{c}\t{p}\t{i}\t{r}\t{a}\t.\t.\t{info}" for c, p, i, r, a, info in records]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_gene_list(path, inheritance):
    """A gene list TSV ({gene: inheritance}); condition/group/source are test placeholders."""
    rows = ["gene\tinheritance\tcondition\tgroup\tsource"]
    rows += [f"{g}\t{mode}\ttest condition\ttest\ttest" for g, mode in inheritance.items()]
    path.write_text("\n".join(rows) + "\n")
    return path
