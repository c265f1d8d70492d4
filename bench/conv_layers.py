"""Forward + backward time of a small MNIST-style conv stack: sknn vs PyTorch.

28x28x1 -> Conv2D(32, 3x3) -> ReLU -> MaxPool(2) -> Conv2D(64, 3x3) -> ReLU -> MaxPool(2),
batch 128, float32. Run: ``PYTHONPATH=. python bench/conv_layers.py``.
"""

import argparse
import time

import numpy as np

from sknn.nn import Conv2D, MaxPool2D


class _ReLU:
    # Local stand-in so the benchmark only depends on the conv module.
    input_grad = True

    def build(self, shape, rng, dtype):
        return shape

    def forward(self, X, training=False, mask=None):
        self._pos = X > 0
        return X * self._pos

    def backward(self, dY):
        return dY * self._pos


def sknn_stack(rng):
    layers = [Conv2D(32, 3), _ReLU(), MaxPool2D(2), Conv2D(64, 3), _ReLU(), MaxPool2D(2)]
    layers[0].input_grad = False  # first layer: no gradient w.r.t. the images
    shape = (28, 28, 1)
    for layer in layers:
        shape = layer.build(shape, rng, np.float32)
    return layers


def timeit(fn, repeat):
    fn()  # warm-up (allocations, caches)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    try:  # same thread budget for NumPy's BLAS as for torch
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads, user_api="blas")
    except ImportError:
        pass

    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.batch, 28, 28, 1)).astype(np.float32)
    layers = sknn_stack(rng)
    Y = X
    for layer in layers:
        Y = layer.forward(Y, training=True)
    dY = rng.standard_normal(Y.shape).astype(np.float32)

    def np_forward():
        out = X
        for layer in layers:
            out = layer.forward(out, training=True)
        return out

    def np_step():
        np_forward()
        d = dY
        for layer in reversed(layers):
            d = layer.backward(d)

    # per-layer breakdown (forward, backward)
    per_layer = []
    inputs = [X]
    for layer in layers:
        inputs.append(layer.forward(inputs[-1], training=True))
    grads_out = dY
    back_inputs = [None] * len(layers)
    for i in reversed(range(len(layers))):
        back_inputs[i] = grads_out
        layers[i].forward(inputs[i], training=True)
        grads_out = layers[i].backward(grads_out)
    # leave every layer's forward cache matching its recorded input
    for i, layer in enumerate(layers):
        layer.forward(inputs[i], training=True)
    for _ in range(args.rounds):
        times = []
        for i, layer in enumerate(layers):
            f = timeit(lambda: layer.forward(inputs[i], training=True), args.repeat)
            # backward only reads the forward caches, so it can be repeated alone
            b = timeit(lambda: layer.backward(back_inputs[i]), args.repeat)
            times.append((f, b))
        per_layer = times if not per_layer else [
            (min(f0, f1), min(b0, b1)) for (f0, b0), (f1, b1) in zip(per_layer, times)]
    names = [type(layer).__name__.lstrip("_") for layer in layers]

    candidates = {"sknn": (np_forward, np_step)}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(args.threads)
        net = torch.nn.Sequential(
            torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        )
        Xt = torch.from_numpy(X.transpose(0, 3, 1, 2).copy())
        dYt = torch.from_numpy(dY.transpose(0, 3, 1, 2).copy())

        def t_forward():
            with torch.no_grad():
                net(Xt)

        def t_step():
            net.zero_grad(set_to_none=False)
            net(Xt).backward(dYt)

        candidates["torch"] = (t_forward, t_step)

    # Alternate the frameworks over several rounds and keep each one's best
    # median: idle OpenBLAS / OpenMP threads of one library spinning right after
    # its calls can otherwise slow the other one down and make the figures erratic.
    results = {name: (np.inf, np.inf) for name in candidates}
    for _ in range(args.rounds):
        for name, (fwd, step) in candidates.items():
            f, s = timeit(fwd, args.repeat), timeit(step, args.repeat)
            results[name] = (min(results[name][0], f), min(results[name][1], s))
            time.sleep(0.2)

    print(f"batch {args.batch}, float32, {args.threads} threads (BLAS and torch), best of {args.rounds} rounds of median of {args.repeat}")
    print("sknn per layer (ms):  layer        forward  backward")
    for name, (f, b) in zip(names, per_layer):
        print(f"                      {name:<12} {f * 1e3:7.2f}  {b * 1e3:7.2f}")
    print(f"{'':10}{'forward ms':>12}{'fwd+bwd ms':>12}")
    for name, (f, s) in results.items():
        print(f"{name:10}{f * 1e3:12.2f}{s * 1e3:12.2f}")
    if "torch" in results:
        (f0, s0), (f1, s1) = results["sknn"], results["torch"]
        print(f"{'ratio':10}{f0 / f1:12.2f}{s0 / s1:12.2f}   (sknn / torch; target <= 2 for fwd+bwd)")


if __name__ == "__main__":
    main()
