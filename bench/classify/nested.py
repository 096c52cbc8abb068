#!/usr/bin/env python3
"""Nested cross-validation of the case classifier, through the CLI only.

The defaults of `civicgrid train` were chosen by cross-validation on the
whole file, so their cross-validated accuracy is a little optimistic.
This script measures the choosing itself: for each outer fold it picks
the SVM's cost and naive Bayes ratio weight by an inner cross-validation
on the outer training part alone (`civicgrid train --cv`), trains with
the pick (`civicgrid train --model`) and scores the outer test part
(`civicgrid classify`), which nothing has looked at.  On the same outer
folds it also scores the fixed defaults and the logistic regression, and
checks the probabilities: how often the first suggestion is right when
its probability reaches the auto-accept threshold.

    bench/classify/nested.py --bin ./civicgrid --csv FILE [--folds 5]
                             [--seeds 1,2,3] [--inner 5] [--taxonomy FILE]

With --taxonomy, every training (inner and outer) learns the taxonomy's
prior texts too, and the fixed defaults are also scored without them
(`--prior-weight 0`); the prior texts are never scored.

Prints a Markdown fragment on standard output.
"""
import argparse
import collections
import csv
import os
import random
import subprocess
import sys
import tempfile

# The inner grid: the SVM's cost and the weight of the NB ratios.
GRID = [(c, b) for c in ("1", "3", "10") for b in ("0", "0.25", "0.5")]
FIELDS = ["id", "subject", "detail", "category"]
ACCEPT = 0.85  # classify.auto_accept


def outer_folds(rows, k, seed):
    """Stratified folds: each category shuffled and dealt in turn."""
    rnd = random.Random(seed)
    by = collections.defaultdict(list)
    for i, r in enumerate(rows):
        by[r["category"]].append(i)
    fold, deal = {}, 0
    for cat in sorted(by):
        members = by[cat][:]
        rnd.shuffle(members)
        for i in members:
            fold[i] = deal % k
            deal += 1
    return fold


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def run(args):
    return subprocess.run(args, check=True, capture_output=True,
                          text=True).stdout


def inner_cv(bin_, path, inner, seed, tax, c, beta):
    out = run([bin_, "train", "--csv", path, "--cv", str(inner), "--seed",
               str(seed), "--c", c, "--nb-beta", beta, "--calibrate", "0"] +
              tax)
    got = {}
    for line in out.splitlines():
        if line.startswith("top-"):
            got[line[4]] = float(line.split()[2])
    return got["1"], got["3"]


def score(bin_, train_path, test_path, test_rows, model, extra):
    run([bin_, "train", "--csv", train_path, "--model", model] + extra)
    out = run([bin_, "classify", "--csv", test_path, "--model", model])
    want = {r["id"]: r["category"] for r in test_rows}
    res = []
    for r in csv.DictReader(out.splitlines()):
        y = want[r["id"]]
        top = [r["top1"], r["top2"], r["top3"]]
        res.append((top[0] == y, y in top, float(r["p1"])))
    return res


def summary(res):
    n = len(res)
    t1 = sum(a for a, _, _ in res)
    t3 = sum(b for _, b, _ in res)
    sure = [a for a, _, p in res if p >= ACCEPT]
    mean_p1 = sum(p for _, _, p in res) / n
    return t1 / n, t3 / n, mean_p1, len(sure), sum(sure)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--inner", type=int, default=5)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--taxonomy")
    a = ap.parse_args()
    # Without --taxonomy, no prior texts, whatever the binary's default
    # file (relative to the working directory) holds.
    tax = ["--taxonomy", a.taxonomy] if a.taxonomy else ["--prior-weight",
                                                         "0"]
    with open(a.csv, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["category"]]
    learners = [
        ("nested: SVM, cost and NB weight picked by inner CV", None),
        ("SVM, fixed defaults", []),
        ("logistic regression, fixed defaults", ["--algo", "logreg"]),
    ]
    if a.taxonomy:
        learners.insert(2, ("SVM, fixed defaults, cases only",
                            ["--prior-weight", "0"]))
    results = {name: [] for name, _ in learners}
    picks = collections.Counter()
    with tempfile.TemporaryDirectory() as tmp:
        train_path = os.path.join(tmp, "train.csv")
        test_path = os.path.join(tmp, "test.csv")
        model = os.path.join(tmp, "model.bin")
        for seed in [int(s) for s in a.seeds.split(",")]:
            fold = outer_folds(rows, a.folds, seed)
            per = {name: [] for name, _ in learners}
            for f in range(a.folds):
                tr = [r for i, r in enumerate(rows) if fold[i] != f]
                te = [r for i, r in enumerate(rows) if fold[i] == f]
                write_csv(train_path, tr)
                write_csv(test_path, te)
                # Best inner top-1, then top-3, then the first in GRID.
                best = max(GRID, key=lambda g: (
                    inner_cv(a.bin, train_path, a.inner, seed, tax, *g),
                    -GRID.index(g)))
                picks[best] += 1
                for name, extra in learners:
                    if extra is None:
                        extra = ["--c", best[0], "--nb-beta", best[1]]
                    per[name] += score(a.bin, train_path, test_path, te,
                                       model,
                                       tax + extra + ["--seed", str(seed)])
            for name, _ in learners:
                results[name].append((seed, summary(per[name])))
    print("| learner | seed | top-1 | top-3 | mean p1 | p1 >= %.2f: right"
          % ACCEPT + " |")
    print("|---|---|---|---|---|---|")
    for name, _ in learners:
        for seed, (t1, t3, mp, ns, nr) in results[name]:
            print("| %s | %d | %.4f | %.4f | %.3f | %d/%d |"
                  % (name, seed, t1, t3, mp, nr, ns))
        m1 = sum(s[0] for _, s in results[name]) / len(results[name])
        m3 = sum(s[1] for _, s in results[name]) / len(results[name])
        print("| %s | mean | %.4f | %.4f | | |" % (name, m1, m3))
    print()
    print("Inner picks (cost, NB weight) over the %d outer training parts: "
          % sum(picks.values()) +
          ", ".join("C=%s beta=%s: %d" % (c, b, n)
                    for (c, b), n in sorted(picks.items())) + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
