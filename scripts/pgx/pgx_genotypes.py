"""Rule pgx_genotypes: star-allele diplotypes and CPIC phenotypes for every sample of a VCF, one batch file.

Reads the genotypes of a multi-sample VCF/BCF at the defining positions of the panel's pharmacogenes (PharmCAT
definitions, GRCh38) and matches them with scripts/pgx/pgx_match.py. Outputs:
    pgx_calls.json  {sample_id: {gene: result}}, result as documented in pgx_match (samples in sheet/VCF order)
    pgx_calls.tsv   sample_id gene diplotypes phenotype activity_score n_missing status n_not_covered; diplotypes
                    joined by ';', NA for none; n_missing counts no-call positions, n_not_covered the positions the
                    reference/target does not cover
A panel position without a usable record is a no-call for every sample: it is never assumed reference, so a VCF of
variant sites only (no hom-ref records) leaves the genes uncalled (see pgx_match rule 9). With the coverage table of
rule pgx_sites (scripts/sites/panel_to_sites.py), a position it lists as not covered is `not_covered` (pgx_match rule
10). Samples whose sheet row names an outside-call file (pgx_outside_calls) get its genes merged in after matching
(scripts/pgx/outside_calls.py: `source: "outside"`, replacing genorisk's call of the same gene).

VCFs are taken as users send them:
- chromosome names with or without the 'chr' prefix (chr10 and 10 are the same contig);
- records in any order (read by streaming; an indexed file is read by region instead);
- ALT '.', multi-allelic records, and a position split over several records (`bcftools norm -m -any`): the split
  records are merged per sample (their ALT alleles fill the genotype, REF the rest; more than two ALTs is a no-call);
  identical duplicate records count once;
- indels written with a longer or shorter REF than PharmCAT's (same start, one REF a prefix of the other) are
  compared over the longer span; a REF that disagrees with the definition discards the record (PharmCAT does too);
- GT './.', half calls ('1/.': the gene is not called, the known allele limits the possible diplotypes), polyploid
  GTs (no-call), haploid GTs (no-call, but on chrX/chrY a male's one allele: read as homozygous), phased '|' with
  FORMAT/PS (phase blocks), symbolic ALTs ('<*>', '*': no-call when called);
- FORMAT/DP below `min_depth` makes the genotype a no-call (no DP, no filter);
- an MNP locus (RYR1's two) written as its SNVs, as read-based genotyping writes it (genotype_sites): the SNVs'
  calls are put back together (`assemble_mnp`); a record written whole is read as any other.

Sex, for X-linked G6PD (pgx_match rule 11): the sample sheet's `sex` (female/male), else `inferred_sex` of
results/af/samples.tsv when the rule is given that table (female/male; ambiguous or unknown: unknown), else unknown.

Size: over 400 lines because the VCF reading above is one procedure over shared panel targets (the record forms
users send, merged per sample and position), with the batch outputs beside it.
"""

import csv
import json
from pathlib import Path

from common.atomic import atomic_path
from common.contig_names import contig_key, map_names
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from pgx.gene_rules import X_LINKED_GENES
from pgx.outside_calls import merge_outside_calls
from pgx.pgx_definitions import Locus
from pgx.pgx_match import Genotype, load_gene, match_gene
from reports.stages import coverage_reason
from sites.panel_to_sites import read_not_covered

TSV_COLUMNS = ["sample_id", "gene", "diplotypes", "phenotype", "activity_score", "n_missing", "status", "n_not_covered"]
NA = "NA"
# More REF disagreements than this share of the panel records found means the VCF is not on GRCh38.
MAX_REF_MISMATCH_SHARE = 0.5
MIN_RECORDS_FOR_BUILD_CHECK = 10
SEX_CHROMOSOMES = ("X", "Y")
SEXES = ("female", "male")


def panel_targets(definitions):
    """{(contig key, POS): [(gene, locus, is_defining, offset)]} for every defining and extra position (contig keys:
    scripts/common/contig_names.py, so the definitions' 'chr7' meets a VCF's '7').

    offset None: the locus itself; an int: one SNV of an MNP locus (`locus` is then that SNV, at POS + offset; the
    MNP is assembled from them by `assemble_mnp` when the VCF lists it as SNVs, as genotype_sites does)."""
    targets = {}
    for gene, definition in definitions.items():
        for defining, loci in ((True, definition.loci), (False, definition.extra_loci)):
            for locus in loci:
                targets.setdefault((contig_key(locus.chrom), locus.pos), []).append((gene, locus, defining, None))
                for i, ref, alts in locus.components:
                    snv = Locus(locus.chrom, locus.pos + i, locus.rsid, ref, alts)
                    targets.setdefault((contig_key(locus.chrom), snv.pos), []).append((gene, snv, defining, i))
    return targets


def assemble_mnp(locus, parts):
    """An MNP locus's call from its SNVs' calls (offset -> (a1, a2, phased, PS)); None when one is missing.

    Phased SNVs in one phase set: chromosome by chromosome. Otherwise the ALTs are put together on one chromosome
    (cis), which is what the MNP is: one SNV's ALT without the others makes an allele no definition uses."""
    if not parts or any(parts.get(i) is None for i, _, _ in locus.components):
        return None
    calls = [parts[i] for i, _, _ in locus.components]
    phased = all(c[2] for c in calls) and len({c[3] for c in calls}) == 1
    chromosomes = [list(locus.ref), list(locus.ref)]
    for (i, ref, _), call in zip(locus.components, calls, strict=True):
        alts = [a for a in call[:2] if a != ref]
        if phased:
            for k in (0, 1):
                chromosomes[k][i] = call[k]
        else:
            for k, alt in zip((1, 0), alts):  # a first ALT on the second chromosome, a second ALT on the first
                chromosomes[k][i] = alt
    return "".join(chromosomes[0]), "".join(chromosomes[1]), phased, calls[0][3] if phased else None


def definition_allele(allele, record_ref, locus):
    """A record allele written in the definition's REF frame; None when the record's REF disagrees with the locus.

    Same start, REFs of different length (one a prefix of the other): alleles are compared over the longer span.
    An allele no definition allele spells comes back marked with the record's REF, so it can never look documented.
    """
    if record_ref == locus.ref:
        return allele
    if locus.ref.startswith(record_ref):
        return allele + locus.ref[len(record_ref) :]
    if record_ref.startswith(locus.ref):
        tail = record_ref[len(locus.ref) :]
        for documented in (locus.ref, *locus.alts):
            if documented + tail == allele:
                return documented
        return f"{allele}[REF={record_ref}]"
    return None


def _is_symbolic(allele):
    return allele.startswith("<") or allele in ("*", ".") or "[" in allele or "]" in allele


def record_alleles(record, locus):
    """Per VCF allele index: the allele in the definition's frame (None for symbolic ALTs); None on a REF conflict."""
    ref = record.ref.upper()
    if definition_allele(ref, ref, locus) != locus.ref:
        return None
    alleles = [locus.ref]
    for alt in record.alts or ():
        alleles.append(None if _is_symbolic(alt) else definition_allele(alt.upper(), ref, locus))
    return alleles


def sample_part(sample, alleles, fields, min_depth, haploid_ok=False):
    """One record's call for one sample: (allele1, allele2, phased, phase set), or None for a no-call.

    haploid_ok: a haploid GT (chrX/chrY in a male) is read as homozygous for its one allele."""
    gt = sample.get("GT") if "GT" in fields else None
    if gt and len(gt) == 1 and haploid_ok and gt[0] is not None:
        gt = (gt[0], gt[0])
    if not gt or len(gt) != 2 or gt == (None, None):
        return None
    if "DP" in fields:
        depth = sample.get("DP")
        if depth is not None and depth < min_depth:
            return None
    called = []
    for index in gt:
        if index is None:
            called.append(None)
        elif index >= len(alleles) or alleles[index] is None:
            return None
        else:
            called.append(alleles[index])
    known = [a for a in called if a is not None]
    if len(known) == 1 and known[0] == alleles[0]:
        return None  # '0/.': PharmCAT treats a reference half call as a missing position
    phase_set = sample.get("PS") if sample.phased and "PS" in fields else None
    return called[0], called[1], bool(sample.phased), phase_set


def merge_parts(parts, ref):
    """One sample's calls from several records at one position as a single (a1, a2, phased, PS), or None.

    Identical duplicates count once. Split multi-allelic records: phased ones merge chromosome by chromosome, others
    by counting ALT alleles (REF fills up to two). Conflicts (two ALTs on one chromosome, more than two ALTs, half
    calls) give None.
    """
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    if len(set(parts)) == 1:
        return parts[0]
    if any(None in p[:2] for p in parts):
        return None
    if all(p[2] for p in parts) and len({p[3] for p in parts}) == 1:
        merged = []
        for k in (0, 1):
            alts = {p[k] for p in parts if p[k] != ref}
            if len(alts) > 1:
                return None
            merged.append(alts.pop() if alts else ref)
        return merged[0], merged[1], True, parts[0][3]
    alts = [a for p in parts for a in p[:2] if a != ref]
    if len(alts) > 2:
        return None
    alleles = alts + [ref] * (2 - len(alts))
    return alleles[0], alleles[1], False, None


def _open(vcf_path):
    import pysam  # imported here so the workflow can import this module's helpers without pysam

    try:
        return pysam.VariantFile(str(vcf_path))
    except (OSError, ValueError) as error:
        raise InputError(f"{vcf_path}: cannot read as VCF/BCF ({error})") from None


def _has_index(vcf):
    """Can the file be read by region? (an index, and contigs in the header to name the regions)"""
    contigs = list(vcf.header.contigs)
    if not contigs:
        return False
    try:
        vcf.fetch(contigs[0], 0, 1)
    except ValueError:
        return False
    return True


def _records(vcf, targets, log):
    """The records at panel positions: by region when the file is indexed, else by streaming the whole file.

    An indexed file is read on the contigs its header names for the panel's (the contig-name rule); panel positions
    on contigs it lacks are counted in the log (they stay without a call, never reference)."""
    if not _has_index(vcf):
        log.info("no index (or no contigs in the header): reading the whole file")
        yield from (r for r in vcf if (contig_key(r.chrom), r.pos) in targets)
        return
    panel_names = {locus.chrom: chrom for (chrom, _), entries in targets.items() for _, locus, _, _ in entries}
    named, absent = map_names(panel_names, vcf.header.contigs)
    if absent:
        lacking = {panel_names[name] for name in absent}
        log.warning("%d panel position(s) on contigs the VCF lacks (%s): no call there",
                    sum(chrom in lacking for chrom, _ in targets), ", ".join(absent))  # fmt: skip
    spans = {}
    for chrom, pos in targets:
        low, high = spans.get(chrom, (pos, pos))
        spans[chrom] = (min(low, pos), max(high, pos))
    contigs = {panel_names[name]: target for name, target in named.items()}
    for chrom, (low, high) in sorted(spans.items()):
        if chrom in contigs:
            yield from (r for r in vcf.fetch(contigs[chrom], low - 1, high) if (chrom, r.pos) in targets)


def read_panel_calls(vcf_path, definitions, samples=None, min_depth=1):
    """Genotypes at the panel positions, per sample.

    Returns (sample ids, {sample: {gene: (calls {POS: (a1, a2, phased, PS)}, extra calls {POS: ...})}}).
    `samples` restricts and orders the output (ids absent from the VCF are left out); None keeps the VCF's samples.
    """
    log = get_logger()
    targets = panel_targets(definitions)
    vcf = _open(vcf_path)
    vcf_samples = list(vcf.header.samples)
    if not vcf_samples:
        raise InputError(f"{vcf_path}: the VCF has no samples (a genotype column per sample is needed)")
    wanted = [s for s in (samples if samples is not None else vcf_samples) if s in set(vcf_samples)]
    absent = [s for s in (samples or []) if s not in set(vcf_samples)]
    if samples and not wanted:
        shown = ", ".join(vcf_samples[:5]) + (", ..." if len(vcf_samples) > 5 else "")
        raise InputError(f"{vcf_path}: none of the sample sheet's IDs is a sample of this VCF (it has {shown})")
    if absent:
        log.info("%d sample(s) of the sheet are not in the VCF (no PGx result): %s", len(absent), ", ".join(absent))
    indices = [vcf_samples.index(s) for s in wanted]
    parts = {}  # (gene, POS, is_defining) -> [per record: [per sample part]]
    seen, mismatched = 0, 0
    for record in _records(vcf, targets, log):
        for gene, locus, defining, offset in targets[(contig_key(record.chrom), record.pos)]:
            if offset is None and locus.components and len(record.ref) < len(locus.ref):
                continue  # one SNV of an MNP written as SNVs: read by its component target
            seen += 1
            alleles = record_alleles(record, locus)
            if alleles is None:
                mismatched += 1
                log.warning(
                    "%s %s: REF %s in the VCF, %s in the definition: record ignored",
                    gene,
                    locus.label,
                    record.ref,
                    locus.ref,
                )
                continue
            fields = set(record.format)
            haploid_ok = contig_key(record.chrom) in SEX_CHROMOSOMES
            row = [sample_part(record.samples[i], alleles, fields, min_depth, haploid_ok) for i in indices]
            parts.setdefault((gene, locus.pos - (offset or 0), defining, offset), []).append(row)
    vcf.close()
    _check_build(vcf_path, seen, mismatched)
    log.info("%d panel record(s) read for %d sample(s); %d REF disagreement(s)", seen, len(wanted), mismatched)
    loci = {(g, loc.pos - (i or 0), d, i): loc for entries in targets.values() for g, loc, d, i in entries}
    calls = {}
    for k, sample in enumerate(wanted):
        per_gene = {gene: ({}, {}) for gene in definitions}
        snvs = {}  # (gene, MNP POS, is_defining) -> {offset: merged call}
        for (gene, pos, defining, offset), rows in parts.items():
            merged = merge_parts([row[k] for row in rows], loci[(gene, pos, defining, offset)].ref)
            if offset is not None:
                snvs.setdefault((gene, pos, defining), {})[offset] = merged
            elif merged is not None:
                per_gene[gene][0 if defining else 1][pos] = merged
        for (gene, pos, defining), found in snvs.items():
            assembled = assemble_mnp(loci[(gene, pos, defining, None)], found)
            if assembled is not None:
                per_gene[gene][0 if defining else 1].setdefault(pos, assembled)
        calls[sample] = per_gene
    return wanted, calls


def _check_build(vcf_path, seen, mismatched):
    if seen >= MIN_RECORDS_FOR_BUILD_CHECK and mismatched > MAX_REF_MISMATCH_SHARE * seen:
        raise InputError(
            f"{vcf_path}: REF disagrees with the GRCh38 panel definitions at {mismatched} of {seen} panel records; "
            "is the VCF on GRCh38?"
        )


def not_covered_positions(definitions, coverage_tsv):
    """{gene: frozenset(POS)} of the positions the coverage table lists as not covered (no table: none); an MNP is
    not covered when one of its SNVs (the table's rows for it) is not."""
    uncovered = read_not_covered(coverage_tsv)

    def keys(gene, locus):
        parts = [(locus.pos + i, ref) for i, ref, _ in locus.components] or [(locus.pos, locus.ref)]
        return [(gene, contig_key(locus.chrom), pos, ref) for pos, ref in parts]

    return {
        gene: frozenset(
            locus.pos
            for locus in (*definition.loci, *definition.extra_loci)
            if any(key in uncovered for key in keys(gene, locus))
        )
        for gene, definition in definitions.items()
    }


def sample_sexes(samples, sheet_sexes=None, af_samples_tsv=None):
    """{sample: "female" | "male" | None}: the sheet's sex, else the inferred sex of results/af/samples.tsv."""
    inferred = {}
    if af_samples_tsv:
        with open(af_samples_tsv) as fh:
            rows = csv.DictReader(fh, delimiter="\t")
            if "inferred_sex" in (rows.fieldnames or []):
                inferred = {row["sample_id"]: row["inferred_sex"] for row in rows}
    sexes = {}
    for sample in samples:
        sheet = (sheet_sexes or {}).get(sample)
        sexes[sample] = sheet if sheet in SEXES else inferred.get(sample) if inferred.get(sample) in SEXES else None
    return sexes


def call_batch(definitions, sample_calls, not_covered=None, sexes=None):
    """{sample: {gene: match result}}; identical genotype sets are matched once (results are shared).

    sexes: {sample: "female" | "male" | None}, for X-linked genes (missing: unknown)."""
    cache, results, not_covered, sexes = {}, {}, not_covered or {}, sexes or {}
    for sample, per_gene in sample_calls.items():
        results[sample] = {}
        for gene, definition in definitions.items():
            calls, extra = per_gene[gene]
            sex = sexes.get(sample) if gene in X_LINKED_GENES else None
            key = (gene, sex, tuple(sorted(calls.items())), tuple(sorted(extra.items())))
            if key not in cache:
                genotypes = {pos: Genotype(*c) for pos, c in calls.items()}
                extra_genotypes = {pos: Genotype(*c) for pos, c in extra.items()}
                uncovered = not_covered.get(gene, frozenset())
                cache[key] = match_gene(definition, genotypes, extra_genotypes, uncovered, sex)
            results[sample][gene] = cache[key]
    return results


def tsv_rows(results):
    """One row per sample and gene (TSV_COLUMNS order), values as text."""
    rows = []
    for sample, per_gene in results.items():
        for gene, result in per_gene.items():
            rows.append(
                [
                    sample,
                    gene,
                    ";".join(result["diplotypes"]) or NA,
                    result["phenotype"] if result["phenotype"] is not None else NA,
                    NA if result["activity_score"] is None else str(result["activity_score"]),
                    str(len(result["missing"])),
                    result["status"],
                    str(len(result["not_covered"])),
                ]
            )
    return rows


def json_text(results):
    """The batch JSON, one line per sample (json's C encoder only runs without indent: 10x faster on big batches)."""
    lines = [
        f"{json.dumps(sample)}: {json.dumps(per_gene, separators=(',', ':'))}" for sample, per_gene in results.items()
    ]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_outputs(results, json_path, tsv_path):
    with atomic_path(json_path) as tmp:
        Path(tmp).write_text(json_text(results))
    lines = ["\t".join(TSV_COLUMNS)] + ["\t".join(row) for row in tsv_rows(results)]
    with atomic_path(tsv_path) as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")


def pgx_genotypes(
    vcf_path, panel_dir, genes, json_path, tsv_path, samples=None, min_depth=1, coverage_tsv=None, sexes=None,
    outside_calls=None, outside_dir=None,
):  # fmt: skip
    """Read the VCF, match every sample for every gene, write the batch JSON and TSV. Returns the results.

    coverage_tsv: rule pgx_sites' coverage table; its not-covered positions are `not_covered` (None: every position
    is taken as covered). sexes: {sample: "female" | "male" | None} (sample_sexes), for X-linked genes.
    outside_calls: {sample: outside-call TSV} merged in by scripts/pgx/outside_calls.py (read with the tables in
    outside_dir)."""
    log = get_logger()
    definitions = {gene: load_gene(panel_dir, gene) for gene in genes}
    log.info("panel: %s", ", ".join(f"{g} ({len(d.loci)} positions, {d.version})" for g, d in definitions.items()))
    not_covered = not_covered_positions(definitions, coverage_tsv)
    if any(not_covered.values()):
        log.warning("not covered by this reference/target, per gene: %s",
                    ", ".join(f"{g} {len(p)}" for g, p in not_covered.items() if p))  # fmt: skip
    uncovered_reason = coverage_reason(coverage_tsv)
    if uncovered_reason:
        log.warning("the report shows this stage as not run: %s", uncovered_reason)
    wanted, sample_calls = read_panel_calls(vcf_path, definitions, samples, min_depth)
    if any(gene in X_LINKED_GENES for gene in definitions):
        known = {s: (sexes or {}).get(s) for s in wanted}
        log.info("sex for X-linked genes: %s", ", ".join(f"{s} {x or 'unknown'}" for s, x in known.items()))
    results = call_batch(definitions, sample_calls, not_covered, sexes)
    for gene in definitions:
        statuses = sorted({results[s][gene]["status"] for s in wanted})
        counts = {st: sum(results[s][gene]["status"] == st for s in wanted) for st in statuses}
        log.info("%s: %s", gene, ", ".join(f"{n} {st}" for st, n in counts.items()) or "no samples")
    results = merge_outside_calls(results, outside_calls, outside_dir, definitions)
    write_outputs(results, json_path, tsv_path)
    return results


def main(smk):
    setup_logging(smk.log[0])
    pgx_genotypes(
        smk.input.vcf,
        Path(smk.input.exemptions).parents[1],  # the panel folder (alleles/exemptions.json in it)
        smk.params.genes,
        smk.output.json,
        smk.output.tsv,
        samples=smk.params.samples,
        min_depth=smk.params.min_depth,
        coverage_tsv=smk.input.coverage[0] if smk.input.coverage else None,
        outside_calls=dict(smk.params.outside_calls),
        outside_dir=smk.params.outside_dir,
        sexes=sample_sexes(
            smk.params.samples, smk.params.sexes, smk.input.af_samples[0] if smk.input.af_samples else None
        ),
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
