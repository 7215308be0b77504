"""Rule clinvar_findings: every sample's P/LP ClinVar findings in the gene list, with coverage per gene and consent.

Inputs: results/calls/{caller}/sites.vcf.gz (every sample genotyped at resources/panels/clinvar_sites.vcf, hom-ref
and no-call kept), the cohort calls (every called variant is looked up too, so a P/LP variant called at a position
or in a form the site list missed is still reported), resources/clinvar/plp.json and clinvar_coverage.tsv (rule
clinvar_sites), the gene list.

Per sample and P/LP record (carrier_panel.classify_call's rules: depth below min_depth or a missing genotype is a
no-call, a hom-ref call without DP is a no-call unless min_depth is 0):
- the record's position not covered by the reference/target -> not_covered; no usable genotype -> no_call;
  a genotype -> covered (found or not). Per gene: {"covered", "not_covered", "no_call"} counts of its P/LP records,
  so "nothing found" is never said of a gene that was not covered.
- a genotype carrying the ALT (sites genotype, else the sample's cohort call) -> a finding: zygosity, the gene's
  inheritance and the interpretation: `at_risk` (a dominant gene, one copy or two), `carrier` (one copy of one
  variant in a recessive gene), `possibly_affected` (a recessive gene with two copies of a variant or two variants:
  unphased calls cannot say whether they are on different copies).
Consent (inputs/consent.py, consent_secondary): these are secondary findings. Without it only `ordered_genes` are
looked at; with none ordered the sample's block is {"status": "not_requested"} and its genotypes are never read. Such
a sample's delivered VCF leaves out every P/LP position of the genes it did not consent to (`withheld`).

Outputs: findings.json {"release", "min_review_stars", "counts", "samples": {sample: block}, "withheld": {sample:
[[chrom, pos], ...]}} and findings.tsv (the batch's findings, TSV_COLUMNS), both byte-stable.
"""

import json
from collections import Counter

from carrier.carrier_panel import (
    STATUS_FOUND,
    STATUS_NO_CALL,
    SiteCall,
    allele_keys,
    classify_call,
    lookup_call,
    read_site_calls,
    zygosity,
)
from clinvar.clinvar_db import RECESSIVE, ClinvarRecord, load_genes, variation_url
from common.atomic import write_text
from common.contig_names import contig_key
from common.rule_logging import get_logger, setup_logging
from sites.panel_to_sites import read_not_covered

TSV_COLUMNS = ["sample_id", "gene", "chrom", "pos", "ref", "alt", "variation_id", "clnsig", "review_stars",
               "zygosity", "inheritance", "interpretation", "genotype", "source", "hgvs", "condition"]  # fmt: skip
ZYGOSITY_WORDS = {"heterozygous": "one copy (heterozygous)", "homozygous": "two copies (homozygous)",
                  "hemizygous": "one copy, the only one (hemizygous)"}  # fmt: skip
NOT_REQUESTED = {"status": "not_requested"}


def read_plp(path):
    """(plp.json as a dict, [ClinvarRecord])."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return data, [ClinvarRecord(**r) for r in data["records"]]


def called_alleles(vcf_path, samples, keys):
    """{sample: {key: SiteCall}} of the cohort calls whose (record, ALT) is a P/LP key (`keys`: set of
    (contig key, pos, REF, ALT)); only calls carrying that ALT are kept."""
    import pysam

    found = {s: {} for s in samples}
    with pysam.VariantFile(str(vcf_path)) as vcf:
        wanted = [s for s in samples if s in set(vcf.header.samples)]
        for record in vcf:
            alleles = tuple(a.upper() for a in record.alleles)
            hits = [(i, key) for i, alt in enumerate(alleles[1:], start=1)
                    for key in allele_keys(record.chrom, record.pos, alleles[0], alt) if key in keys]  # fmt: skip
            for index, key in hits:
                for sample in wanted:
                    data = record.samples[sample]
                    gt = tuple(data.get("GT") or (None,))
                    if index in gt:
                        depth = data.get("DP") if "DP" in record.format else None
                        found[sample].setdefault(key, SiteCall(gt, bool(data.phased), depth, alleles, record.pos))
    return found


def interpret(findings, genes):
    """Set each finding's interpretation (module docstring), per gene."""
    per_gene = Counter(f["gene"] for f in findings)
    for finding in findings:
        recessive = genes[finding["gene"]]["inheritance"] in RECESSIVE
        if not recessive:
            finding["interpretation"] = "at_risk"
        elif finding["zygosity"] == "heterozygous" and per_gene[finding["gene"]] == 1:
            finding["interpretation"] = "carrier"
        else:
            finding["interpretation"] = "possibly_affected"
    return findings


def finding(record, genotype, source, genes, depth):
    return {
        "gene": record.gene,
        "chrom": record.chrom,
        "pos": record.pos,
        "ref": record.ref,
        "alt": record.alt,
        "variation_id": record.variation_id,
        "clinvar_url": variation_url(record.variation_id),
        "hgvs": record.hgvs,
        "condition": record.condition,
        "clnsig": record.clnsig,
        "review_status": record.review_status,
        "review_stars": record.review_stars,
        "genotype": genotype,
        "zygosity": zygosity(genotype),
        "zygosity_words": ZYGOSITY_WORDS.get(zygosity(genotype)),
        "inheritance": genes[record.gene]["inheritance"],
        "interpretation": None,
        "depth": depth,
        "source": source,
    }


def sample_block(records, genes, sites_calls, cohort_calls, not_covered, min_depth, release, min_stars):
    """One sample's reported block over `records` (already restricted to the genes it is screened for)."""
    screened = [g for g in genes if any(r.gene == g for r in records)] + [
        g for g in genes if not any(r.gene == g for r in records)
    ]
    counts = {g: {"covered": 0, "not_covered": 0, "no_call": 0} for g in screened}
    findings = []
    for record in records:
        if (record.gene, contig_key(record.chrom), record.pos, record.ref) in not_covered:
            state, call, text = "not_covered", None, None
        else:
            call = lookup_call(record, sites_calls)
            status, text, _ = classify_call(record, call, min_depth)
            state = "no_call" if status == STATUS_NO_CALL else "covered"
            if status == STATUS_FOUND:
                findings.append(finding(record, text, "sites", genes, call.depth))
        if state != "covered" and record.key in cohort_calls:  # called where the site list has nothing usable
            call = cohort_calls[record.key]
            status, text, _ = classify_call(record, call, 0)
            if status == STATUS_FOUND:
                findings.append(finding(record, text, "calls", genes, call.depth))
                state = "covered"
        counts[record.gene][state] += 1
    genes_block = {g: {**counts[g], "inheritance": genes[g]["inheritance"], "condition": genes[g]["condition"]}
                   for g in screened}  # fmt: skip
    return {"status": "reported", "release": release, "min_review_stars": min_stars, "genes": genes_block,
            "findings": interpret(findings, genes)}  # fmt: skip


def batch_findings(sites_vcf, calls_vcf, plp_json, coverage_tsv, genes_path, samples, consent=None,
                   ordered_genes=(), min_depth=8):  # fmt: skip
    """The findings.json dict (module docstring)."""
    log = get_logger()
    data, records = read_plp(plp_json)
    genes = load_genes(genes_path)
    ordered = [g for g in ordered_genes if g in genes]
    not_covered = read_not_covered(coverage_tsv)
    keys = {r.key for r in records}
    consent = consent or {}
    screened = {s: (None if consent.get(s, {}).get("secondary", True) else set(ordered)) for s in samples}
    looked_at = [s for s in samples if screened[s] is None or screened[s]]
    _, sites_calls = read_site_calls(sites_vcf, looked_at) if sites_vcf else ([], {})
    cohort_calls = called_alleles(calls_vcf, looked_at, keys) if calls_vcf else {}
    out = {"release": data["release"], "min_review_stars": data["min_review_stars"], "counts": data["counts"],
           "samples": {}, "withheld": {}}  # fmt: skip
    for sample in samples:
        wanted = screened[sample]
        if wanted is not None:
            out["withheld"][sample] = sorted({(contig_key(r.chrom), r.pos) for r in records if r.gene not in wanted})
        if wanted is not None and not wanted:
            out["samples"][sample] = dict(NOT_REQUESTED)
            continue
        sample_records = [r for r in records if wanted is None or r.gene in wanted]
        sample_genes = {g: v for g, v in genes.items() if wanted is None or g in wanted}
        out["samples"][sample] = sample_block(sample_records, sample_genes, sites_calls.get(sample, {}),
                                              cohort_calls.get(sample, {}), not_covered, min_depth, data["release"],
                                              data["min_review_stars"])  # fmt: skip
        block = out["samples"][sample]
        log.info("%s: %d finding(s)%s", sample, len(block["findings"]),
                 " (ordered genes only: no consent_secondary)" if wanted is not None else "")  # fmt: skip
    out["withheld"] = {s: [list(p) for p in positions] for s, positions in out["withheld"].items()}
    return out


def tsv_lines(result):
    lines = ["\t".join(TSV_COLUMNS)]
    for sample, block in result["samples"].items():
        for f in block.get("findings", []):
            row = {**f, "sample_id": sample}
            lines.append("\t".join("NA" if row.get(c) is None else str(row.get(c)) for c in TSV_COLUMNS))
    return lines


def write_findings(json_path, tsv_path, **kwargs):
    result = batch_findings(**kwargs)
    write_text(json_path, json.dumps(result, indent=1, sort_keys=True) + "\n")
    write_text(tsv_path, "\n".join(tsv_lines(result)) + "\n")
    return result


def main(smk):
    """The rule's inputs and params are named as batch_findings' arguments."""
    setup_logging(smk.log[0])
    write_findings(smk.output.json, smk.output.tsv, **dict(smk.input.items()), **dict(smk.params.items()))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
