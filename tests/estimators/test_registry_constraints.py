"""The names the estimators accept come from the engine's registries; only their display order is scikit-learn's."""

import pytest
from sklearn.utils._param_validation import StrOptions

import sknn
from sknn.estimators import _params
from sknn.nn import activations, optimizers, schedules

PUBLIC = [getattr(sknn, name) for name in sknn.estimators.__all__]


def _options(constraints):
    found = [c.options for c in constraints if isinstance(c, StrOptions)]
    assert len(found) == 1
    return set(found[0])


REGISTERED = {
    "solver": set(optimizers.names()) | {"lbfgs"},  # L-BFGS runs through scipy, outside the optimizer registry
    "learning_rate": set(schedules.names()),
    "activation": set(activations.names(aliases=False)) - {"softmax"},  # hidden activations: element-wise
}


@pytest.mark.parametrize("Est", PUBLIC, ids=lambda c: c.__name__)
@pytest.mark.parametrize("param", sorted(REGISTERED))
def test_every_registered_name_is_accepted_and_nothing_else(Est, param):
    constraints = Est._parameter_constraints.get(param)
    if constraints is None:
        assert param == "activation"  # presets without a hidden activation (TextClassifier)
        return
    assert _options(constraints) == REGISTERED[param]


def test_display_order_is_scikit_learns_then_the_registry_rest():
    assert _params.SOLVERS[:3] == ("lbfgs", "sgd", "adam")
    assert _params.SCHEDULES[:3] == ("constant", "invscaling", "adaptive")
    assert _params.ACTIVATIONS[:4] == ("identity", "logistic", "tanh", "relu")
    for names, param in ((_params.SOLVERS, "solver"), (_params.SCHEDULES, "learning_rate"),
                         (_params.ACTIVATIONS, "activation")):
        assert sorted(names) == sorted(REGISTERED[param])  # each once, none missing
    # the docstrings list every accepted name, in that order
    solver = next(p for p in _params.TRAINING_PARAMS if p.name == "solver")
    assert solver.type == "{" + ", ".join(repr(n) for n in _params.SOLVERS) + "}"


def test_a_new_registry_entry_reaches_the_constraints():
    names = _params.documented_order(("zeta", "sgd", "alpha", "adam"), ("lbfgs", "sgd", "adam"))
    assert names == ("sgd", "adam", "alpha", "zeta")
