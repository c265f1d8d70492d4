"""
XOR: the problem sknn started from
==================================

A 2-input, 4-hidden, 1-output sigmoid network written by hand in NumPy, with
no bias terms, weights drawn in [0, 1), a mean squared-error gradient and
plain gradient descent at learning rate 0.1, is still predicting about 0.5 for
every input after 10,000 epochs: it has not learnt XOR.

The same 2-4-1 shape as :class:`sknn.MLPClassifier` (biases, scikit-learn's
Glorot initialisation, the log-loss and L-BFGS) gets all four right.
"""

import numpy as np

from sknn import MLPClassifier

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([0, 1, 1, 0])


# %%
# The hand-written network
# ------------------------


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


rng = np.random.default_rng(0)
W1 = rng.random((2, 4))  # no bias terms
W2 = rng.random((4, 1))
target = y[:, None].astype(float)
for epoch in range(10_000):
    hidden = sigmoid(X @ W1)
    out = sigmoid(hidden @ W2)
    d_out = (out - target) * out * (1 - out) / len(X)
    d_hidden = (d_out @ W2.T) * hidden * (1 - hidden)
    W2 -= 0.1 * hidden.T @ d_out
    W1 -= 0.1 * X.T @ d_hidden

hand = out.ravel()
print("hand-written NumPy 2-4-1, 10,000 epochs:")
for x, p in zip(X.astype(int), hand):
    print(f"  {x[0]} XOR {x[1]} -> {p:.2f}")
hand_correct = int(np.sum((hand > 0.5) == y))
print(f"  {hand_correct}/4 right, every output within {np.max(np.abs(hand - 0.5)):.2f} of 0.5\n")

# %%
# sknn
# ----

clf = MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", random_state=1)
clf.fit(X, y)
proba = clf.predict_proba(X)[:, 1]
print("sknn.MLPClassifier(hidden_layer_sizes=(4,), activation='tanh', solver='lbfgs'):")
for x, p, label in zip(X.astype(int), proba, clf.predict(X)):
    print(f"  {x[0]} XOR {x[1]} -> P(1) = {p:.2f}, predicted {label}")
sknn_correct = int(np.sum(clf.predict(X) == y))
print(f"  {sknn_correct}/4 right")

if sknn_correct != 4:
    raise SystemExit("sknn failed to learn XOR")
