"""Side-by-side harness for bench/conv.py and bench/rnn.py (not a test).

Each contender runs in its own subprocess (so peak memory, ``ru_maxrss``, is
its own), the contenders interleaved for ``--repeats`` rounds (the order
rotates each round); the median time of each is kept, and the ratio of the
medians is the figure to quote. ``--busy N`` starts N CPU-bound processes for
the whole run (a contended machine: a laptop in a meeting, CI, the other jobs
of a grid search). Every table is printed with the machine it was measured on
(:func:`machine_record`) and the load average of each round. A cProfile run of
sknn gives the profile summary (NumPy ufuncs and matmul are C calls: their
time is counted in the layer method calling them).
"""

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import time

import numpy as np


@contextlib.contextmanager
def busy(n):
    """``n`` CPU-bound processes spinning while the body runs, stopped after."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_record(threads, n_busy):
    """One line naming the CPU, NumPy's and SciPy's BLAS, the threads and the contention."""
    import scipy.linalg  # noqa: F401  (loads SciPy's BLAS, so threadpoolctl sees it)
    from threadpoolctl import threadpool_info

    blas = []
    for info in threadpool_info():
        if info["user_api"] != "blas":
            continue
        path = info["filepath"]
        owner = "numpy" if "numpy" in path else "scipy" if "scipy" in path else os.path.basename(path)
        blas.append(f"{owner}: {info['internal_api']} {info.get('version')} ({info.get('architecture')})")
    return (f"{cpu_model()}, {os.cpu_count()} CPUs; Python {platform.python_version()}, numpy {np.__version__}; "
            f"BLAS {'; '.join(blas)}; {threads} BLAS/torch threads; {n_busy} busy process(es) beside the run")


def _env(threads):
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = str(threads)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


def child(runners, which, profile=False):
    """In the subprocess: build data, time one run, print a JSON line."""
    make_data, run = runners[which]
    data = make_data()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {"which": which}
    if profile:
        prof = cProfile.Profile()
        prof.enable()
        run(*data)
        prof.disable()
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(10)
        lines = [l for l in s.getvalue().splitlines() if l.strip()]
        start = next(i for i, l in enumerate(lines) if l.strip().startswith("ncalls"))
        out["profile"] = lines[start : start + 11]
    else:
        t0 = time.perf_counter()
        extra = run(*data)
        out["seconds"] = time.perf_counter() - t0
        if isinstance(extra, dict):  # a runner may time its own part ("seconds") and report more
            out.update(extra)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["rss_before_run_mb"] = base_rss / 1024
    print("RESULT " + json.dumps(out, default=str), flush=True)


def _spawn(script, which, workload, threads, profile=False):
    cmd = [sys.executable, script, "--child", which, "--workload", workload]
    cmd += ["--profile"] if profile else []
    proc = subprocess.run(cmd, env=_env(threads), capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{which} failed:\n{proc.stdout}\n{proc.stderr}")


def main(script, workloads, titles):
    """Run ``workloads[name] = {"sknn": (make_data, run), "torch": (...)}`` side by side."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--workload", choices=sorted(workloads), default=next(iter(workloads)))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-profile", action="store_true", help="skip the profile run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="BLAS / OpenMP / torch threads (environment)")
    parser.add_argument("--busy", type=int, default=0, metavar="N", help="N CPU-bound processes beside the run")
    args = parser.parse_args()
    runners = workloads[args.workload]
    if args.child:
        child(runners, args.child, args.profile)
        return
    times = {which: [] for which in runners}
    results = {which: [] for which in runners}
    loads = []
    names = list(runners)
    with busy(args.busy):
        for r in range(args.repeats):
            for which in names[r % len(names):] + names[: r % len(names)]:
                res = _spawn(script, which, args.workload, args.threads)
                times[which].append(res["seconds"])
                results[which].append(res)
                print(f"  {which:6s} {res['seconds']:7.2f} s   peak RSS {res['peak_rss_mb']:7.1f} MB", flush=True)
            loads.append(os.getloadavg()[0])
        prof = None if args.no_profile else _spawn(script, "sknn", args.workload, args.threads, profile=True)
    med = {which: float(np.median(v)) for which, v in times.items()}
    s = min(results["sknn"], key=lambda r: abs(r["seconds"] - med["sknn"]))
    t = min(results["torch"], key=lambda r: abs(r["seconds"] - med["torch"]))
    print(f"\n### {titles[args.workload]}{f', --busy {args.busy}' if args.busy else ''}\n")
    print(machine_record(args.threads, args.busy) + ".")
    print(f"Median of {args.repeats} interleaved runs; 1-minute load average after each round "
          f"{', '.join(f'{x:.1f}' for x in loads)} on {os.cpu_count()} CPUs.\n")
    print("| | sknn | PyTorch | sknn / PyTorch |")
    print("|---|---|---|---|")
    print(f"| time (s), median | {med['sknn']:.2f} | {med['torch']:.2f} | {med['sknn'] / med['torch']:.2f} |")
    print(f"| time (s), min-max | {min(times['sknn']):.2f}-{max(times['sknn']):.2f} | "
          f"{min(times['torch']):.2f}-{max(times['torch']):.2f} | |")
    print(f"| peak RSS (MB) | {s['peak_rss_mb']:.0f} | {t['peak_rss_mb']:.0f} | |")
    for key in sorted(set(s) & set(t) - {"which", "seconds", "peak_rss_mb", "rss_before_run_mb"}):
        sv = float(np.median([r[key] for r in results["sknn"]]))
        tv = float(np.median([r[key] for r in results["torch"]]))
        print(f"| {key}, median | {sv:.4g} | {tv:.4g} | {sv / tv:.2f} |")
    if prof is not None:
        print("\nsknn profile (one run, top entries by own time):\n\n```")
        print("\n".join(prof["profile"]))
        print("```")
