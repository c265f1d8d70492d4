"""One registry per engine concept: names declared once, one get(), errors listing the valid names."""

import numpy as np
import pytest

from sknn import training
from sknn.nn import activations, initializers, losses, optimizers, schedules
from sknn.nn._registry import Registry, signature_repr
from sknn.nn.layer import Layer

CONCEPTS = [
    (activations, "activation", Layer),
    (initializers, "initializer", None),
    (losses, "loss", losses.Loss),
    (optimizers, "optimizer", optimizers.Optimizer),
    (schedules, "learning-rate schedule", schedules.Schedule),
]


@pytest.mark.parametrize("module, kind, base", CONCEPTS, ids=[c[1] for c in CONCEPTS])
def test_every_name_gets_an_object_and_unknown_names_are_listed(module, kind, base):
    names = module.names()
    assert names == tuple(sorted(names)) and len(names) >= 5
    for name in names:
        obj = module.get(name)
        assert isinstance(obj, base) if base is not None else callable(obj)
    with pytest.raises(ValueError) as info:
        module.get("no_such_name")
    message = str(info.value)
    assert message.startswith(f"Unknown {kind} 'no_such_name'")
    assert all(repr(n) in message for n in names)
    with pytest.raises(ValueError, match=f"Unknown {kind} None"):
        module.get(None)


def test_activation_names_and_compatibility_constants():
    assert "sigmoid" in activations.names() and "sigmoid" not in activations.names(aliases=False)
    assert activations.ELEMENTWISE == ("elu", "gelu", "identity", "leaky_relu", "logistic", "relu", "tanh")
    assert set(activations.ACTIVATIONS) == set(activations.names())
    assert activations.get("leaky_relu").forward(np.array([-1.0]))[0] == pytest.approx(-0.01)


def test_training_solver_names_derive_from_the_optimizer_registry():
    assert training.STOCHASTIC_SOLVERS == optimizers.names()
    assert training.SOLVERS == optimizers.names() + ("lbfgs",)


def test_losses_get_passes_constructor_arguments():
    assert losses.get("huber", delta=2.5).delta == 2.5
    inst = losses.Huber(0.5)
    assert losses.get(inst) is inst


def test_embedding_initializers_are_registered_once():
    rng = np.random.default_rng(0)
    w = initializers.get("uniform")((50, 4), 50, 4, rng)
    assert np.abs(w).max() <= 0.05 and w.std() > 0.01
    w = initializers.get("normal")((500, 4), 500, 4, np.random.default_rng(1))
    assert 0.04 < w.std() < 0.06


def _trainer(solver, **overrides):
    from sknn.nn import Dense, Sequential

    net = Sequential([Dense(2)])
    net.build((3,), np.random.default_rng(0))
    cfg = training.TrainingConfig(solver=solver, **overrides)
    t = training.Trainer(net, losses.get("squared_error"), cfg, training.FitState(), np.random.default_rng(0))
    t._setup_optimizer()
    return t.state


@pytest.mark.parametrize(
    "solver, overrides, expected",
    [
        ("sgd", dict(momentum=0.5, nesterovs_momentum=False, learning_rate_init=0.3),
         optimizers.SGD(0.3, momentum=0.5, nesterov=False)),
        ("adam", dict(beta_1=0.8, beta_2=0.9, epsilon=1e-6), optimizers.Adam(beta_1=0.8, beta_2=0.9, epsilon=1e-6)),
        ("adamw", dict(alpha=0.05), optimizers.AdamW(weight_decay=0.05)),
        # the estimators' momentum is SGD's: RMSprop keeps its own (0)
        ("rmsprop", dict(momentum=0.5, epsilon=1e-7), optimizers.RMSprop(epsilon=1e-7)),
        ("adagrad", dict(learning_rate_init=0.01, epsilon=1e-7), optimizers.Adagrad(0.01, epsilon=1e-7)),
    ],
)
def test_trainer_builds_the_optimizer_from_its_training_args(solver, overrides, expected):
    state = _trainer(solver, **overrides)
    assert repr(state.optimizer) == repr(expected)


def test_trainer_builds_the_schedule_from_its_training_args():
    assert repr(_trainer("sgd", learning_rate="invscaling", power_t=0.25).schedule) == "InvScaling(power_t=0.25)"
    assert repr(_trainer("sgd", learning_rate="step", power_t=0.25).schedule) == "Step()"
    user = schedules.Cosine(T_max=3)
    got = _trainer("sgd", learning_rate=user).schedule
    assert got is not user and repr(got) == "Cosine(T_max=3)"


def test_registry_rules():
    reg = Registry("thing", fold_case=True)
    reg.register("Alpha", dict)
    reg.register("beta", dict, alias=True)
    assert reg.names() == ("alpha", "beta") and reg.names(aliases=False) == ("alpha",)
    assert reg.get("ALPHA", x=1) == {"x": 1} and "aLpHa" in reg and 3 not in reg
    with pytest.raises(ValueError, match="already registered"):
        reg.register("alpha", dict)
    with pytest.raises(ValueError, match=r"Unknown thing 'gamma'; valid names are \['alpha', 'beta'\]"):
        reg.lookup("gamma")


def test_signature_repr_shows_what_differs_from_the_defaults():
    class Thing:
        def __init__(self, a, b=1.0, c=None, d=(1, 2)):
            self.a, self.b, self.c, self.d = a, b, c, d

    assert signature_repr(Thing(3)) == "Thing(a=3)"
    assert signature_repr(Thing(3, b=1)) == "Thing(a=3, b=1)"  # same value, other type: shown
    assert signature_repr(Thing(3, c=np.arange(2), d=(1, 2))) == "Thing(a=3, c=array([0, 1]))"
