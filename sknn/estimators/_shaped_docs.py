"""The docstring pieces of the shaped-input estimators (NeuralNet, ConvNet, RNN).

Registered as slots (:func:`~sknn.estimators._params_doc.doc_snippet`): a class
docstring line ``{shaped_classifier_sections}`` or ``{shaped_regressor_sections}``
receives, after the estimator's own parameters, the declared training
parameters, the input rules of :class:`~sknn.estimators._adapters.Shaped`, the
attributes and the notes.
"""

from ._params_doc import doc_snippet

# the docs of every estimator with this adapter: after its own parameters, the rest of its docstring
doc_snippet("shaped_classifier_sections", """
    {declared_parameters}

    {shaped_input}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    {shaped_attributes}

    {shaped_notes}
""")
doc_snippet("shaped_regressor_sections", """
    {declared_parameters}

    {shaped_input}

    Attributes
    ----------
    {shaped_attributes}

    {shaped_notes}
""")
doc_snippet("shaped_input", """
    Input
    -----
    ``X`` may be a 2-D array (each row reshaped to ``input_shape``), an
    array whose samples already have the shape ``input_shape`` (3-D for
    sequences ``(n_samples, n_steps, n_features)``, 4-D for images
    ``(n_samples, height, width, channels)``), or a list of 2-D arrays
    ``(n_steps_i, n_features)`` of varying lengths, which is right-padded with
    zeros and masked (recurrent layers carry their state over padded steps and
    global pooling ignores them). A list of 1-D arrays is read by one rule,
    whatever their lengths: recurrent estimators (RNNClassifier, RNNRegressor)
    read it as sequences of scalars, at fit and predict alike (so they predict
    sequences of any length); the others read it as the rows of a 2-D X and
    refuse rows of different lengths rather than zero-pad them. A sparse 2-D X
    is densified. A sample shape that does not match ``input_shape`` raises a
    ValueError naming both shapes.
""")

doc_snippet("shaped_notes", """
    Notes
    -----
    A prediction is a function of its own sample only: at inference every
    float32 matrix product is correctly rounded (:mod:`sknn.nn.linalg`), so a
    sample's output is the same, bit for bit, whatever samples are predicted
    with it, on any BLAS and thread count. Predicting from several threads at
    once is safe.

    Training is float32 arithmetic with the default ``dtype``: fitting with
    integer ``sample_weight`` matches fitting on repeated rows only up to
    float32 rounding of the training sums (1e-6 relative and more after many
    epochs, above scikit-learn's 1e-7 tolerance); with ``dtype='float64'`` it
    matches within that tolerance, unless ``clip_norm`` is set or the
    recurrent states are max-pooled (both the recurrent presets' defaults):
    these keep every step equivalent but amplify the last-bit differences over
    hundreds of epochs (about 1e-4 to 1e-3 even in float64; set
    ``clip_norm=None`` and ``pooling='last'`` for exact equivalence). With
    dropout, batch normalisation or early stopping the two differ by design:
    dropout draws a mask per row (a repeated row gets two), batch-norm
    statistics are unweighted means over the rows of a batch, and the
    validation split is drawn over rows (``RNNRegressor``'s defaults have
    dropout and early stopping: set ``dropout=0`` and
    ``early_stopping=False`` too).
""")

doc_snippet("shaped_attributes", """
    input_shape_ : tuple of int
        Shape of one sample as the network sees it.

    n_features_in_ : int
        Number of values per sample (columns of a 2-D X).

    feature_names_in_ : ndarray of str
        Names of features seen during fit, when X is a DataFrame with string
        column names.

    {training_attributes}
""")
