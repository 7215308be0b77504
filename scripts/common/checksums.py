"""SHA-256 of a file, read in blocks (the manifest, the provenance record and the reports' panel hashes)."""

import hashlib
import os

CHUNK = 1 << 20  # bytes read per step while hashing
PROGRESS_EVERY = 1 << 30  # log a progress line every GiB of a big file


def sha256_file(path, progress=None):
    """Hex SHA-256 of a file's bytes. `progress(done_bytes, total_bytes)` is called about every GiB."""
    digest = hashlib.sha256()
    total = os.path.getsize(path)
    done, next_report = 0, PROGRESS_EVERY
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
            done += len(block)
            if progress and done >= next_report:
                progress(done, total)
                next_report += PROGRESS_EVERY
    return digest.hexdigest()
