"""The autoencoder's reconstruction error is the engine loss's per-sample value (one definition)."""

import numpy as np
import pytest

from sknn import AutoencoderTransformer
from sknn.inference import predict_raw


@pytest.mark.parametrize("out_activation", ["identity", "logistic"])
def test_score_samples_is_the_training_loss_per_sample(out_activation):
    X = np.random.default_rng(0).uniform(0, 1, (30, 6))
    ae = AutoencoderTransformer((4, 2), out_activation=out_activation, max_iter=3, random_state=0).fit(X)
    errors = -ae.score_samples(X)
    per_sample = ae._loss_fn.per_sample(X, predict_raw(ae.network_, X))
    # the loss's scale: half the mean squared error, or the cross-entropy summed over the 6 features
    np.testing.assert_array_equal(errors, per_sample * 2 if out_activation == "identity" else per_sample / 6)
    if out_activation == "identity":  # and the documented definition, from the reconstruction
        np.testing.assert_allclose(errors, ((ae.inverse_transform(ae.transform(X)) - X) ** 2).mean(axis=1))
    assert ae.score(X) == pytest.approx(-errors.mean())
