"""Reads one file of a source distribution on PyPI (for the scripts that
build lexicons and benchmark corpora from packages' data)."""
import os
import subprocess
import sys
import tarfile
import tempfile


def sdist_member(package, member):
    """The text (UTF-8) of `member` in the source archive of `package`
    (a pip requirement such as "jieba==0.42.1"), downloaded with pip."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", "-d", tmp, package],
            check=True,
        )
        archive = next(os.path.join(tmp, n) for n in os.listdir(tmp) if n.endswith(".tar.gz"))
        with tarfile.open(archive) as tar:
            return tar.extractfile(member).read().decode("utf-8")
