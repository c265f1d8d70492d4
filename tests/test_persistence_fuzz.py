"""Fuzzing sknn.load: crafted hostile files with recomputed checksums, and random corruption.

Crafted files (``persistence_fuzz.py``) run in a child process watched from
here, so a crash (the child dies) or a hang (no answer within 5 s) is seen and
reported as such; every crafted file must be refused for its own reason,
quickly and without allocating much. Random corruptions run in-process with
hypothesis: a file either loads to exactly the model it describes, or is
refused with one of the documented reasons -- any other exception is a bug.
"""

import io
import json
import os
import selectors
import subprocess
import sys
import time
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from persistence_models import fitted, repack, same_outputs, saved_bytes, unpack

import sknn
from sknn.persistence import REASONS, PersistenceError

HERE = os.path.dirname(os.path.abspath(__file__))
HANG_SECONDS = 5.0
STARTUP_SECONDS = 300.0  # fitting the models in the child, on a busy machine
MAX_PEAK_MB = 64
MAX_RESTARTS = 3  # after a crash or a hang the runner resumes at the next case, a few times at most
KEY = b"a key for the fuzz tests, 32 bytes+"


def _run_crafted(everything):
    """Run the crafted cases in child processes; returns (n_cases, results, failures)."""
    results, failures, start, n_cases = {}, [], 0, None
    while (n_cases is None or start < n_cases) and len(failures) < MAX_RESTARTS:
        args = [sys.executable, os.path.join(HERE, "persistence_fuzz.py"), str(start)]
        args += ["--all"] if everything else []
        proc = subprocess.Popen(args, cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        current, deadline = None, time.monotonic() + STARTUP_SECONDS
        while True:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                proc.kill()  # our own child, silent for too long
                proc.wait()
                failures.append(f"case {current}: hang (no answer in {HANG_SECONDS} s)" if current is not None
                                else "the fuzz runner did not start")
                break
            line = proc.stdout.readline()
            if not line:
                code = proc.wait()
                if current is not None or code != 0:
                    failures.append(f"case {current}: the process died (exit code {code}): "
                                    f"{proc.stderr.read()[-2000:]}")
                break
            row = json.loads(line)
            if "n_cases" in row:
                n_cases = row["n_cases"]
            elif "start" in row:
                current, deadline = row["start"], time.monotonic() + HANG_SECONDS
            else:
                results[row["i"]] = row
                current, deadline = None, time.monotonic() + HANG_SECONDS
        sel.close()
        proc.stdout.close()
        proc.stderr.close()
        if n_cases is None:
            break
        start = (current + 1) if current is not None else n_cases
    return n_cases, results, failures


def _check_crafted(everything):
    n_cases, results, failures = _run_crafted(everything)
    assert not failures, failures
    assert n_cases >= 300 and len(results) == n_cases
    wrong = [r for r in results.values() if r["got"] != r["expected"]]
    assert not wrong, wrong[:10]
    heavy = [r for r in results.values() if r["peak_mb"] > MAX_PEAK_MB]
    assert not heavy, heavy[:5]
    slowest = max(results.values(), key=lambda r: r["seconds"])
    print(f"\n{n_cases} crafted files, all refused for their reason; slowest {slowest['name']} "
          f"{slowest['seconds']:.3f} s; largest peak {max(r['peak_mb'] for r in results.values()):.1f} MB")


def test_crafted_files_are_refused_for_their_reason():
    _check_crafted(everything=False)


@pytest.mark.slow
def test_every_crafted_file_on_every_model():
    _check_crafted(everything=True)


# -- random corruption, in-process ---------------------------------------------------------------------
@lru_cache(maxsize=None)
def _model():
    est, X = fitted(sknn.MLPClassifier, hidden_layer_sizes=(4,), batch_norm=True)
    return est, X, saved_bytes(est), saved_bytes(est, key=KEY)


def _mutations(size):
    pos = st.integers(0, size - 1)
    return st.one_of(
        st.tuples(st.just("flip"), st.lists(st.tuples(pos, st.integers(1, 255)), min_size=1, max_size=4)),
        st.tuples(st.just("truncate"), st.integers(0, size - 1)),
        st.tuples(st.just("insert"), st.tuples(pos, st.binary(min_size=1, max_size=16))),
        st.tuples(st.just("delete"), st.tuples(pos, st.integers(1, 64))),
    )


def _mutate(data, mutation):
    kind, arg = mutation
    out = bytearray(data)
    if kind == "flip":
        for i, x in arg:
            out[i] ^= x
    elif kind == "truncate":
        del out[arg:]
    elif kind == "insert":
        out[arg[0] : arg[0]] = arg[1]
    else:
        del out[arg[0] : arg[0] + arg[1]]
    return bytes(out)


def _load_or_reason(data, key=None):
    try:
        return sknn.load(io.BytesIO(data), key=key), None
    except PersistenceError as exc:
        assert exc.reason in REASONS
        return None, exc.reason


def _arrays(members):
    out = []
    for m in members:
        a = np.load(io.BytesIO(m))
        out.append((a.dtype.str, a.shape, a.flags.f_contiguous and not a.flags.c_contiguous, a.tobytes(order="A")))
    return out


def _first_difference(a, b, path=""):
    if type(a) is not type(b):
        return f"{path}: {a!r:.80} != {b!r:.80}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return f"{path}.{k}: present in one only"
            found = _first_difference(a[k], b[k], f"{path}.{k}")
            if found:
                return found
    elif isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: lengths {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
    elif a != b:
        return f"{path}: {a!r:.80} != {b!r:.80}"
    return None


def _assert_faithful(loaded, header, members):
    """The loaded model is exactly what the file describes: saving it again gives the same content."""
    header_bytes, members_again = sknn.persistence._encode(loaded)
    header_again = json.loads(header_bytes)
    assert header_again["estimator"] == header["estimator"], _first_difference(header_again["estimator"],
                                                                               header["estimator"])
    assert _arrays(members_again) == _arrays(members)


SETTINGS = settings(max_examples=150, deadline=int(HANG_SECONDS * 1000), suppress_health_check=list(HealthCheck))


@SETTINGS
@given(st.data())
def test_fuzz_corrupted_file(data):
    est, X, valid, _ = _model()
    loaded, _ = _load_or_reason(_mutate(valid, data.draw(_mutations(len(valid)))))
    if loaded is not None:  # bytes no check covers (zip timestamps, versions): the same model
        assert same_outputs(est, loaded, X)


@SETTINGS
@given(st.data())
def test_fuzz_resigned_header(data):
    # an attacker recomputes the checksum: the decoder itself must hold
    _, X, valid, _ = _model()
    header, members = unpack(valid)
    text = json.dumps(header).encode()
    mutated = _mutate(text, data.draw(_mutations(len(text))))
    loaded, _ = _load_or_reason(repack(None, members, raw_header=mutated))
    if loaded is not None:
        _assert_faithful(loaded, json.loads(mutated), members)
        loaded.predict(X)


@SETTINGS
@given(st.data())
def test_fuzz_resigned_arrays(data):
    _, X, valid, _ = _model()
    header, members = unpack(valid)
    i = data.draw(st.integers(0, len(members) - 1))
    members[i] = _mutate(members[i], data.draw(_mutations(len(members[i]))))
    loaded, _ = _load_or_reason(repack(header, members))
    if loaded is not None:
        _assert_faithful(loaded, header, members)
        loaded.predict(X)


@SETTINGS
@given(st.data())
def test_fuzz_signed_file(data):
    # with a key, nothing that changes the model gets through
    est, X, _, signed = _model()
    loaded, _ = _load_or_reason(_mutate(signed, data.draw(_mutations(len(signed)))), key=KEY)
    if loaded is not None:
        assert same_outputs(est, loaded, X)


# -- structure-aware: any value of the header replaced by another ----------------------------------------------
_JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.sampled_from([0, 1, -1, 2, 3, 10**6, 2**31, 2**63]),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
    st.sampled_from(["__tuple__", "__dict__", "__ndarray__", "Dense", "sklearn.pipeline.Pipeline", "MLPClassifier"]),
)
_JSON = st.recursive(_JSON_LEAVES, lambda children: st.one_of(
    st.lists(children, max_size=4),
    st.dictionaries(st.sampled_from(["__tuple__", "__dict__", "__ndarray__", "__float__", "__layer__", "__layer_ref__",
                                     "__estimator__", "config", "params", "state", "derived", "shape", "items"]),
                    children, max_size=3)), max_leaves=8)


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, path + (i,))


@lru_cache(maxsize=None)
def _models_for_values():
    out = []
    for cls, params in ((sknn.TextClassifier, {}), (sknn.NeuralRecommender, {}),
                        (sknn.AutoencoderTransformer, dict(hidden_layer_sizes=(3, 2), tied_weights=True))):
        est, X = fitted(cls, **params)
        out.append((est, X, saved_bytes(est)))
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X = np.random.default_rng(0).normal(size=(30, 3))
    pipe = make_pipeline(StandardScaler(), sknn.MLPClassifier((3,), max_iter=3, random_state=0)).fit(X, X[:, 0] > 0)
    out.append((pipe, X, saved_bytes(pipe)))
    cats = np.array([["a"], ["b"], ["c"]] * 5, dtype=object)
    enc = OneHotEncoder(drop="first").fit(cats)
    out.append((enc, cats, saved_bytes(enc)))
    return out


@SETTINGS
@given(st.data())
def test_fuzz_resigned_header_values(data):
    models = _models_for_values()
    _, X, valid = models[data.draw(st.integers(0, len(models) - 1))]
    header, members = unpack(valid)
    paths = list(_paths(header["estimator"]))
    path = data.draw(st.sampled_from(paths[1:]))
    parent = header["estimator"]
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = data.draw(_JSON)
    loaded, _ = _load_or_reason(repack(header, members))
    if loaded is not None:
        _assert_faithful(loaded, header, members)
