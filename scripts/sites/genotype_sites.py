"""Genotype every QC-passing sample at every listed known position, hom-ref included (sites.vcf.gz).

Why: PharmCAT (and any panel-based reader) takes a panel position missing from a VCF as a no-call, so a sample that
is reference at a listed position must say 0/0, and a sample without usable reads there must say ./. (never 0/0).

The output has one record per listed site (multi-allelic definitions split into one record per ALT, exact
duplicates merged, in reference order) and one genotype per sample, with FORMAT/DP and FORMAT/AD:
1. The sites files are read and checked: contigs are the reference's under the contig-name rule
   (scripts/common/contig_names.py: as written, else 'chr' added or removed, chrM/MT/chrMT/M); a REF that disagrees
   with the reference is refused (file and record named); a site on a contig the reference lacks is skipped with a
   warning, and if that leaves nothing the run is refused.
2. `bcftools mpileup` piles up the reads at the sites' positions once (index jumps, -R), with the calling
   stage's min_mapq/min_baseq.
3. `bcftools call -m -A -C alleles -T` genotypes the listed alleles. bcftools 1.16 pairs a target with the
   first pileup record at its position, the SNV-type one, even for an indel target (an indel carried by every
   read came out 0/0). So SNV sites are genotyped from the SNV-type records and indel sites from the indel-type
   records; an indel site without an indel record (too few reads with any indel there for mpileup: its -m 2,
   -F 0.05) is genotyped from the SNV-type record, which then says REF or no-call.
4. `bcftools +setGT` makes a genotype ./. when FORMAT/DP < min_depth, when its PLs are all equal (no
   information; bcftools writes 0/0 with PL 0,0,0 for a sample without reads) or when even the best listed
   genotype has PL > 0 (bcftools does not rescale PLs after constraining the alleles: the reads favour an
   allele the sites file does not list, so the sample is not reference).
5. Sites are matched to the calls after `bcftools norm` of both (left-aligned, split), and written in the
   sites file's own representation with its IDs. A site no sample has a read at gets ./. with DP 0 and AD 0,0.

Every caller's folder gets the same bcftools genotyping (the header says so: `##genorisk_sites_genotyper`);
genotyping given alleles is a pileup question that does not depend on the caller of the cohort calls.

Sheet rows that arrive already called (VCF rows, imported by scripts/calling/import_vcf.py) have no reads: their
records at
the listed positions are merged in as the VCF gives them (`bcftools merge`, no -0, then `norm -m -any`): a record
is a call, hom-ref and ALT '.' reference records included; a position the VCF lacks is ./., never reference. A VCF
row's record with another ALT than the site's stays beside the site's record (split), so a panel reader sees it.
The samples are written in sample-sheet order.

Size: over 400 lines because one genotyping procedure (steps 1-5 of this docstring, plus the VCF rows' merge) whose
steps share the site keys.
"""

import dataclasses
import os
import tempfile
from collections import Counter
from pathlib import Path

import pysam

from calling.call_chunk_bcftools import link_alignments, mpileup_command, read_group_lines
from common.atomic import atomic_path
from common.contig_names import describe_mapping, reference_contig
from common.genomic_chunks import read_fai
from common.input_error import InputError
from common.rule_logging import get_logger, setup_logging
from common.tool_run import pipeline, run, tool_version
from qc.batch_qc import cohort_samples

BASES = set("ACGTN")
# Genotypes set to ./. per sample (bcftools filter syntax; single `|` is per sample): too shallow, no
# information, or the listed alleles do not explain the reads (see the module docstring, step 4).
NO_CALL_EXPRESSION = "FMT/DP<{min_depth} | smpl_max(FMT/PL)==0 | smpl_min(FMT/PL)>0"
SITES_FORMATS = (
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
)


@dataclasses.dataclass(frozen=True)
class Site:
    """One listed biallelic site as the sites file writes it: 1-based position, REF and one ALT, its IDs."""

    contig: str
    pos: int
    ref: str
    alt: str
    ids: tuple = ()

    @property
    def key(self):
        return (self.contig, self.pos, self.ref, self.alt)


def is_indel(ref, alt):
    return len(ref) != len(alt)


# ---------------------------------------------------------------- reading and checking the sites


def _alt_problem(ref, alt):
    """Why a listed ALT cannot be genotyped from reads, or None."""
    if alt is None or alt in (".", "*") or alt.startswith("<") or not set(alt.upper()) <= BASES:
        return f"ALT {alt!r} is not a sequence of bases (symbolic, '*' or missing ALTs cannot be genotyped)"
    if alt.upper() == ref.upper():
        return f"ALT {alt!r} equals REF"
    if len(ref) == len(alt) > 1:
        return f"{ref}>{alt} is an MNP: list its SNVs one by one"
    return None


def read_sites_file(path, fasta, contig_lengths):
    """Sites of one VCF, split per ALT, REFs checked against `fasta` (a pysam.FastaFile).

    A record's contig is the reference's of the same name, else of its other name under the contig-name rule
    (scripts/common/contig_names.py: 'chr' added or removed, chrM/MT/chrMT/M); its Site carries the reference's name.
    Returns (sites [Site], skipped Counter {contig absent from the reference: records}, {renamed contig: reference's}).
    """
    name = Path(path).name
    sites, skipped, renamed = [], Counter(), {}
    with pysam.VariantFile(str(path)) as vcf:
        for rec in vcf.fetch():
            where = f"{name}: record {rec.chrom}:{rec.pos} {rec.ref}>{','.join(rec.alts or ('.',))}"
            contig = reference_contig(rec.chrom, contig_lengths)
            if contig is None:
                skipped[rec.chrom] += 1
                continue
            if contig != rec.chrom:
                renamed[rec.chrom] = contig
            ref = rec.ref.upper()
            if rec.pos + len(ref) - 1 > contig_lengths[contig]:
                raise InputError(f"{where}: lies beyond the end of contig {contig} ({contig_lengths[contig]} bp)")
            reference = fasta.fetch(contig, rec.pos - 1, rec.pos - 1 + len(ref)).upper()
            if ref != reference:
                raise InputError(f"{where}: REF {ref} disagrees with the reference, which has {reference} there")
            for alt in rec.alts or (None,):
                problem = _alt_problem(ref, alt)
                if problem:
                    raise InputError(f"{where}: {problem}")
                ids = tuple(rec.id.split(";")) if rec.id else ()
                sites.append(Site(contig, rec.pos, ref, alt.upper(), ids))
    return sites, skipped, renamed


def _some(names, n=5):
    names = list(names)
    return ", ".join(names[:n]) + (", ..." if len(names) > n else "")


def merge_sites(sites, contig_order):
    """Exact duplicates merged (IDs united in first-seen order), sorted by reference order, position, REF, ALT."""
    merged = {}
    for site in sites:
        known = merged.get(site.key)
        ids = site.ids if known is None else known.ids + tuple(i for i in site.ids if i not in known.ids)
        merged[site.key] = dataclasses.replace(site, ids=ids)
    return sorted(merged.values(), key=lambda s: (contig_order[s.contig], s.pos, s.ref, s.alt))


def collect_sites(paths, fasta_path, fai_path, allow_empty=False):
    """The union of the sites files: [Site], checked, split, deduplicated and in reference order.

    No site at all is refused unless `allow_empty` (files that list no record; sites off the reference still fail)."""
    log = get_logger()
    if not paths:
        raise InputError("no sites files are configured (config key sites.files)")
    contig_lengths = dict(read_fai(fai_path))
    sites, skipped = [], Counter()
    with pysam.FastaFile(str(fasta_path)) as fasta:
        for path in paths:
            found, absent, renamed = read_sites_file(path, fasta, contig_lengths)
            log.info("%s: %d sites (multi-allelic records split)", Path(path).name, len(found))
            if renamed:
                log.info("%s: contigs named otherwise in the reference: %s", Path(path).name, describe_mapping(renamed))
            if absent:
                log.warning(
                    "%s: %d records on contigs the reference lacks were skipped: %s",
                    Path(path).name, sum(absent.values()), ", ".join(sorted(absent)),
                )  # fmt: skip
            sites += found
            skipped += absent
    if not sites and allow_empty and not skipped:
        log.warning("the sites files list no site: every sample gets an empty sites VCF")
        return []
    if not sites:
        names = ", ".join(Path(p).name for p in paths)
        raise InputError(
            f"none of the sites in {names} lies on a contig of the reference (sites on {_some(sorted(skipped))}; "
            f"reference contigs {_some(contig_lengths)}; names are matched as written, else with 'chr' added or "
            "removed, chrM/MT/chrMT/M as one)"
        )
    merged = merge_sites(sites, {c: i for i, c in enumerate(contig_lengths)})
    log.info("%d distinct sites to genotype (%d listed)", len(merged), len(sites))
    return merged


# ---------------------------------------------------------------- tool steps


def write_sites_vcf(sites, fai_path, path):
    """A sites-only VCF whose ID is the site's index in `sites` (so normalised records map back)."""
    lines = ["##fileformat=VCFv4.2\n"]
    lines += [f"##contig=<ID={name},length={length}>\n" for name, length in read_fai(fai_path)]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    lines += [f"{s.contig}\t{s.pos}\t{i}\t{s.ref}\t{s.alt}\t.\t.\t.\n" for i, s in enumerate(sites)]
    Path(path).write_text("".join(lines))


def normalised_keys(sites, fasta_path, fai_path, work):
    """[(contig, pos, ref, alt)] of each site after `bcftools norm -f` (left-aligned, trimmed): how calls write it."""
    raw, norm = Path(work) / "sites.raw.vcf", Path(work) / "sites.norm.vcf"
    write_sites_vcf(sites, fai_path, raw)
    run(["bcftools", "norm", "--no-version", "-f", fasta_path, "-Ov", "-o", norm, raw])
    keys = [None] * len(sites)
    with pysam.VariantFile(str(norm)) as vcf:
        for rec in vcf:
            keys[int(rec.id)] = (rec.chrom, rec.pos, rec.ref, rec.alts[0])
    return keys


def bgzip_tabix(lines, path):
    """Write tab-separated `lines` to a bgzipped, tabix-indexed file (bcftools -R/-T read it by index)."""
    Path(path).write_text("".join(lines))
    run(["bgzip", "-f", path])
    run(["tabix", "-f", "-s1", "-b2", "-e2", f"{path}.gz"])
    return Path(f"{path}.gz")


def alleles_lines(keys, contig_order):
    """`bcftools call -C alleles -T` lines: CHROM POS REF,ALT1,ALT2 per position, REFs made one.

    Keys at one position with REFs of different lengths (a deletion and an insertion) are written against the
    longest REF, each ALT extended by the REF bases its own REF lacks (as bcftools norm -m+ joins them).
    """
    by_position = {}
    for contig, pos, ref, alt in keys:
        by_position.setdefault((contig, pos), []).append((ref, alt))
    lines = []
    for contig, pos in sorted(by_position, key=lambda k: (contig_order[k[0]], k[1])):
        pairs = by_position[(contig, pos)]
        longest = max((ref for ref, _ in pairs), key=len)
        alts = []
        for ref, alt in pairs:
            extended = alt + longest[len(ref) :]
            if extended not in alts:
                alts.append(extended)
        lines.append(f"{contig}\t{pos}\t{','.join([longest, *alts])}\n")
    return lines


def call_pass_commands(mpileup_bcf, record_type, alleles_file, fasta_path, out_vcf, min_depth):
    """view (SNV-type or indel-type pileup records) | call given alleles | +setGT no-calls | norm split -> out_vcf."""
    view = ["bcftools", "view", "--no-version", "-V" if record_type == "snv" else "-v", "indels", "-Ou", mpileup_bcf]
    call = ["bcftools", "call", "--no-version", "-m", "-A", "-C", "alleles", "-T", alleles_file, "-a", "GQ", "-Ou"]
    no_calls = ["bcftools", "+setGT", "--no-version", "-Ou", "--", "-t", "q", "-n", ".",
                "-i", NO_CALL_EXPRESSION.format(min_depth=min_depth)]  # fmt: skip
    norm = ["bcftools", "norm", "--no-version", "-f", fasta_path, "-m", "-any", "-Ov", "-o", out_vcf]
    return view, call, no_calls, norm


def read_calls(vcf_path):
    """{(contig, pos, ref, alt): (qual, info {tag: value}, [{FORMAT tag: value} per sample])} of a small VCF."""
    calls = {}
    with pysam.VariantFile(str(vcf_path)) as vcf:
        samples = list(vcf.header.samples)
        for rec in vcf:
            formats = [{k: v for k, v in rec.samples[s].items() if v is not None} for s in samples]
            calls[(rec.chrom, rec.pos, rec.ref, rec.alts[0] if rec.alts else ".")] = (rec.qual, dict(rec.info), formats)
    return calls


# ---------------------------------------------------------------- output


def _set_formats(record, formats, samples):
    for sample, values in zip(samples, formats):
        for tag, value in values.items():
            if isinstance(value, tuple) and all(v is None for v in value) and tag != "GT":
                continue
            record.samples[sample][tag] = value


def site_record(header, site, call, samples):
    """The output record of one site: the call's values at the site's own representation, or no coverage."""
    record = header.new_record(
        contig=site.contig, start=site.pos - 1, alleles=(site.ref, site.alt), id=";".join(site.ids) or None
    )
    if call is None:
        uncovered = {"GT": (None, None), "DP": 0, "AD": (0, 0)}
        _set_formats(record, [uncovered] * len(samples), samples)
        return record
    qual, info, formats = call
    record.qual = qual
    for tag, value in info.items():
        record.info[tag] = value
    _set_formats(record, formats, samples)
    return record


def output_header(template_vcf, min_depth):
    with pysam.VariantFile(str(template_vcf)) as vcf:
        header = vcf.header.copy()
    header.add_line(f"##genorisk_sites_genotyper=bcftools {tool_version('bcftools')} mpileup | call -m -C alleles")
    header.add_line(
        f'##genorisk_sites_no_call=<MinDepth={min_depth},Description="GT is ./. when FORMAT/DP<{min_depth}, '
        'when all PLs are equal, or when the best listed genotype has PL>0; DP=0 where no read covers the site">'
    )
    return header


def write_plain_sites_vcf(samples, sites, fai, out_vcf, out_tbi):
    """A sites VCF of contigs, FORMAT GT/DP/AD and `samples`, with `sites` as records that no read covers (none for a
    sites file without records; no samples when only VCF rows are merged onto them), + its index."""
    header = pysam.VariantHeader()
    for name, length in read_fai(fai):
        header.contigs.add(name, length=length)
    for line in SITES_FORMATS:
        header.add_line(line)
    for sample in samples:
        header.add_sample(sample)
    with atomic_path(out_vcf, suffix=".vcf.gz") as tmp_vcf, atomic_path(out_tbi, suffix=".tbi") as tmp_tbi:
        with pysam.VariantFile(tmp_vcf, "wz", header=header) as out:
            for site in sites:
                out.write(site_record(header, site, None, samples))
        run(["tabix", "-f", "-p", "vcf", tmp_vcf])
        os.replace(f"{tmp_vcf}.tbi", tmp_tbi)
    return Counter({"no read": len(sites)})


def genotype_sites(samples, alignments, indexes, fasta, fai, site_files, out_vcf, out_tbi, min_depth=8,
                   min_mapq=0, min_baseq=1, allow_empty=False, imported=(), order=None):  # fmt: skip
    """Write `out_vcf` (+ `out_tbi`): every site of `site_files` x every sample, atomically. Returns per-site counts.

    allow_empty: sites files without any record give a header-only VCF instead of an error.
    imported: indexed BCFs of the VCF rows (scripts/calling/import_vcf.py), merged in at the sites (module docstring);
    order: every sample of the output in sheet order (default: `samples`, then the imported files' samples)."""
    log = get_logger()
    sites = collect_sites(site_files, fasta, fai, allow_empty)
    names = order or [*samples, *(n for bcf in imported for n in bcf_samples(bcf))]
    if not sites:
        write_plain_sites_vcf(names, [], fai, out_vcf, out_tbi)
        return Counter()
    with tempfile.TemporaryDirectory(prefix="genorisk_sites_") as work:
        if not imported:
            return pileup_sites(samples, alignments, indexes, fasta, fai, sites, out_vcf, out_tbi, work, min_depth,
                                min_mapq, min_baseq)  # fmt: skip
        aligned, aligned_tbi = Path(work) / "aligned.vcf.gz", Path(work) / "aligned.vcf.gz.tbi"
        if samples:
            counts = pileup_sites(samples, alignments, indexes, fasta, fai, sites, aligned, aligned_tbi, work,
                                  min_depth, min_mapq, min_baseq)  # fmt: skip
        else:
            counts = write_plain_sites_vcf([], sites, fai, aligned, aligned_tbi)
        log.info("merging the VCF rows of %d imported files at the %d sites", len(imported), len(sites))
        merge_vcf_rows(aligned, imported, fasta, names, out_vcf, out_tbi, work)
        return counts


def bcf_samples(path):
    """Sample names of an indexed VCF/BCF."""
    with pysam.VariantFile(str(path)) as vcf:
        return list(vcf.header.samples)


def merge_vcf_rows(aligned_vcf, imported, fasta, order, out_vcf, out_tbi, work):
    """`aligned_vcf` (the sites, genotyped from reads) with each imported BCF's records at the sites' positions."""
    positions = Path(work) / "row_positions.tsv"
    with pysam.VariantFile(str(aligned_vcf)) as vcf:
        positions.write_text("".join(f"{rec.chrom}\t{rec.pos}\n" for rec in vcf))
    parts = []
    for i, bcf in enumerate(imported):
        part = Path(work) / f"rows{i}.bcf"
        run(["bcftools", "view", "--no-version", "-T", positions, "-Ob", "-o", part, bcf])
        run(["bcftools", "index", "-f", part])
        parts.append(part)
    order_file = Path(work) / "order.txt"
    order_file.write_text("".join(f"{name}\n" for name in order))
    with atomic_path(out_vcf, suffix=".vcf.gz") as tmp_vcf, atomic_path(out_tbi, suffix=".tbi") as tmp_tbi:
        pipeline(
            ["bcftools", "merge", "--no-version", "-Ou", aligned_vcf, *parts],
            ["bcftools", "norm", "--no-version", "-f", fasta, "-m", "-any", "-Ou"],
            ["bcftools", "view", "--no-version", "-S", order_file, "-Oz", "-o", tmp_vcf],
        )
        run(["tabix", "-f", "-p", "vcf", tmp_vcf])
        os.replace(f"{tmp_vcf}.tbi", tmp_tbi)


def pileup_sites(samples, alignments, indexes, fasta, fai, sites, out_vcf, out_tbi, work, min_depth, min_mapq,
                 min_baseq):  # fmt: skip
    """Genotype the alignments of `samples` at `sites` from their reads (module docstring, steps 2-5)."""
    log = get_logger()
    order = {c: i for i, (c, _) in enumerate(read_fai(fai))}
    keys = normalised_keys(sites, fasta, fai, work)
    links = link_alignments(samples, alignments, indexes, work)
    bam_list, rg_file = Path(work) / "alignments.txt", Path(work) / "read_groups.txt"
    bam_list.write_text("".join(f"{link}\n" for link in links))
    rg_file.write_text(read_group_lines(samples, links))
    positions = sorted({k[:2] for k in keys}, key=lambda p: (order[p[0]], p[1]))
    targets = bgzip_tabix([f"{c}\t{p}\n" for c, p in positions], Path(work) / "positions.tsv")
    mpileup_bcf = Path(work) / "pileup.bcf"
    log.info("pileup of %d samples at %d positions", len(samples), len(positions))
    run([*mpileup_command(fasta, bam_list, rg_file, targets, min_mapq, min_baseq), "-o", mpileup_bcf])
    calls, template = {}, None
    passes = (("snv", "snv", False), ("indel", "indel", True), ("indel_fallback", "snv", True))
    for name, record_type, indel_sites in passes:
        wanted = [k for k in keys if is_indel(k[2], k[3]) == indel_sites]
        if not wanted:
            continue
        alleles = bgzip_tabix(alleles_lines(wanted, order), Path(work) / f"{name}.alleles.tsv")
        out = Path(work) / f"{name}.vcf"
        pipeline(*call_pass_commands(mpileup_bcf, record_type, alleles, fasta, out, min_depth))
        calls[name] = read_calls(out)
        template = template or out
    header = output_header(template, min_depth)
    counts = Counter()
    with atomic_path(out_vcf, suffix=".vcf.gz") as tmp_vcf, atomic_path(out_tbi, suffix=".tbi") as tmp_tbi:
        with pysam.VariantFile(tmp_vcf, "wz", header=header) as out:
            for site, key in zip(sites, keys):
                if is_indel(key[2], key[3]):
                    call = calls["indel"].get(key) or calls["indel_fallback"].get(key)
                else:
                    call = calls["snv"].get(key)
                counts["genotyped" if call else "no read"] += 1
                out.write(site_record(header, site, call, samples))
        run(["tabix", "-f", "-p", "vcf", tmp_vcf])
        os.replace(f"{tmp_vcf}.tbi", tmp_tbi)
    log.info("%d sites written: %d with reads in some sample, %d without", len(sites), counts["genotyped"],
             counts["no read"])  # fmt: skip
    return counts


def main(smk):
    log = setup_logging(smk.log[0])
    wanted = set(cohort_samples(smk.input.batch_qc))
    if not wanted:
        raise InputError("every sample failed QC (see results/qc/batch_qc.tsv): there is no cohort to genotype")
    order = [i for i, s in enumerate(smk.params.samples) if s in wanted]
    imported = list(smk.input.get("imported", []))  # rule genotype_ancestry_sites has no VCF rows to merge
    log.info(
        "genotyping %d QC-passing samples at the listed sites (caller folder %s), %d VCF files of VCF rows merged in",
        len(order), smk.wildcards.caller, len(imported),
    )  # fmt: skip
    genotype_sites(
        [smk.params.samples[i] for i in order],
        [smk.input.alignments[i] for i in order],
        [smk.input.indexes[i] for i in order],
        smk.input.fasta,
        smk.input.fai,
        list(smk.input.sites),
        smk.output.vcf,
        smk.output.tbi,
        min_depth=smk.params.min_depth,
        min_mapq=smk.params.min_mapq,
        min_baseq=smk.params.min_baseq,
        allow_empty=smk.params.get("allow_empty", False),
        imported=imported,
        order=[s for s in smk.params.get("sheet_samples", smk.params.samples) if s in wanted],
    )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821
