"""TextClassifier memory and epoch time against the vocabulary size (issue 9 §5).

Synthetic pre-tokenised documents: a fixed number of documents and tokens (so a
batch touches about the same number of table rows at every size), with token ids
spread over ``V`` values so that the vocabulary has exactly ``V`` entries. Each
size runs in its own process; reported: the table size; the peak resident
memory of the training loop (``Trainer.fit``, Linux ``VmHWM`` after resetting
it) above the resident memory at its start, plus the table itself (built just
before), as a multiple of the table: what training holds besides the
vocabulary and the documents; the same for the whole ``fit`` (vocabulary and
encoding included) in MB; and the time of the second epoch (the first one also
pays the page faults of fresh optimizer state).

Run by hand: ``python bench/memory_text.py [--sizes 100000,300000,1000000]
[--dim 32] [--solver adam]``. The machine is shared: compare ratios of runs
made side by side, not absolute seconds.
"""

import argparse
import json
import os
import subprocess
import sys
import time


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # VmHWM back to the current resident size


def documents(vocab, n_docs, length, seed=0):
    """``n_docs`` documents of ``length`` token ids covering ids 2 .. vocab + 1 (every id at least once)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    total = n_docs * length
    if total < vocab:
        raise ValueError("n_docs * length must be at least the vocabulary size")
    ids = np.concatenate([rng.permutation(vocab), rng.integers(0, vocab, total - vocab)])
    rng.shuffle(ids)
    ids = (ids + 2).reshape(n_docs, length)
    y = rng.integers(0, 2, n_docs)
    # a class token (-1 or -2) first: something to learn, two more vocabulary entries
    return [[-1 - int(c)] + row.tolist() for c, row in zip(y, ids)], y


def child(vocab, dim, solver, n_docs, length):
    import numpy as np

    from sknn import TextClassifier, training

    docs, y = documents(vocab, n_docs, length)
    times = []
    loop = {}
    trainer_fit = training.Trainer.fit

    def measured_fit(self, *args, **kwargs):
        loop["fit_peak"] = _status("VmHWM")  # the peak so far: vocabulary and encoding
        loop["start"] = _status("VmRSS")
        _reset_peak()
        out = trainer_fit(self, *args, **kwargs)
        loop["peak"] = _status("VmHWM")
        return out

    training.Trainer.fit = measured_fit
    clf = TextClassifier(
        "mean", embedding_dim=dim, max_features=None, solver=solver, max_iter=2, batch_size=200,
        random_state=0, callbacks=[lambda info: times.append(info["time"])],
    )
    before = _status("VmRSS")
    _reset_peak()
    t0 = time.perf_counter()
    clf.fit(docs, y)
    fit_s = time.perf_counter() - t0
    table = clf.network_.layers[0].params[0]
    print(json.dumps({
        "vocab": int(table.shape[0]), "table_mb": table.nbytes / 2**20,
        "fit_peak_mb": (max(loop["peak"], loop["fit_peak"]) - before) / 2**20,
        "ratio": (loop["peak"] - loop["start"] + table.nbytes) / table.nbytes,
        "epoch2_s": times[-1], "fit_s": fit_s, "dtype": str(table.dtype),
        "accuracy": float(np.mean(clf.predict(docs[:2000]) == y[:2000])),
    }))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--solver", default="adam")
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--length", type=int, default=50)
    parser.add_argument("--child", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.dim, args.solver, args.docs, args.length)
        return
    print(f"{args.docs} documents x {args.length} tokens, embedding_dim {args.dim}, solver {args.solver}, "
          f"batch 200, load {os.getloadavg()[0]:.1f}")
    print("| vocabulary | table MB | training peak, x table | whole fit peak above start MB | 2nd epoch s |")
    print("|---|---|---|---|---|")
    for size in [int(s) for s in args.sizes.split(",")]:
        cmd = [sys.executable, __file__, "--child", str(size), "--dim", str(args.dim), "--solver", args.solver,
               "--docs", str(args.docs), "--length", str(args.length)]
        out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        print(f"| {out['vocab']:,} | {out['table_mb']:.0f} | {out['ratio']:.1f} | {out['fit_peak_mb']:.0f} | "
              f"{out['epoch2_s']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
