"""The GIAB/CEPH trio test set (../shared/testdata/giab_ceph_trio_hg002_chr20_grch37): what several tests share."""


def clipped_truth_bed(data, folder):
    """GIAB confident BED intersected with the window the reads cover (done by hand: 11 intervals)."""
    out = []
    for line in (data / "truth/test_giab.b37_chr20_100kbp_at_10mb.bed").read_text().splitlines():
        chrom, start, end = line.split("\t")[:3]
        start, end = max(int(start), 9_999_999), min(int(end), 10_010_000)
        if start < end:
            out.append(f"{chrom}\t{start}\t{end}\n")
    bed = folder / "confident_clipped.bed"
    bed.write_text("".join(out))
    return bed


TRIO = "giab_ceph_trio_hg002_chr20_grch37"
TRIO_TRUTH = (  # HG001's GIAB v3.3.2 calls, whole chr20, inside the set
    "truth/HG001_chr20_GRCh37_GIAB_highconf_CG-IllFB-IllGATKHC-Ion-10X-SOLID_CHROM1-X_v.3.3.2_highconf"
    "_PGandRTGphasetransfer.vcf.gz"
)
TRIO_BAMS = {  # sample_id -> BAM inside the set; HG001's parents NA12891 (father) and NA12892 (mother), HG002 unrelated
    "HG001": "bam/HG001.chr20.10_10p1mb_sorted.bam",
    "NA12891": "bam/NA12891.chr20.10_10p1mb_sorted.bam",
    "NA12892": "bam/NA12892.chr20.10_10p1mb_sorted.bam",
    "HG002": "bam/HG002_NIST_150bp_downsampled_30x.chr20.10_10p1mb.bam",
}


def trio_folder():
    """The trio test set's folder under ../shared/testdata; skips the calling test when it is absent."""
    import pytest

    from conftest import TESTDATA

    data = TESTDATA / TRIO
    if not data.is_dir():
        pytest.skip(f"real test data {data} is absent")
    return data
