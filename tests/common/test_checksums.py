"""scripts/common/checksums.py: SHA-256 of a file read in blocks.

Oracles: digests of known strings from FIPS 180-2 / coreutils, and Python's hashlib over the whole bytes at once.
"""

import hashlib

from common import checksums

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2, SHA-256("abc")
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_sha256_of_known_strings(tmp_path):
    (tmp_path / "abc").write_bytes(b"abc")
    (tmp_path / "empty").write_bytes(b"")
    assert checksums.sha256_file(tmp_path / "abc") == ABC_SHA256
    assert checksums.sha256_file(tmp_path / "empty") == EMPTY_SHA256


def test_progress_is_reported_per_gib_step(tmp_path, monkeypatch):
    monkeypatch.setattr(checksums, "PROGRESS_EVERY", 1000)
    monkeypatch.setattr(checksums, "CHUNK", 256)
    (tmp_path / "f").write_bytes(b"x" * 2600)
    calls = []
    digest = checksums.sha256_file(tmp_path / "f", lambda done, total: calls.append((done, total)))
    assert digest == hashlib.sha256(b"x" * 2600).hexdigest()
    assert [total for _, total in calls] == [2600, 2600]  # after 1024 and 2048 bytes: two steps of 1000
    assert [done for done, _ in calls] == [1024, 2048]
