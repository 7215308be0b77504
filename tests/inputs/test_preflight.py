"""Preflight checks on tiny inputs made here with pysam and samtools.

Oracles from outside the code under test: samtools quickcheck (truncated or not), samtools dict
(reference MD5s), samtools view -C (the CRAM EOF container and the M5 tags), samtools sort -n
(a queryname-sorted BAM), and the file facts the tests set up by hand (names, lengths, mtimes).
Size: 27 cases sharing the BAM/CRAM/FASTA builders at the top.
"""

import os
import shutil
import subprocess
import time

import numpy as np
import pysam
import pytest

from common.input_error import InputError
from inputs.preflight import (
    CRAM_EOF,
    MD5_BUDGET_BASES,
    check_inputs,
    check_reference,
    reference_md5s,
    sequence_md5,
)

CONTIGS = {"20": 3000, "21": 2000}


def random_seq(rng, n):
    return "".join(np.array(list("ACGT"))[rng.integers(0, 4, n)])


def write_fasta(path, seqs, index=True):
    with open(path, "w") as fh:
        for name, seq in seqs.items():
            fh.write(f">{name}\n")
            fh.writelines(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60))
    if index:
        subprocess.run(["samtools", "faidx", str(path)], check=True)
    return path


@pytest.fixture
def reference(tmp_path):
    rng = np.random.default_rng(7)
    seqs = {name: random_seq(rng, n) for name, n in CONTIGS.items()}
    return write_fasta(tmp_path / "ref.fa", seqs), seqs


def write_bam(path, contigs=CONTIGS, sort_order="coordinate", starts=(100, 200, 300), index=True):
    """A BAM with one 50 bp read at each start on the first contig (in the given order)."""
    header = {"SQ": [{"SN": n, "LN": ln} for n, ln in contigs.items()]}
    if sort_order:
        header["HD"] = {"VN": "1.6", "SO": sort_order}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i, start in enumerate(starts):
            read = pysam.AlignedSegment(out.header)
            read.query_name, read.reference_id, read.reference_start = f"r{i}", 0, start
            read.cigarstring, read.mapping_quality = "50M", 60
            read.query_sequence, read.query_qualities = "A" * 50, pysam.qualitystring_to_array("I" * 50)
            out.write(read)
    if index:
        pysam.index(str(path))
    return path


def to_cram(bam, fasta, out):
    subprocess.run(["samtools", "view", "-C", "-T", str(fasta), "-o", str(out), str(bam)], check=True)
    return out


def sheet_rows(*paths):
    """{sample: row} as read_sample_sheet returns it: S1, S2, ... in order, rows numbered from 1."""
    return {f"S{i}": {"alignment": str(p), "row": i} for i, p in enumerate(paths, start=1)}


def quickcheck_ok(path):
    return subprocess.run(["samtools", "quickcheck", str(path)], capture_output=True).returncode == 0


def test_good_batch_passes_and_notes_the_missing_index(tmp_path, reference):
    fasta, _ = reference
    a = write_bam(tmp_path / "a.bam")
    b = write_bam(tmp_path / "b.bam", index=False)
    c = to_cram(a, fasta, tmp_path / "c.cram")
    notes = check_inputs(sheet_rows(a, b, c), str(fasta), "samples.tsv")
    assert any("2 of 3 alignments have no index beside them (S2, S3)" in n for n in notes)
    assert any("3 alignments (2 BAM, 1 CRAM)" in n for n in notes)


def test_truncated_bam_is_named_with_its_row(tmp_path, reference):
    fasta, _ = reference
    good = write_bam(tmp_path / "good.bam")
    cut = tmp_path / "cut.bam"
    cut.write_bytes(good.read_bytes()[:-28])  # drop the 28-byte BGZF EOF block
    assert quickcheck_ok(good) and not quickcheck_ok(cut)
    expected = r"^samples\.tsv row 2 \(sample 'S2'\): cut\.bam is truncated: .*BGZF end-of-file"
    with pytest.raises(InputError, match=expected):
        check_inputs(sheet_rows(good, cut), str(fasta), "samples.tsv")


def test_cram_eof_container_is_what_samtools_writes_and_a_cut_cram_is_truncated(tmp_path, reference):
    fasta, _ = reference
    bam = write_bam(tmp_path / "a.bam")
    cram3 = to_cram(bam, fasta, tmp_path / "v3.cram")
    cram21 = tmp_path / "v21.cram"
    subprocess.run(["samtools", "view", "-O", "cram,version=2.1", "-T", str(fasta), "-o", str(cram21), str(bam)],
                   check=True)  # fmt: skip
    assert cram3.read_bytes()[-38:] == CRAM_EOF[3]
    assert cram21.read_bytes()[4] == 2 and cram21.read_bytes()[-30:] == CRAM_EOF[2]
    old_style = tmp_path / "old.cram"  # early writers put 0xff in byte 8 of the EOF container; htslib masks it
    data = bytearray(cram21.read_bytes())
    data[-30 + 8] = 0xFF
    old_style.write_bytes(bytes(data))
    assert quickcheck_ok(old_style)
    cut = tmp_path / "cut.cram"
    cut.write_bytes(cram3.read_bytes()[:-38])
    assert not quickcheck_ok(cut)
    check_inputs(sheet_rows(cram3, cram21, old_style), str(fasta), "samples.tsv")
    with pytest.raises(InputError, match=r"row 1 \(sample 'S1'\): cut\.cram is truncated: .*CRAM end-of-file"):
        check_inputs(sheet_rows(cut), str(fasta), "samples.tsv")


def test_queryname_sorted_bam_is_refused(tmp_path, reference):
    fasta, _ = reference
    bam = write_bam(tmp_path / "a.bam", index=False)
    by_name = tmp_path / "byname.bam"
    subprocess.run(["samtools", "sort", "-n", "-o", str(by_name), str(bam)], check=True)
    with pytest.raises(InputError, match=r"byname\.bam is not sorted by coordinate \(its header says SO:queryname\); "
                                         r"sort it with samtools sort"):  # fmt: skip
        check_inputs(sheet_rows(by_name), str(fasta), "samples.tsv")


def test_no_sort_order_is_accepted_only_with_an_index(tmp_path, reference):
    fasta, _ = reference
    indexed = write_bam(tmp_path / "indexed.bam", sort_order=None)
    check_inputs(sheet_rows(indexed), str(fasta), "samples.tsv")
    bare = write_bam(tmp_path / "bare.bam", sort_order=None, starts=(300, 100), index=False)
    with pytest.raises(InputError, match=r"bare\.bam does not declare coordinate order \(no @HD SO:coordinate"):
        check_inputs(sheet_rows(bare), str(fasta), "samples.tsv")


@pytest.mark.parametrize(
    ("contigs", "message"),
    [
        ({"chr20": 3000, "chr21": 2000}, r"contig '20' is not in the alignment header: the alignment names it 'chr20'"
                                         r" and the reference ref\.fa names it '20'"),
        ({"20": 3001, "21": 2000}, r"contig '20' has length 3001 in the alignment but 3000 in the reference ref\.fa: "
                                   r"a different genome build"),
        ({"1": 3000}, r"contig '20' is not in the alignment header \(it has '1'\): it was aligned to another "
                      r"reference"),
    ],
)  # fmt: skip
def test_contig_names_and_lengths_must_match_the_reference(tmp_path, reference, contigs, message):
    fasta, _ = reference
    bam = write_bam(tmp_path / "a.bam", contigs=contigs)
    with pytest.raises(InputError, match=message):
        check_inputs(sheet_rows(bam), str(fasta), "samples.tsv")


def test_extra_header_contigs_are_fine_and_regions_limit_what_is_needed(tmp_path, reference):
    fasta, _ = reference
    only_20 = write_bam(tmp_path / "a.bam", contigs={"20": 3000, "X": 155})
    with pytest.raises(InputError, match=r"contig '21' is not in the alignment header"):
        check_inputs(sheet_rows(only_20), str(fasta), "samples.tsv")
    bed = tmp_path / "regions.bed"
    bed.write_text("#comment\n20\t0\t100\n")
    check_inputs(sheet_rows(only_20), str(fasta), "samples.tsv", regions=str(bed))
    with pytest.raises(InputError, match=r"regions BED .*nope\.bed does not exist"):
        check_inputs(sheet_rows(only_20), str(fasta), "samples.tsv", regions=str(tmp_path / "nope.bed"))


def test_without_an_up_to_date_fai_the_contig_check_is_left_to_the_jobs(tmp_path, reference):
    fasta, _ = reference
    bam = write_bam(tmp_path / "a.bam", contigs={"chr20": 3000})
    fai = tmp_path / "ref.fa.fai"
    past = time.time() - 3600
    os.utime(fai, (past, past))  # older than the FASTA: stale, as htslib judges it
    notes = check_inputs(sheet_rows(bam), str(fasta), "samples.tsv")
    assert any("no up-to-date .fai" in n for n in notes)
    fai.unlink()
    assert check_reference(str(fasta)).lengths is None


def test_sequence_md5_equals_samtools_dict(tmp_path, reference):
    fasta, _ = reference
    out = subprocess.run(["samtools", "dict", str(fasta)], capture_output=True, text=True, check=True).stdout
    expected = {t["SN"]: t["M5"] for t in (dict(f.split(":", 1) for f in line.split("\t")[1:])
                                           for line in out.splitlines() if line.startswith("@SQ"))}  # fmt: skip
    assert {c: sequence_md5(fasta, c, n) for c, n in CONTIGS.items()} == expected
    # soft-masked (lower-case) sequence has the same M5 (the SAM spec upper-cases before hashing)
    masked = write_fasta(tmp_path / "masked.fa", {"20": "acgtN" * 10})
    dict_line = subprocess.run(["samtools", "dict", str(masked)], capture_output=True, text=True, check=True).stdout
    assert sequence_md5(masked, "20", 50) == dict_line.split("M5:")[1].split("\t")[0]


def test_cram_made_with_another_reference_is_refused(tmp_path, reference):
    fasta, seqs = reference
    other_seqs = dict(seqs)
    other_seqs["20"] = ("C" if seqs["20"][150] != "C" else "G").join([seqs["20"][:150], seqs["20"][151:]])
    other = write_fasta(tmp_path / "other.fa", other_seqs)
    cram = to_cram(write_bam(tmp_path / "a.bam"), other, tmp_path / "a.cram")
    good = to_cram(write_bam(tmp_path / "b.bam"), fasta, tmp_path / "b.cram")
    expected = (
        r"row 1 \(sample 'S1'\): a\.cram: the CRAM was made with a different reference: "
        r"contig '20' has M5 [0-9a-f]{32} in its header but MD5 [0-9a-f]{32} in ref\.fa"
    )
    with pytest.raises(InputError, match=expected):
        check_inputs(sheet_rows(cram, good), str(fasta), "samples.tsv")


def test_md5s_come_from_a_dict_when_the_fasta_cannot_be_fetched(tmp_path, reference):
    fasta, _ = reference
    gz = tmp_path / "ref.fa.gz"
    subprocess.run(f"bgzip -c {fasta} > {gz} && samtools faidx {gz}", shell=True, check=True)
    (tmp_path / "ref.fa.gz.gzi").unlink()  # no .gzi: a bgzipped FASTA cannot be fetched from
    info = check_reference(str(gz))
    assert info.lengths == CONTIGS and not info.can_fetch
    assert reference_md5s(info, ["20"]) == ({}, ["20"])
    subprocess.run(["samtools", "dict", "-o", str(tmp_path / "ref.dict"), str(fasta)], check=True)
    info = check_reference(str(gz))
    md5, skipped = reference_md5s(info, ["20", "21"])
    assert skipped == [] and md5["20"] == sequence_md5(fasta, "20", 3000)


def test_md5_budget_hashes_the_smallest_contigs_first(reference):
    fasta, _ = reference
    info = check_reference(str(fasta))
    md5, skipped = reference_md5s(info, ["20", "21"], budget=2500)
    assert list(md5) == ["21"] and skipped == ["20"]
    assert MD5_BUDGET_BASES >= 250_000_000  # chrY (57 Mb) and the small autosomes fit


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"reference FASTA .*ref\.fa does not exist"),
        (b"", r"reference FASTA .*ref\.fa is empty"),
        (b"\n\n", r"reference FASTA .*ref\.fa is empty \(no '>' header line\)"),
        (b"chrom\tpos\n1\t100\n", r"ref\.fa does not look like FASTA: it should start with a '>' header line but "
                                  r"starts with 'chrom\\tpos'"),
        (b"BZh91AY&SY", r"ref\.fa is compressed with bzip2"),
        (b"\x1f\x8b\x08\x00garbage", r"ref\.fa is not a readable gzip/bgzip file"),
    ],
)  # fmt: skip
def test_bad_reference_is_refused(tmp_path, content, message):
    ref = tmp_path / "ref.fa"
    if content is not None:
        ref.write_bytes(content)
    with pytest.raises(InputError, match=message):
        check_inputs({}, str(ref), "samples.tsv")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.bam", b"", r"alignment a\.bam is empty"),
        ("a.bam", b"@HD\tVN:1.6\n", r"alignment a\.bam is not a BAM or CRAM file \(SAM text"),
        ("a.bam", b"\x1f\x8b\x08\x04" + b"\x00" * 30, r"a\.bam is truncated"),
    ],
)
def test_not_an_alignment_is_refused(tmp_path, reference, name, content, message):
    fasta, _ = reference
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=message):
        check_inputs(sheet_rows(tmp_path / name), str(fasta), "samples.tsv")


def test_gzipped_text_named_bam_and_cram_named_bam_are_refused(tmp_path, reference):
    fasta, _ = reference
    text = tmp_path / "text.bam"
    subprocess.run(f"printf 'hello\\n' | bgzip -c > {text}", shell=True, check=True)
    with pytest.raises(InputError, match=r"text\.bam: its BAM header cannot be read"):
        check_inputs(sheet_rows(text), str(fasta), "samples.tsv")
    cram_named_bam = to_cram(write_bam(tmp_path / "a.bam"), fasta, tmp_path / "x.bam")
    with pytest.raises(InputError, match=r"x\.bam is a CRAM file but its name does not end in \.cram: rename it"):
        check_inputs(sheet_rows(cram_named_bam), str(fasta), "samples.tsv")


def test_header_without_sq_lines_is_refused(tmp_path, reference):
    fasta, _ = reference
    bam = tmp_path / "nosq.bam"
    with pysam.AlignmentFile(str(bam), "wb", header={"HD": {"VN": "1.6", "SO": "coordinate"}}):
        pass
    with pytest.raises(InputError, match=r"nosq\.bam has no @SQ lines in its header"):
        check_inputs(sheet_rows(bam), str(fasta), "samples.tsv")


def test_every_problem_of_the_batch_is_in_one_error(tmp_path, reference):
    fasta, _ = reference
    good = write_bam(tmp_path / "good.bam")
    cut = tmp_path / "cut.bam"
    cut.write_bytes(good.read_bytes()[:-28])
    chr_named = write_bam(tmp_path / "chr.bam", contigs={"chr20": 3000, "chr21": 2000})
    with pytest.raises(InputError) as error:
        check_inputs(sheet_rows(good, cut, chr_named), str(fasta), "samples.tsv")
    lines = str(error.value).splitlines()
    assert lines[0] == "2 alignments have problems:"
    assert lines[1].startswith("  samples.tsv row 2 (sample 'S2'): cut.bam is truncated")
    assert lines[2].startswith("  samples.tsv row 3 (sample 'S3'): chr.bam: contig '20' is not in the alignment header")


def test_files_the_workflow_makes_are_skipped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    samples = {"demo01": {"alignment": "resources/demo/demo01.bam", "row": 1}}
    notes = check_inputs(samples, "resources/demo/reference.fa", "samples.tsv",
                         may_be_made={"resources/demo/reference.fa", "resources/demo/demo01.bam"})  # fmt: skip
    assert any("0 alignments" in n and "1 made by the workflow" in n for n in notes)


def test_2500_sample_sheet_is_checked_within_a_few_seconds(tmp_path, testdata):
    """Real trio header (86 @SQ lines); every row its own symlink, as a batch of 2,500 distinct files."""
    data = testdata / "giab_ceph_trio_hg002_chr20_grch37"
    src = data / "bam" / "HG002_NIST_150bp_downsampled_30x.chr20.10_10p1mb.bam"
    paths = []
    for i in range(2500):
        link = tmp_path / f"S{i}.bam"
        os.symlink(src, link)
        paths.append(link)
    started = time.perf_counter()
    notes = check_inputs(sheet_rows(*paths), str(data / "reference" / "hs37d5.chr20.fa.gz"), "samples.tsv")
    elapsed = time.perf_counter() - started
    print(f"preflight of 2,500 alignments: {elapsed:.2f} s")
    assert any("2500 of 2500 alignments have no index" in n for n in notes)
    assert elapsed < 10  # measured 0.5 s here (3.2 s with 3,366-contig headers)


def test_unreadable_alignment_is_named(tmp_path, reference):
    if os.geteuid() == 0:
        pytest.skip("root reads every file: a permission error cannot be made")
    fasta, _ = reference
    bam = write_bam(tmp_path / "a.bam")
    bam.chmod(0)
    try:
        with pytest.raises(InputError, match=r"alignment a\.bam cannot be read"):
            check_inputs(sheet_rows(bam), str(fasta), "samples.tsv")
    finally:
        bam.chmod(0o644)
        shutil.rmtree(tmp_path, ignore_errors=True)


# ---------------------------------------------------------------- VCF rows (samples that arrive already called)


def write_vcf(path, samples, contigs=None, gvcf=False):
    """A tiny VCF with `samples` columns, ##contig lines {name: length or None} and one record on contig 20."""
    lines = ["##fileformat=VCFv4.2", '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">']
    for name, length in (contigs if contigs is not None else CONTIGS).items():
        lines.append(f"##contig=<ID={name}" + (f",length={length}>" if length else ">"))
    if gvcf:
        lines += ['##ALT=<ID=*,Description="any other allele">',
                  '##INFO=<ID=END,Number=1,Type=Integer,Description="End of the block">']  # fmt: skip
    columns, values = (["FORMAT", *samples], ["GT", *(["0/1"] * len(samples))]) if samples else ([], [])
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", *columns]))
    lines.append("\t".join(["20", "100", ".", "A", "C", ".", ".", ".", *values]))
    path.write_text("\n".join(lines) + "\n")
    return path


def vcf_rows(*rows):
    """{sample: row} with 'vcf' (and 'vcf_sample' when given), rows numbered from 1."""
    out = {}
    for i, (path, column) in enumerate(rows, start=1):
        out[f"V{i}"] = {"vcf": str(path), "row": i, **({"vcf_sample": column} if column else {})}
    return out


def test_vcf_rows_are_checked_and_counted_with_the_alignments(tmp_path, reference):
    fasta, _ = reference
    multi = write_vcf(tmp_path / "multi.vcf", ["NA1", "NA2", "NA3"])
    single = write_vcf(tmp_path / "one.g.vcf", ["X"], gvcf=True)
    rows = vcf_rows((multi, "NA1"), (multi, "NA3"), (single, None))
    rows["A1"] = {"alignment": str(write_bam(tmp_path / "a.bam")), "row": 4}
    notes = check_inputs(rows, str(fasta), "samples.tsv")
    assert any("1 alignments (1 BAM, 0 CRAM), 2 VCF files (1 gVCF) for 3 samples" in n for n in notes), notes


@pytest.mark.parametrize(
    ("samples", "column", "message"),
    [
        (["NA1", "NA2"], "NA9", r"row 1 \(sample 'V1'\): v\.vcf has no sample column 'NA9' \(vcf_sample\); it has 2"),
        (["NA1", "NA2"], None, r"row 1 \(sample 'V1'\): v\.vcf has 2 sample columns: name this row's column"),
        ([], None, r"v\.vcf has no sample columns \(a sites-only VCF\)"),
    ],
)
def test_vcf_row_without_its_column_is_refused(tmp_path, reference, samples, column, message):
    fasta, _ = reference
    vcf = write_vcf(tmp_path / "v.vcf", samples)
    with pytest.raises(InputError, match=message):
        check_inputs(vcf_rows((vcf, column)), str(fasta), "samples.tsv")


def test_vcf_of_chr_named_contigs_is_read_under_the_reference_names(tmp_path, reference):
    fasta, _ = reference  # its contigs are '20' and '21'
    vcf = write_vcf(tmp_path / "v.vcf", ["X"], contigs={"chr20": 3000, "chr21": 2500})
    notes = check_inputs(vcf_rows((vcf, None)), str(fasta), "samples.tsv")
    assert "v.vcf: its contigs are read under the reference's names ('chr20' as '20')" in notes
    assert any("##contig 21 has length 2500 in the VCF header but 2000 in the reference" in n for n in notes)


def test_vcf_of_contigs_the_reference_lacks_under_either_name_is_refused(tmp_path, reference):
    fasta, _ = reference
    vcf = write_vcf(tmp_path / "v.vcf", ["X"], contigs={"scaffold_1": 3000})
    with pytest.raises(InputError, match=r"v\.vcf: none of its ##contig names is a reference contig \(it has 'scaff"):
        check_inputs(vcf_rows((vcf, None)), str(fasta), "samples.tsv")


def test_vcf_contig_length_of_another_build_is_a_warning_only(tmp_path, reference):
    fasta, _ = reference
    vcf = write_vcf(tmp_path / "v.vcf", ["X"], contigs={"20": 3500, "21": None})
    notes = check_inputs(vcf_rows((vcf, None)), str(fasta), "samples.tsv")
    assert "WARNING v.vcf: ##contig 20 has length 3500 in the VCF header but 3000 in the reference" in notes[0]


def test_vcf_that_cannot_be_read_is_named_with_its_first_row(tmp_path, reference):
    fasta, _ = reference
    bad = tmp_path / "bad.vcf.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(InputError, match=r"row 1 \(sample 'V1'\): bad\.vcf\.gz cannot be read as VCF/BCF"):
        check_inputs(vcf_rows((bad, "A"), (bad, "B")), str(fasta), "samples.tsv")


def test_2504_rows_of_one_multi_sample_vcf_are_checked_in_one_read(testdata):
    """The 1000 Genomes panel (3,202 columns): its header is read once for all 2,504 rows."""
    panel = testdata / "1000g_30x_3202_chr22_16.57-16.61Mb_grch38"
    ids = [line.split("\t")[0] for line in (panel / "integrated_call_samples_v3.20130502.ALL.panel").read_text()
           .splitlines()[1:]]  # fmt: skip
    rows = vcf_rows(*((panel / "1000GP.chr22.vcf.gz", i) for i in ids))
    reference = testdata / "nfcore_na12878_chr22_grch38" / "derived" / "chr22_padded.fa.gz"
    started = time.perf_counter()
    notes = check_inputs(rows, str(reference), "samples.tsv")
    assert time.perf_counter() - started < 5  # measured 0.06 s here
    assert any("1 VCF files (0 gVCF) for 2504 samples" in n for n in notes)
