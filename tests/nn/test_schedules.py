import math
import pickle

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

from sknn.nn import schedules
from sknn.nn.schedules import Adaptive, Constant, Cosine, InvScaling, Schedule, Step


def _run(schedule, lr_init, max_iter, epochs, t_per_epoch=10):
    lr = schedule.start(lr_init, max_iter)
    out = [lr]
    for epoch in range(1, epochs + 1):
        lr = schedule.epoch_end(epoch, epoch * t_per_epoch, lr)
        out.append(lr)
    return out


def test_constant():
    assert _run(Constant(), 0.1, 200, 3) == [0.1, 0.1, 0.1, 0.1]


def test_invscaling_by_hand():
    s = InvScaling(power_t=0.5)
    assert s.start(0.1, 200) == 0.1
    assert s.epoch_end(1, 3, 0.1) == pytest.approx(0.05)  # 0.1 / 4 ** 0.5
    assert s.epoch_end(2, 8, 0.05) == pytest.approx(0.1 / 3)  # 0.1 / 9 ** 0.5
    s = InvScaling(power_t=1.0)
    s.start(1.0, 200)
    assert s.epoch_end(1, 4, 1.0) == pytest.approx(0.2)


def test_invscaling_matches_sklearn():
    ref = SGDOptimizer([np.zeros(1)], learning_rate_init=0.3, lr_schedule="invscaling", power_t=0.25)
    s = InvScaling(power_t=0.25)
    lr = s.start(0.3, 200)
    for epoch, t in enumerate([50, 100, 150, 1000], start=1):
        ref.iteration_ends(t)
        lr = s.epoch_end(epoch, t, lr)
        assert lr == ref.learning_rate


def test_adaptive_by_hand(capsys):
    s = Adaptive()
    lr = s.start(0.1, 200)
    assert s.epoch_end(1, 10, lr) == 0.1  # unchanged between plateaus
    lr, stop = s.plateau(lr, "No improvement.", verbose=True)
    assert (lr, stop) == (pytest.approx(0.02), False)
    assert capsys.readouterr().out == "No improvement. Setting learning rate to 0.020000\n"
    # 0.1 / 5**7 = 1.28e-6 > 1e-6 is still divided; 0.1 / 5**8 = 2.56e-7 stops.
    for _ in range(7):
        lr, stop = s.plateau(lr, "msg", verbose=False)
        assert not stop
    assert lr == pytest.approx(2.56e-7)
    lr2, stop = s.plateau(lr, "No improvement.", verbose=True)
    assert stop and lr2 == lr
    assert capsys.readouterr().out == "No improvement. Learning rate too small. Stopping.\n"


def test_adaptive_matches_sklearn(capsys):
    ref = SGDOptimizer([np.zeros(1)], learning_rate_init=0.5, lr_schedule="adaptive")
    s = Adaptive()
    lr = s.start(0.5, 200)
    while True:
        ref_stop = ref.trigger_stopping("m.", True)
        ref_out = capsys.readouterr().out
        lr, stop = s.plateau(lr, "m.", True)
        assert capsys.readouterr().out == ref_out
        assert stop == ref_stop and lr == ref.learning_rate
        if stop:
            break


@pytest.mark.parametrize("schedule", [Constant(), InvScaling(), Cosine(), Step()])
def test_plateau_stops(schedule, capsys):
    schedule.start(0.1, 10)
    assert schedule.plateau(0.05, "Training loss did not improve.", verbose=True) == (0.05, True)
    assert capsys.readouterr().out == "Training loss did not improve. Stopping.\n"
    schedule.plateau(0.05, "quiet", verbose=False)
    assert capsys.readouterr().out == ""


def test_cosine_by_hand():
    lrs = _run(Cosine(T_max=4), 1.0, 200, 6)
    c = math.cos(math.pi / 4)
    expected = [1.0, (1 + c) / 2, 0.5, (1 - c) / 2, 0.0, 0.0, 0.0]
    assert lrs == pytest.approx(expected, abs=1e-15)
    lrs = _run(Cosine(eta_min=0.1, T_max=2), 1.0, 200, 3)
    assert lrs == pytest.approx([1.0, 0.55, 0.1, 0.1])


def test_cosine_default_t_max_is_max_iter():
    lrs = _run(Cosine(), 0.2, 4, 4)
    assert lrs[2] == pytest.approx(0.1)
    assert lrs[4] == 0.0


def test_step_by_hand():
    assert _run(Step(step_size=2, gamma=0.5), 1.0, 200, 5) == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    lrs = _run(Step(), 0.1, 200, 20)
    assert lrs[9] == 0.1 and lrs[10] == pytest.approx(0.05) and lrs[20] == pytest.approx(0.025)


def test_get():
    assert isinstance(schedules.get("constant"), Constant)
    assert isinstance(schedules.get("adaptive"), Adaptive)
    assert isinstance(schedules.get("cosine"), Cosine)
    assert isinstance(schedules.get("step"), Step)
    s = schedules.get("invscaling", power_t=0.3)
    assert isinstance(s, InvScaling) and s.power_t == 0.3
    user = Step(step_size=3)
    got = schedules.get(user)
    assert got is not user and isinstance(got, Step) and got.step_size == 3
    got.start(0.1, 10)
    assert not hasattr(user, "lr_init")  # the user's object is never mutated
    with pytest.raises(ValueError, match="adaptive.*constant.*cosine.*invscaling.*step"):
        schedules.get("exponential")
    with pytest.raises(ValueError):
        schedules.get(None)
    assert repr(Cosine(T_max=5)) == "Cosine(T_max=5)"
    assert isinstance(got, Schedule)


def test_pickle_keeps_state():
    s = Cosine(eta_min=0.01)
    s.start(0.5, 20)
    s2 = pickle.loads(pickle.dumps(s))
    assert (s2.lr_init, s2.max_iter, s2.eta_min) == (0.5, 20, 0.01)
    assert s2.epoch_end(5, 0, 0.5) == s.epoch_end(5, 0, 0.5)
