"""Known-sites genotyping (scripts/sites/genotype_sites.py, rule genotype_sites): every listed site x every sample.

Oracles: the demo simulation's truth VCF and its reference (hom-ref by construction away from truth variants, no
reads inside the N run); GIAB v3.3.2 truth genotypes of HG001 on the real trio; samtools depth for coverage;
hand-written tiny sites files and reference for the checks on input.
Size: 21 cases sharing the demo and trio fixtures at the top.
"""

import subprocess
from pathlib import Path

import pysam
import pytest
import yaml

from common.input_error import InputError
from inputs.config_loader import load_config
from sites.genotype_sites import alleles_lines, collect_sites, genotype_sites
from trio_data import TRIO, TRIO_BAMS, TRIO_TRUTH, trio_folder
from workflow_runner import demo_batch, demo_on_build_other, query, snakemake

BAMS, TRUTH = TRIO_BAMS, TRIO_TRUTH
TRIO_SAMPLES = ["HG001", "NA12891", "NA12892"]  # reads up to 20:10,010,000; HG002's reach 20:10,100,000
DEMO_SAMPLES = ["demo01", "demo02", "demo03", "demo04", "demo05", "demo06"]
HEADER = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def sites_vcf(path, rows):
    """A sites file from (contig, pos, id, ref, alt) rows, written by hand."""
    Path(path).write_text(HEADER + "".join(f"{c}\t{p}\t{i}\t{r}\t{a}\t.\t.\t.\n" for c, p, i, r, a in rows))
    return path


def unphased(gt):
    return "/".join(sorted(gt.replace("|", "/").split("/")))


def records(vcf, samples):
    """{(contig, pos, ref, alt): (id, {sample: (GT, DP)})} of an output VCF, via bcftools query."""
    out = {}
    for line in query(vcf, "%CHROM\t%POS\t%ID\t%REF\t%ALT[\t%GT:%DP]\n", "-s", ",".join(samples)):
        f = line.split("\t")
        calls = {s: (v.split(":")[0], int(v.split(":")[1])) for s, v in zip(samples, f[5:])}
        out[(f[0], int(f[1]), f[3], f[4])] = (f[2], calls)
    return out


# ---------------------------------------------------------------- the sites files, on a tiny hand-made reference


@pytest.fixture
def tiny_reference(tmp_path):
    """Contigs in the order chr2, chr10, chr1 (not sorted by name), 20 bp each."""
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">chr2\nACGTACGTACGTACGTACGT\n>chr10\nTTTTTGGGGGCCCCCAAAAA\n>chr1\nGATTACAGATTACAGATTAC\n")
    pysam.faidx(str(fasta))
    return fasta


def test_sites_are_split_merged_and_in_reference_order(tiny_reference, tmp_path):
    one = sites_vcf(tmp_path / "one.vcf", [("chr1", 2, "rs1", "A", "G"), ("chr2", 3, "rs2", "G", "A,T")])
    two = sites_vcf(tmp_path / "two.vcf", [("chr10", 6, "rs3", "G", "C"), ("chr1", 2, "rs1b", "A", "G")])
    sites = collect_sites([one, two], tiny_reference, f"{tiny_reference}.fai")
    got = [(s.contig, s.pos, s.ref, s.alt, s.ids) for s in sites]
    assert got == [
        ("chr2", 3, "G", "A", ("rs2",)),
        ("chr2", 3, "G", "T", ("rs2",)),
        ("chr10", 6, "G", "C", ("rs3",)),
        ("chr1", 2, "A", "G", ("rs1", "rs1b")),
    ]


def test_a_ref_that_disagrees_with_the_reference_is_refused_naming_file_and_record(tiny_reference, tmp_path):
    bad = sites_vcf(tmp_path / "panel.vcf", [("chr1", 1, "a", "G", "T"), ("chr1", 3, "b", "A", "C")])
    with pytest.raises(InputError, match=r"panel\.vcf: record chr1:3 A>C: REF A disagrees with the reference.* T"):
        collect_sites([bad], tiny_reference, f"{tiny_reference}.fai")


@pytest.mark.parametrize("alt", ["<DEL>", "*", "A"])
def test_alts_that_cannot_be_genotyped_are_refused(tiny_reference, tmp_path, alt):
    bad = sites_vcf(tmp_path / "panel.vcf", [("chr1", 2, "x", "A", alt)])
    with pytest.raises(InputError, match=r"panel\.vcf: record chr1:2 A>"):
        collect_sites([bad], tiny_reference, f"{tiny_reference}.fai")


def test_sites_on_absent_contigs_are_skipped_with_a_warning(tiny_reference, tmp_path, caplog):
    panel = sites_vcf(tmp_path / "panel.vcf", [("chr1", 2, "a", "A", "G"), ("chrX", 5, "b", "A", "G")])
    sites = collect_sites([panel], tiny_reference, f"{tiny_reference}.fai")
    assert [(s.contig, s.pos) for s in sites] == [("chr1", 2)]
    assert "panel.vcf: 1 records on contigs the reference lacks were skipped: chrX" in caplog.text


def test_sites_named_with_chr_on_a_plain_reference_take_the_references_names(tmp_path, caplog):
    # the contig-name rule (scripts/common/contig_names.py): chr1 -> 1, chrM -> MT; REFs read by hand off the FASTA
    caplog.set_level("INFO", logger="genorisk")
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">1\nGATTACAGATTACA\n>2\nACGTACGTACGT\n>MT\nCCCTTTAAAGGG\n")
    pysam.faidx(str(fasta))
    panel = sites_vcf(tmp_path / "panel.vcf", [("chr1", 2, "a", "A", "G"), ("chr2", 5, "b", "A", "G"),
                                               ("chrM", 7, "c", "A", "T"), ("chr22", 3, "d", "C", "T")])  # fmt: skip
    sites = collect_sites([panel], fasta, f"{fasta}.fai")
    assert [(s.contig, s.pos, s.ref, s.alt, s.ids) for s in sites] == [
        ("1", 2, "A", "G", ("a",)), ("2", 5, "A", "G", ("b",)), ("MT", 7, "A", "T", ("c",))
    ]  # fmt: skip
    assert "panel.vcf: contigs named otherwise in the reference: chr1->1, chr2->2, chrM->MT" in caplog.text
    assert "panel.vcf: 1 records on contigs the reference lacks were skipped: chr22" in caplog.text


def test_sites_all_off_the_reference_are_refused_naming_the_rule(tmp_path):
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">1\nGATTACAGATTACA\n>2\nACGTACGTACGT\n")
    pysam.faidx(str(fasta))
    panel = sites_vcf(tmp_path / "panel.vcf", [("chr10", 2, "a", "A", "G"), ("Chr2", 5, "b", "A", "G")])
    message = (r"none of the sites in panel\.vcf lies on a contig of the reference \(sites on Chr2, chr10; reference "
               r"contigs 1, 2; names are matched as written, else with 'chr' added")  # fmt: skip
    with pytest.raises(InputError, match=message):
        collect_sites([panel], fasta, f"{fasta}.fai")


def test_pharmcat_panel_on_a_plain_named_reference_lacking_its_contigs_is_refused(testdata):
    # PharmCAT's 1,202 GRCh38 positions are on chr1..chrX but none on chr20, the one contig of the trio's hs37d5
    # slice (named 20): mapped by the rule, every position is still on a contig the reference lacks.
    panel = testdata / "pharmcat_positions_grch38" / "pharmcat_positions.vcf"
    fasta = testdata / TRIO / "reference" / "hs37d5.chr20.fa.gz"
    message = (r"none of the sites in pharmcat_positions\.vcf lies on a contig of the reference \(sites on chr1, "
               r"chr10, chr12, chr13, chr16, \.\.\.; reference contigs 20;")  # fmt: skip
    with pytest.raises(InputError, match=message):
        collect_sites([panel], fasta, f"{fasta}.fai")


def test_config_sites_files_resolve_relative_to_the_config_folder(tmp_path, monkeypatch):
    schema = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"
    monkeypatch.chdir(tmp_path)
    given = {"samples": "s.tsv", "reference": "r.fa", "sites": {"files": ["panel.vcf", "/abs/other.vcf"]}}
    config = load_config(given, tmp_path / "batch", schema)
    assert config["sites"] == {"files": ["batch/panel.vcf", "/abs/other.vcf"], "min_depth": 8}
    assert load_config(given | {"sites": {}}, tmp_path, schema)["sites"] == {"files": [], "min_depth": 8}
    assert load_config(given, tmp_path, schema)["filters"] == {"min_qual": 20, "min_dp": 5, "min_gq": 10}


def test_alleles_at_one_position_are_written_against_the_longest_ref():
    # CAT>C (deletion) and C>CA (insertion) at one position: against REF CAT the insertion is CAAT (hand-made).
    keys = [("chr1", 10, "CAT", "C"), ("chr1", 10, "C", "CA"), ("chr1", 4, "G", "GT")]
    assert alleles_lines(keys, {"chr1": 0}) == ["chr1\t4\tG,GT\n", "chr1\t10\tCAT,C,CAAT\n"]


# ---------------------------------------------------------------- the real trio (GRCh37 "20")


@pytest.fixture(scope="module")
def trio(tmp_path_factory, plain_trio_reference):
    data = trio_folder()
    work = tmp_path_factory.mktemp("trio_sites")
    fasta = plain_trio_reference
    return data, work, fasta


def run_trio(trio, name, rows, samples=tuple(BAMS), min_depth=8):
    data, work, fasta = trio
    panel = sites_vcf(work / f"{name}.vcf", rows)
    out = work / f"{name}.out.vcf.gz"
    bams = [data / BAMS[s] for s in samples]
    genotype_sites(list(samples), bams, [f"{b}.bai" for b in bams], str(fasta), f"{fasta}.fai", [panel], out,
                   f"{out}.tbi", min_depth=min_depth)  # fmt: skip
    return out


def giab_hg001(data, contig, pos, ref, alt):
    """HG001's GIAB genotype at one site: the truth record's GT, or 0/0 (the window is inside the confident BED)."""
    lines = query(data / TRUTH, "%REF\t%ALT\t[%GT]\n", "-r", f"{contig}:{pos}-{pos}", "-s", "HG001")
    for line in lines:
        t_ref, t_alt, gt = line.split("\t")
        if (t_ref, t_alt) == (ref, alt):
            return unphased(gt)
    return "0/0"


COVERED = [  # inside the reads and the GIAB confident BED: het SNV, hom SNV, het deletion, hom deletion, hom-ref
    ("20", 10_000_117, "rs4816203", "C", "T"),
    ("20", 10_000_439, "rs4816204", "T", "G"),
    ("20", 10_004_769, "rs5840348", "TAAAACTATGC", "T"),
    ("20", 10_008_146, "rs5840350", "TA", "T"),
    ("20", 10_003_000, "homref", "A", "G"),
]
UNCOVERED_FOR_TRIO = [("20", 10_050_000, "out1", "A", "G"), ("20", 10_060_000, "out2", "C", "T"),
                      ("20", 10_070_000, "out3", "G", "A")]  # fmt: skip


def samtools_depth(data, sample, contig, pos):
    out = subprocess.run(["samtools", "depth", "-a", "-r", f"{contig}:{pos}-{pos}", str(data / BAMS[sample])],
                         capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    return int(out[2]) if out else 0


def test_trio_covered_sites_match_giab_and_uncovered_ones_are_no_calls(trio):
    data = trio[0]
    out = run_trio(trio, "main", COVERED + UNCOVERED_FOR_TRIO)
    got = records(out, list(BAMS))
    assert list(got) == sorted(((c, p, r, a) for c, p, _, r, a in COVERED + UNCOVERED_FOR_TRIO), key=lambda k: k[1])
    for contig, pos, site_id, ref, alt in COVERED:
        ids, calls = got[(contig, pos, ref, alt)]
        assert ids == site_id
        assert unphased(calls["HG001"][0]) == giab_hg001(data, contig, pos, ref, alt), (pos, calls)
        assert all(dp >= 8 and gt != "./." for gt, dp in calls.values()), (pos, calls)
    for contig, pos, _, ref, alt in UNCOVERED_FOR_TRIO:
        _, calls = got[(contig, pos, ref, alt)]
        assert [calls[s] for s in TRIO_SAMPLES] == [("./.", 0)] * 3
        assert [samtools_depth(data, s, contig, pos) for s in TRIO_SAMPLES] == [0, 0, 0]
        # HG002's reads do reach here: it is genotyped (hom-ref: no GIAB truth for it, but the same alleles as
        # the reference), with a DP no larger than what samtools counts (bcftools drops BAQ-0 bases).
        gt, dp = calls["HG002"]
        assert gt == "0/0" and 8 <= dp <= samtools_depth(data, "HG002", contig, pos)


def test_trio_without_any_read_at_a_site_still_gets_a_record(trio):
    # Only the trio: nobody has reads at 10,050,000, so mpileup writes nothing there; the record is still written.
    out = run_trio(trio, "nobody", COVERED[:1] + UNCOVERED_FOR_TRIO[:1], samples=TRIO_SAMPLES)
    got = records(out, TRIO_SAMPLES)
    assert got[("20", 10_050_000, "A", "G")] == ("out1", {s: ("./.", 0) for s in TRIO_SAMPLES})
    assert query(out, "[%AD ]\n", "-r", "20:10050000") == ["0,0 0,0 0,0 "]


def test_trio_multiallelic_definition_is_split(trio):
    # GIAB: HG001 is C>T (1|0) at 10,000,211; listed as C>T,G the G record says no G (0/0), as bcftools norm -m- does.
    out = run_trio(trio, "multi", [("20", 10_000_211, "rs4813908", "C", "T,G")], samples=TRIO_SAMPLES)
    got = records(out, TRIO_SAMPLES)
    assert list(got) == [("20", 10_000_211, "C", "G"), ("20", 10_000_211, "C", "T")]
    assert got[("20", 10_000_211, "C", "T")][1]["HG001"][0] == giab_hg001(trio[0], "20", 10_000_211, "C", "T") == "0/1"
    assert got[("20", 10_000_211, "C", "G")][1]["HG001"][0] == "0/0"


def test_trio_indel_listed_right_shifted_is_matched_and_written_as_listed(trio):
    # The reference is TAAAAAAACA from 20:10,008,146: deleting one A is GIAB's TA>T at 10,008,146 (HG001 1|1),
    # or, shifted right, AA>A at 10,008,152. The site keeps its own representation and gets the genotype.
    assert giab_hg001(trio[0], "20", 10_008_146, "TA", "T") == "1/1"
    out = run_trio(trio, "shifted", [("20", 10_008_152, "shifted", "AA", "A")], samples=TRIO_SAMPLES)
    assert list(records(out, TRIO_SAMPLES)) == [("20", 10_008_152, "AA", "A")]
    ((_, calls),) = records(out, TRIO_SAMPLES).values()
    assert calls["HG001"][0] == "1/1"


def test_trio_sample_with_an_unlisted_allele_is_a_no_call_not_reference(trio):
    # GIAB: HG001 is G/G at 10,000,439 (T>G). Listed as T>A, the reads fit no listed genotype: ./., never 0/0.
    assert giab_hg001(trio[0], "20", 10_000_439, "T", "G") == "1/1"
    out = run_trio(trio, "unlisted", [("20", 10_000_439, "x", "T", "A")], samples=TRIO_SAMPLES)
    (_, calls), = records(out, TRIO_SAMPLES).values()  # fmt: skip
    assert calls["HG001"][0] == "./." and calls["HG001"][1] >= 8


def test_trio_genotypes_below_min_depth_are_no_calls_with_their_depth(trio):
    out = run_trio(trio, "deep", COVERED, samples=TRIO_SAMPLES, min_depth=25)
    calls = [c for _, sample_calls in records(out, TRIO_SAMPLES).values() for c in sample_calls.values()]
    shallow = [(gt, dp) for gt, dp in calls if dp < 25]
    assert shallow and all(gt == "./." for gt, _ in shallow)  # DP kept, GT missing
    assert all(gt != "./." for gt, dp in calls if dp >= 25)


# ---------------------------------------------------------------- the demo batch through the workflow


def demo_sites(workdir):
    """10 truth variants (8 SNVs, 2 indels), 10 positions >= 300 bp from any variant in the windows' cores
    (regions.bed), 2 in the N between windows; the demo reference as every rule reads it (resources/reference)."""
    truth = [
        tuple(line.split("\t")) for line in query(workdir / "resources/demo/truth.vcf.gz", "%CHROM\t%POS\t%REF\t%ALT\n")
    ]
    truth = [(c, int(p), r, a) for c, p, r, a in truth]
    snvs = [t for t in truth if len(t[2]) == len(t[3]) == 1][:8]
    indels = [t for t in truth if len(t[2]) != len(t[3])][:2]
    fasta = pysam.FastaFile(str(workdir / "resources/reference/genome.fa"))
    cores = [line.split("\t") for line in (workdir / "resources/demo/regions.bed").read_text().splitlines()]
    homref = []
    for contig, start, end in cores[::3]:
        candidates = range(int(start) + 50, int(end) - 50, 97)
        pos = next((p for p in candidates if all(c != contig or abs(p - v) >= 300 for c, v, _, _ in truth)), None)
        if pos is not None and len(homref) < 10:
            ref = fasta.fetch(contig, pos - 1, pos)
            homref.append((contig, pos, ref, "A" if ref != "A" else "C"))
    n_run = [("chr1", 1_000_000, "N", "A"), ("chr10", 50_000_000, "N", "C")]
    assert [fasta.fetch(c, p - 1, p) for c, p, _, _ in n_run] == ["N", "N"]
    return snvs + indels, homref, n_run


@pytest.fixture(scope="module")
def demo_sites_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("demo_sites")
    configfile = demo_batch(workdir)
    # build "other": the carrier panel's sites stay out, and no ClinVar VCF: only this test's sites are genotyped
    config = yaml.safe_load(demo_on_build_other(configfile).read_text()) | {"clinvar": {"vcf": None}}
    configfile.write_text(yaml.safe_dump(config))
    snakemake(
        workdir, "--cores", "2", "resources/demo/truth.vcf.gz", "resources/reference/genome.fa", configfile=configfile
    )
    variants, homref, n_run = demo_sites(workdir)
    rows = [(c, p, f"site{i}", r, a) for i, (c, p, r, a) in enumerate(variants + homref + n_run)]
    sites_vcf(configfile.parent / "sites.vcf", rows)  # the sites file exists before the config names it
    configfile.write_text(yaml.safe_dump(config | {"sites": {"files": ["sites.vcf"]}}))
    plan = snakemake(workdir, "-n", "--cores", "2", configfile=configfile)
    snakemake(workdir, "--cores", "2", "results/calls/bcftools/sites.vcf.gz", configfile=configfile)
    return workdir, variants, homref, n_run, plan.stdout + plan.stderr


def test_demo_default_targets_include_the_sites_when_configured(demo_sites_run):
    assert "genotype_sites" in demo_sites_run[4]


def test_demo_every_site_times_every_sample(demo_sites_run):
    workdir, variants, homref, n_run, _ = demo_sites_run
    out = workdir / "results/calls/bcftools/sites.vcf.gz"
    got = records(out, DEMO_SAMPLES)
    names = subprocess.run(
        ["bcftools", "query", "-l", str(out)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert names == DEMO_SAMPLES
    assert sorted(got) == sorted(variants + homref + n_run)
    order = {line.split("\t")[0]: i for i, line in enumerate((workdir / "resources/reference/genome.fa.fai").open())}
    assert list(got) == sorted(got, key=lambda k: (order[k[0]], k[1]))  # reference order
    assert (workdir / "results/calls/bcftools/sites.vcf.gz.tbi").is_file()


def test_demo_truth_sites_have_the_truth_genotypes(demo_sites_run):
    workdir, variants, *_ = demo_sites_run
    got = records(workdir / "results/calls/bcftools/sites.vcf.gz", DEMO_SAMPLES)
    truth = {}
    for line in query(workdir / "resources/demo/truth.vcf.gz", "%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n"):
        f = line.split("\t")
        truth[(f[0], int(f[1]), f[2], f[3])] = dict(zip(DEMO_SAMPLES, f[4:]))
    wrong = [
        (k, s, truth[k][s], got[k][1][s]) for k in variants for s in DEMO_SAMPLES if truth[k][s] != got[k][1][s][0]
    ]
    assert not wrong


def test_demo_homref_sites_are_0_0_with_the_depth_samtools_counts(demo_sites_run):
    workdir, _, homref, _, _ = demo_sites_run
    got = records(workdir / "results/calls/bcftools/sites.vcf.gz", DEMO_SAMPLES)
    sheet = dict(line.split("\t")[:2] for line in (workdir / "config/samples.tsv").read_text().splitlines()[1:])
    bed = workdir / "homref.bed"
    bed.write_text("".join(f"{c}\t{p - 1}\t{p}\n" for c, p, _, _ in homref))
    for sample in DEMO_SAMPLES:
        reference = str(workdir / "resources/reference/genome.fa")
        depth_cmd = [
            "samtools",
            "depth",
            "-a",
            "-b",
            str(bed),
            "--reference",
            reference,
            str(workdir / "config" / sheet[sample]),
        ]
        lines = subprocess.run(depth_cmd, capture_output=True, text=True, check=True).stdout.splitlines()
        depth = {(c, int(p)): int(d) for c, p, d in (line.split("\t") for line in lines)}
        for contig, pos, ref, alt in homref:
            gt, dp = got[(contig, pos, ref, alt)][1][sample]
            assert gt == "0/0", (contig, pos, sample, gt, dp)
            # ~25x simulated; bcftools leaves out bases whose BAQ-capped quality is 0, samtools counts them
            assert 10 <= dp <= depth[(contig, pos)] <= dp + 3, (contig, pos, sample, dp, depth[(contig, pos)])


def test_demo_n_run_sites_are_no_calls_with_depth_0(demo_sites_run):
    workdir, _, _, n_run, _ = demo_sites_run
    got = records(workdir / "results/calls/bcftools/sites.vcf.gz", DEMO_SAMPLES)
    for key in n_run:
        assert got[key][1] == {s: ("./.", 0) for s in DEMO_SAMPLES}


def test_trio_vcf_row_is_merged_in_as_its_vcf_gives_it_and_lacking_positions_are_no_calls(trio):
    """HG001 as a VCF row (GIAB's truth, variant records only) beside its parents' alignments: at each site it has
    the truth's genotype where the truth has the record, ./. where the truth lacks the position (never 0/0); the
    parents keep the genotypes they get without it; the samples come in the given sheet order."""
    from calling.import_vcf import import_vcf

    data, work, fasta = trio
    bed = work / "row_window.bed"
    bed.write_text("20\t9999999\t10100000\n")
    bcf = work / "hg001_row.bcf"
    import_vcf(str(data / TRUTH), [("HG001V", "HG001")], str(fasta), f"{fasta}.fai", bed, bcf, f"{bcf}.csi",
               work / "row.tsv", work / "row_mismatch.tsv")  # fmt: skip
    rows = COVERED + UNCOVERED_FOR_TRIO
    parents = ("NA12891", "NA12892")
    alone = records(run_trio(trio, "parents_alone", rows, samples=parents), list(parents))
    panel = work / "parents_alone.vcf"
    out = work / "with_row.out.vcf.gz"
    bams = [data / BAMS[s] for s in parents]
    genotype_sites(list(parents), bams, [f"{b}.bai" for b in bams], str(fasta), f"{fasta}.fai", [panel], out,
                   f"{out}.tbi", imported=[bcf], order=["NA12891", "HG001V", "NA12892"])  # fmt: skip
    assert query(out, "[%SAMPLE\t]\n")[0].split() == ["NA12891", "HG001V", "NA12892"]
    merged = {}
    for line in query(out, "%CHROM\t%POS\t%REF\t%ALT[\t%GT:%DP]\n"):
        f = line.split("\t")
        merged[(f[0], int(f[1]), f[2], f[3])] = dict(zip(["NA12891", "HG001V", "NA12892"], f[4:], strict=True))
    n_truth = 0
    for contig, pos, _, ref, alt in rows:
        calls = merged[(contig, pos, ref, alt)]
        truth = [line.split("\t") for line in query(data / TRUTH, "%REF\t%ALT\t[%GT]\n", "-r", f"{contig}:{pos}-{pos}")]
        expected = next((unphased(gt) for t_ref, t_alt, gt in truth if (t_ref, t_alt) == (ref, alt)), "./.")
        n_truth += expected != "./."
        got = calls["HG001V"].split(":")[0]
        assert (got if got == "./." else unphased(got)) == expected, (pos, calls)
        assert {s: calls[s] for s in parents} == {
            s: f"{gt}:{dp}" for s, (gt, dp) in alone[(contig, pos, ref, alt)][1].items()
        }
    assert n_truth == 4  # the four GIAB variants of COVERED; 'homref' and the uncovered three are absent from it
