"""Side-by-side harness for bench/conv.py and bench/rnn.py (not a test).

Each contender runs in its own subprocess (so peak memory, ``ru_maxrss``, is
its own), alternating sknn / torch for ``--repeats`` rounds; the best time of
each is kept. A cProfile run of sknn gives the profile summary (NumPy ufuncs
and matmul are C calls: their time is counted in the layer method calling them).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import time

THREADS = "2"


def _env():
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = THREADS
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


def child(runners, which, profile=False):
    """In the subprocess: build data, time one epoch, print a JSON line."""
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
        run(*data)
        out["seconds"] = time.perf_counter() - t0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["rss_before_run_mb"] = base_rss / 1024
    print("RESULT " + json.dumps(out), flush=True)


def _spawn(script, which, profile=False):
    cmd = [sys.executable, script, "--child", which] + (["--profile"] if profile else [])
    proc = subprocess.run(cmd, env=_env(), capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{which} failed:\n{proc.stdout}\n{proc.stderr}")


def main(script, runners, title):
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if args.child:
        child(runners, args.child, args.profile)
        return
    best = {}
    for _ in range(args.repeats):
        for which in runners:
            r = _spawn(script, which)
            print(f"  {which:6s} {r['seconds']:7.2f} s   peak RSS {r['peak_rss_mb']:7.1f} MB", flush=True)
            if which not in best or r["seconds"] < best[which]["seconds"]:
                best[which] = r
    prof = _spawn(script, "sknn", profile=True)
    load = os.getloadavg()
    s, t = best["sknn"], best["torch"]
    print(f"\n### {title}\n")
    print(f"2 threads each; best of {args.repeats} alternating runs; load average at the end "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores.\n")
    print("| | sknn | PyTorch | ratio |")
    print("|---|---|---|---|")
    print(f"| one epoch (s) | {s['seconds']:.2f} | {t['seconds']:.2f} | {s['seconds'] / t['seconds']:.2f}x |")
    print(f"| peak RSS (MB) | {s['peak_rss_mb']:.0f} | {t['peak_rss_mb']:.0f} | |")
    print(f"| peak RSS minus RSS before the epoch (MB) | {s['peak_rss_mb'] - s['rss_before_run_mb']:.0f} | "
          f"{t['peak_rss_mb'] - t['rss_before_run_mb']:.0f} | |")
    print("\nsknn profile (one epoch, top entries by own time):\n\n```")
    print("\n".join(prof["profile"]))
    print("```")
