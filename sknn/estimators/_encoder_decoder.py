"""The network of :class:`~sknn.AutoencoderTransformer`: its parameters, encoder and decoder.

How the autoencoder's hyper-parameters become layers (an optional corruption
layer, the encoder, the code's penalty, a mirrored, tied or custom decoder),
where the code sits in the trained network, and the input and reconstruction
its public methods share. The estimator (``autoencoder.py``) holds the
signature, the documentation and the public API.
"""

import copy
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..inference import as_network_dtype, predict_raw
from ..nn import (
    Activation,
    ActivityL1,
    BatchNorm,
    Dense,
    Dropout,
    Flatten,
    GaussianNoise,
    MaskingNoise,
    Reshape,
    TiedDense,
)
from ..utils.validation import StrOptions, finite_interval, layer_list, per_layer, positive_ints
from ._adapters import sub_network
from ._base import BaseNetwork
from ._params import (ACTIVATIONS, AUTO_EARLY_STOPPING, HIDDEN_SIZES, RATE, SMALL_AUTO_BATCH,
                      SMALL_AUTO_BATCH_SIZE, constraints_of, training_config)

_ACTIVATION = [StrOptions(set(ACTIVATIONS))]
OUT_ACTIVATIONS = ("identity", "logistic")
NOISES = (None, "gaussian", "masking")


class EncoderDecoder(BaseNetwork):
    """The autoencoder's preset: parameters to layers, and the code's place in the network."""

    # early_stopping also takes 'auto' (its default here); the MLPs keep scikit-learn's bool.
    # batch_size='auto' is min(32, n_samples) here
    _declared_variants = (AUTO_EARLY_STOPPING, SMALL_AUTO_BATCH_SIZE)

    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        **constraints_of(_declared_variants),
        "hidden_layer_sizes": HIDDEN_SIZES,
        "activation": _ACTIVATION + [list, tuple],
        "out_activation": [StrOptions(set(OUT_ACTIVATIONS))],
        "tied_weights": ["boolean"],
        "noise_level": [finite_interval(Real, 0, None, closed="left")],
        "dropout": RATE,
        "batch_norm": ["boolean"],
        "sparsity": [finite_interval(Real, 0, None, closed="left")],
        "layers": [list, tuple, None],
        "decoder_layers": [list, tuple, None],
    }

    def _training_config(self):
        return training_config(self, auto_batch_size=SMALL_AUTO_BATCH)

    def _hidden_sizes(self):
        sizes = list(positive_ints("hidden_layer_sizes", self.hidden_layer_sizes, allow_empty=False))
        k = self.n_components
        return sizes if k is None else sizes[:-1] + [int(k)]

    def _validate_params(self):
        if self.noise not in NOISES:  # before the table: its message names the choices
            raise ValueError(f"noise must be one of {NOISES}, got {self.noise!r}.")
        super()._validate_params()
        k = self.n_components
        if k is not None and (isinstance(k, bool) or not isinstance(k, Integral) or k < 1):
            raise ValueError(f"n_components must be None or a positive int, got {k!r}.")
        if self.noise == "masking" and self.noise_level >= 1:
            raise ValueError(f"noise_level must be in [0, 1) for masking noise, got {self.noise_level!r}.")
        self._encoder_layers = layer_list("layers", self.layers, allow_empty=False)
        self._decoder_layers = layer_list("decoder_layers", self.decoder_layers, allow_empty=False)
        if self._encoder_layers is not None and self.n_components is not None:
            raise ValueError(
                "n_components sets the code size of the hidden_layer_sizes form; with layers= the code "
                "is the output of your encoder: leave n_components=None."
            )
        if self._encoder_layers is not None:
            if self.tied_weights:
                raise ValueError("tied_weights=True needs the hidden_layer_sizes form, not layers=.")
            return
        sizes = self._hidden_sizes()
        self._activations = per_layer("activation", self.activation, len(sizes), _ACTIVATION, type(self).__name__)
        if self.tied_weights and self._decoder_layers is not None:
            raise ValueError("tied_weights=True builds the decoder itself: leave decoder_layers=None.")

    # -- network -----------------------------------------------------------------
    def _hidden_block(self, dense, act, last):
        block = [dense]
        if self.batch_norm:
            block.append(BatchNorm())
        block.append(Activation(act))
        if self.dropout and not last:
            block.append(Dropout(self.dropout))
        return block

    def _build_layers(self, input_shape, n_outputs, rng):
        n_features = int(np.prod(n_outputs))
        layers = []
        if self.noise == "gaussian":
            layers.append(GaussianNoise(self.noise_level))
        elif self.noise == "masking":
            layers.append(MaskingNoise(self.noise_level))
        if self._encoder_layers is not None:
            layers += copy.deepcopy(self._encoder_layers)
            layers.append(Flatten())
        else:
            sizes, acts = self._hidden_sizes(), self._activations
            encoder_dense = []
            for i, (units, act) in enumerate(zip(sizes, acts)):
                encoder_dense.append(Dense(units))
                layers += self._hidden_block(encoder_dense[-1], act, last=i == len(sizes) - 1)
        if self.sparsity:
            layers.append(ActivityL1(self.sparsity))
        self._code_index = len(layers)
        if self._decoder_layers is not None:
            layers += copy.deepcopy(self._decoder_layers)
            layers.append(Reshape((n_features,)))
        elif self._encoder_layers is not None:
            layers.append(Dense(n_features))
        else:
            for j in reversed(range(len(sizes) - 1)):
                dense = TiedDense(encoder_dense[j + 1]) if self.tied_weights else Dense(sizes[j])
                layers += self._hidden_block(dense, acts[j], last=False)
            layers.append(TiedDense(encoder_dense[0]) if self.tied_weights else Dense(n_features))
        if layers and self.noise is not None and len(layers) > 1:
            # the noise layer is first and needs no input gradient: neither does the next
            layers[1].input_grad = False
        return layers

    def _publish_state(self):
        super()._publish_state()
        net, k = self.network_, self._code_index
        code_shape = net.layers[k - 1].output_shape
        self.n_components_ = int(np.prod(code_shape))
        self.encoder_ = sub_network(net, 0, k)
        self.decoder_ = sub_network(net, k)

    @property
    def _n_features_out(self):
        return self.n_components_

    def _input(self, X):
        check_is_fitted(self, "network_")
        return self._adapter.input(self, X)[0]

    def _reconstruction(self, X):
        """Raw outputs for X, and X in the network's dtype (the error is measured there, as in training)."""
        X = as_network_dtype(self._input(X), self.network_.dtype)
        return predict_raw(self.network_, X), X
