"""Crafted hostile model files, each with a recomputed checksum (as an attacker would write it), and their runner.

:func:`crafted_cases` builds several hundred files from small fitted models of
every kind ``sknn.save`` accepts: each breaks one rule (an index out of range,
a hostile regular expression, a huge claimed layer, an undeclared attribute, an
overlapping zip entry...) and carries the reason ``sknn.load`` must refuse it
for. Run as a script, this module loads every case in a fresh process and
prints one JSON line per case (outcome, seconds, peak traced memory), so that
the test can see crashes and hangs (a dead or silent child) as well as wrong
answers: ``python tests/persistence_fuzz.py [first_case] [--all]`` (without
``--all``, at most two models per family of edits).
"""

import io
import json
import struct
import sys
import time
import tracemalloc
import warnings
import zlib

import numpy as np
from persistence_crafts import (classifier_families, generic_families, network_families,
                                other_sknn_families, recommender_families, sklearn_families, sknn_state,
                                text_families)
from persistence_models import (estimator_bodies, fit_quietly, fitted, public_estimators, repack, same_outputs,
                                saved_bytes, text_data, unpack)

import sknn

# -- the models ---------------------------------------------------------------------------------------------
def base_models():
    """name -> (fitted estimator, X to predict on); small, deterministic."""
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import PCA, TruncatedSVD
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import (MaxAbsScaler, MinMaxScaler, OneHotEncoder, OrdinalEncoder, PolynomialFeatures,
                                       RobustScaler, StandardScaler)

    models = {cls.__name__: fitted(cls) for cls in public_estimators()}
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = (X[:, 0] > 0).astype(int)
    cats = np.array([["a", "b"], ["b", "c"], ["a", "c"], ["c", "b"]] * 10, dtype=object)
    docs, y_docs = text_data()

    def mlp():
        return sknn.MLPClassifier((4,), batch_norm=True, max_iter=5, random_state=0)

    pipelines = {
        "pipe-scalers": (make_pipeline(StandardScaler(), MinMaxScaler(), RobustScaler(), MaxAbsScaler(),
                                       PolynomialFeatures(2), PCA(3), mlp()), X, y),
        "pipe-onehot": (make_pipeline(OneHotEncoder(drop="if_binary"), mlp()), cats, y),
        "pipe-ordinal": (make_pipeline(OrdinalEncoder(), TruncatedSVD(1), mlp()), cats, y),
        "pipe-tfidf": (make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), mlp()), docs, y_docs),
        "pipe-count": (make_pipeline(CountVectorizer(), TfidfTransformer(), mlp()), docs, y_docs),
        "pipe-columns": (make_pipeline(ColumnTransformer([("num", StandardScaler(), [0, 1]),
                                                          ("imp", SimpleImputer(add_indicator=True), [2])],
                                                         remainder="passthrough"), mlp()),
                         np.where((X > 1.0) & (np.arange(4) == 2), np.nan, X), y),
        "pipe-union": (make_pipeline(FeatureUnion([("pca", PCA(1)), ("id", StandardScaler())]), mlp()), X, y),
    }
    for name, (est, Xp, yp) in pipelines.items():
        models[name] = (fit_quietly(est, Xp, yp), Xp)
    models["text-lstm"] = fitted(sknn.TextClassifier, encoder="lstm", embedding_dim=4, units=3, ngram_range=(1, 2))
    models["autoencoder-tied"] = fitted(sknn.AutoencoderTransformer, hidden_layer_sizes=(4, 2), tied_weights=True)
    models["convnet-bn"] = fitted(sknn.ConvNetClassifier, filters=(2,), hidden_layer_sizes=(3,), batch_norm=True)
    return models


# -- zip surgery: the archive as structures, edited, written back ------------------------------------------------
def _zip_entries(data):
    """[(name, local header bytes, member bytes, central header bytes)] of an archive sknn wrote."""
    end = len(data) - 22
    count, cd_size, cd_offset = struct.unpack_from("<HLL", data, end + 10)
    entries, pos = [], cd_offset
    for _ in range(count):
        n_name, n_extra, n_comment = struct.unpack_from("<3H", data, pos + 28)
        offset = struct.unpack_from("<L", data, pos + 42)[0]
        central = data[pos : pos + 46 + n_name + n_extra + n_comment]
        pos += len(central)
        size = struct.unpack_from("<L", data, offset + 18)[0]
        ln, le = struct.unpack_from("<2H", data, offset + 26)
        local = data[offset : offset + 30 + ln + le]
        entries.append([central[46 : 46 + n_name].decode(), bytearray(local), data[offset + len(local) :
                        offset + len(local) + size], bytearray(central)])
    return entries


def _write_zip(entries, offsets=None, count=None, comment=b""):
    out, central, positions = bytearray(), bytearray(), []
    for i, (_, local, body, _) in enumerate(entries):
        positions.append(len(out))
        out += local + body
    for i, (_, _, _, cent) in enumerate(entries):
        cent = bytearray(cent)
        struct.pack_into("<L", cent, 42, positions[i] if offsets is None else offsets(i, positions))
        central += cent
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries) if count is None else count,
                       len(entries) if count is None else count, len(central), len(out), len(comment))
    return bytes(out + central + eocd + comment)


def _set16(buf, pos, value):
    struct.pack_into("<H", buf, pos, value)


def zip_cases(valid):
    """(name, bytes, reason) of archives broken at the zip level."""
    entries = _zip_entries(valid)
    header_entry = entries[0]
    cases = []

    def edited(fn):
        es = [[n, bytearray(lo), bytes(b), bytearray(c)] for n, lo, b, c in entries]
        fn(es)
        return _write_zip(es)

    # two directory entries pointing at one local header (the overlapping-zip bomb)
    cases.append(("zip-overlap", _write_zip(entries, offsets=lambda i, p: p[0] if i == 1 else p[i]), "zip_overlap"))
    cases.append(("zip-overlap-all", _write_zip(entries, offsets=lambda i, p: 0), "zip_overlap"))
    dup = [list(e) for e in entries] + [[header_entry[0], header_entry[1], header_entry[2], header_entry[3]]]
    cases.append(("zip-duplicate-name", _write_zip(dup), "zip_overlap"))
    # a deflated member claiming a gigabyte (the classic zip bomb)
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = bomb.compress(b"\0" * (1 << 20)) + bomb.flush()

    def deflate(es):
        es[1][2] = payload
        for hdr, method_at, sizes_at in ((es[1][1], 8, 18), (es[1][3], 10, 20)):
            _set16(hdr, method_at, 8)
            struct.pack_into("<LL", hdr, sizes_at, len(payload), 1 << 30)
    cases.append(("zip-bomb-deflate", edited(deflate), "zip_layout"))
    for name, flag in (("zip-encrypted", 1), ("zip-data-descriptor", 8)):
        def set_flag(es, flag=flag):
            _set16(es[0][1], 6, flag)
            _set16(es[0][3], 8, flag)
        cases.append((name, edited(set_flag), "zip_layout"))

    def local_name(es):
        es[0][1][30:31] = b"X"
    cases.append(("zip-local-name-differs", edited(local_name), "zip_layout"))

    def claim_huge(es):
        struct.pack_into("<LL", es[-1][3], 20, 1 << 31, 1 << 31)
        struct.pack_into("<LL", es[-1][1], 18, 1 << 31, 1 << 31)
    cases.append(("zip-member-size-beyond-file", edited(claim_huge), "truncated"))
    cases.append(("zip-entry-count-bomb", _write_zip(entries, count=65000), "zip_layout"))
    cases.append(("zip-comment", _write_zip(entries, comment=b"hello"), "zip_layout"))
    extra = [bytearray(x) if isinstance(x, bytearray) else x for x in entries[1]]
    extra[1] = bytearray(extra[1].replace(b"arrays/0.npy", b"arrays/x.npy"))
    extra[3] = bytearray(extra[3].replace(b"arrays/0.npy", b"arrays/x.npy"))
    cases.append(("zip-extra-member", _write_zip(entries + [["arrays/x.npy", extra[1], extra[2], extra[3]]]),
                  "not_a_model"))
    cases.append(("zip-missing-checksum", _write_zip(entries[:-1]), "not_a_model"))
    for cut in (len(valid) // 3, len(valid) - 30, len(valid) - 1):
        cases.append((f"zip-truncated-{cut}", valid[:cut], "truncated"))
    cases.append(("not-a-zip", b"\x80\x04\x95 a pickle, maybe", "not_a_model"))
    flipped = bytearray(valid)
    flipped[len(entries[0][1]) + 5] ^= 0x20  # one bit of the header, CRC left stale
    cases.append(("zip-crc", bytes(flipped), "checksum"))
    return cases


def header_cases(valid):
    """(name, bytes, reason) of archives whose JSON header is broken (the checksum recomputed)."""
    header, members = unpack(valid)
    text = json.dumps(header)
    raw = [
        ("json-not-utf8", b"\xff\xfe" + text.encode("utf-16-le"), "header"),
        ("json-nan-literal", text.replace('"format_version": 2', '"format_version": NaN').encode(), "header"),
        ("json-duplicate-key", text.replace('"format_version": 2', '"format_version": 2, "format_version": 2').encode(),
         "header"),
        ("json-depth-bomb", ("[" * 100_000 + "]" * 100_000).encode(), "header"),
        ("json-huge-int", text.replace('"format_version": 2', '"format_version": ' + "9" * 5000).encode(), "header"),
        ("json-huge-float", text.replace('"format_version": 2', '"format_version": 1e999').encode(), "header"),
        ("json-top-level-list", b"[1, 2, 3]", "header"),
        ("json-syntax", text[:-3].encode(), "header"),
    ]
    return [(name, repack(None, members, raw_header=body), reason) for name, body, reason in raw]


# -- assembling the cases -------------------------------------------------------------------------------------
def crafted_cases(models, per_family=None):
    """[(case name, model name, file bytes, expected reason)], in a fixed order.

    With ``per_family``, each family of edits is applied to at most that many
    models, rotating with the family so that every model is covered.
    """
    planned = []
    for model_name, (est, _) in models.items():
        valid = saved_bytes(est)
        header, members = unpack(valid)
        families = generic_families(header, members)
        kinds = {body["__estimator__"] for _, body in estimator_bodies(header["estimator"])}
        if any(not k.startswith("sklearn.") for k in kinds):
            state = sknn_state(header)
            families.update(network_families(header, members))
            families.update(other_sknn_families(header, members))
            if "_label_binarizer" in state:
                families.update(classifier_families(header, members))
            if "_vocab" in state:
                families.update(text_families(header, members))
            if "_seen" in state:
                families.update(recommender_families(header, members))
        if any(k.startswith("sklearn.") for k in kinds):
            families.update(sklearn_families(header, members))
        planned += [(f"{model_name}/{family}", model_name, valid, edit, reason)
                    for family, (edit, reason) in families.items()]
    if per_family is not None:
        planned = _select(planned, per_family)
    cases = []
    for name, model_name, valid, edit, reason in planned:
        h, m = unpack(valid)
        edit(h, m)
        cases.append((name, model_name, repack(h, m), reason))
    mlp_file = saved_bytes(models["MLPClassifier"][0])
    for name, data, reason in zip_cases(mlp_file) + header_cases(mlp_file):
        cases.append((name, "MLPClassifier", data, reason))
    return cases


def _select(planned, per_family):
    families = {}
    for case in planned:
        families.setdefault(case[0].rsplit("/", 1)[-1], []).append(case)
    chosen = set()
    for j, (_, members) in enumerate(sorted(families.items())):
        step = max(1, -(-len(members) // per_family))
        chosen.update(case[0] for case in members[j % step :: step])
    return [case for case in planned if case[0] in chosen]


KEY = b"fuzzing key: 32 bytes or more....."


def signed_cases(models):
    """Signed files edited by someone without the key: every edit is refused, by the signature first."""
    cases = []
    for model_name in ("MLPClassifier", "TextClassifier", "pipe-tfidf"):
        valid = saved_bytes(models[model_name][0], key=KEY)
        header, members = unpack(valid)
        edits = {"resigned-other-key": (repack(header, members, key=b"not the key" * 4), "signature"),
                 "unsigned-copy": (repack(header, members), "unsigned")}
        header["estimator"]["params"][next(iter(header["estimator"]["params"]))] = None
        edits["param-edited"] = (repack(header, members, key=b"guess" * 8), "signature")
        for name, (data, reason) in edits.items():
            cases.append((f"signed-{model_name}/{name}", model_name, data, reason))
    return cases


# -- the runner (a child process) -----------------------------------------------------------------------------
def _outcome(data, est, X, key):
    try:
        loaded = sknn.load(io.BytesIO(data), key=key)
    except sknn.PersistenceError as exc:
        return exc.reason
    except Exception as exc:  # a bug, reported as such (a crash would kill the process instead)
        return f"error {type(exc).__name__}: {exc}"[:300]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return "loaded-same" if same_outputs(est, loaded, X) else "loaded-different"


def main(start=0, everything=False):
    models = base_models()
    cases = crafted_cases(models, per_family=None if everything else 2) + signed_cases(models)
    print(json.dumps({"n_cases": len(cases)}), flush=True)
    for i in range(start, len(cases)):
        name, model_name, data, reason = cases[i]
        print(json.dumps({"start": i}), flush=True)
        est, X = models[model_name]
        tracemalloc.start()
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = _outcome(data, est, X, KEY if name.startswith("signed-") else None)
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(json.dumps({"i": i, "name": name, "expected": reason, "got": got, "seconds": seconds,
                          "peak_mb": peak / 2**20, "size": len(data)}), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0, everything="--all" in sys.argv)
