#!/usr/bin/env bash
# Mutation testing of the training engine with mutmut 3; results and kept survivors in bench/MUTATION.md.
# Configuration (files mutated, the focused test selection) is [tool.mutmut] in pyproject.toml. Not run by CI.
#
#   .venv/bin/pip install "mutmut==3.8.1" && bench/mutation.sh
#
# Each file is run in turn; a file with STRIDE_<name> = k > 1 is sampled deterministically: the mutants whose
# number within their function is 1 modulo k (every function keeps its first mutant). JOBS is mutmut's
# --max-children; FILES picks the files (in order). mutmut re-runs every mutant named on its command line, so a
# second call repeats the run (after new tests: their stats are collected first); `rm -rf mutants` starts afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
MUTMUT=.venv/bin/mutmut
JOBS=${JOBS:-2}
FILES=${FILES:-"losses optimizers training persistence divergence full_batch"}
STRIDE_losses=${STRIDE_losses:-1}
STRIDE_optimizers=${STRIDE_optimizers:-3}
STRIDE_training=${STRIDE_training:-5}
STRIDE_persistence=${STRIDE_persistence:-15}
STRIDE_divergence=${STRIDE_divergence:-1}
STRIDE_full_batch=${STRIDE_full_batch:-1}

# the mutants of one file (module name) taken with the file's stride, from mutmut's list of generated mutants
sample() {
    .venv/bin/python - "$1" "$2" <<'EOF'
import json, re, sys
module, stride = sys.argv[1], int(sys.argv[2])
meta = "mutants/" + module.replace(".", "/") + ".py.meta"
for name in json.load(open(meta))["exit_code_by_key"]:
    if int(re.search(r"__mutmut_(\d+)$", name).group(1)) % stride == 1 % stride:
        print(name)
EOF
}

declare -A MODULE=([losses]=sknn.nn.losses [optimizers]=sknn.nn.optimizers [training]=sknn.training
                   [persistence]=sknn.persistence [divergence]=sknn._divergence [full_batch]=sknn._full_batch)
for file in $FILES; do
    stride_var="STRIDE_$file"
    stride=${!stride_var}
    if [ "$stride" = 1 ]; then
        # a pattern: also generates the mutants of every configured file on a first run
        "$MUTMUT" run --max-children "$JOBS" "${MODULE[$file]}.*"
    else
        [ -d mutants ] || { echo "no mutants/ yet: run a file with stride 1 first (e.g. FILES=losses)"; exit 1; }
        mapfile -t names < <(sample "${MODULE[$file]}" "$stride")
        echo "${MODULE[$file]}: ${#names[@]} sampled mutants (stride $stride)"
        "$MUTMUT" run --max-children "$JOBS" "${names[@]}"
    fi
done

# per-file counts of the verdicts
.venv/bin/python - <<'EOF'
import collections, json, os
from mutmut.stats import status_by_exit_code
for path in ["sknn/nn/losses.py", "sknn/nn/optimizers.py", "sknn/training.py", "sknn/persistence.py",
             "sknn/_divergence.py", "sknn/_full_batch.py"]:
    if not os.path.exists(f"mutants/{path}.meta"):
        continue
    codes = json.load(open(f"mutants/{path}.meta"))["exit_code_by_key"]
    counts = collections.Counter(status_by_exit_code[c] for c in codes.values())
    print(f"{path}: {len(codes)} generated, " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
EOF
"$MUTMUT" results
