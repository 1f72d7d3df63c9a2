"""Every exercise check fails for the placeholder and for plausible wrong answers, and passes for the solution."""

import importlib.util
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from minisnn import Tensor
from minisnn import functional as F

TUTORIALS = Path(__file__).resolve().parent.parent / "tutorials"
sys.path.insert(0, str(TUTORIALS))
checks = pytest.importorskip("checks")
from minisnn import Function  # noqa: E402


def solution(name: str):
    spec = importlib.util.spec_from_file_location(name, TUTORIALS / "solutions" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_rejected(result, capsys):
    out = capsys.readouterr().out
    assert result is False, out
    assert "correct" not in out, out
    return out


# ------------------------------------------------------------------------------------------ tutorial 00
def count_placeholder(spikes):  # the notebook's placeholder
    return None


@pytest.mark.parametrize(
    ("wrong", "says"),
    [(count_placeholder, "returns None: fill it in"), (lambda s: 1 / 0, "raised ZeroDivisionError"),
     (lambda s: np.zeros(np.shape(s)[1], int), "differ from the count read-out"),
     (lambda s: [["a"] * 3], "class indices")],
    ids=["placeholder", "raises", "all zeros", "not numbers"],
)  # fmt: skip
def test_count_readout_check_rejects_the_placeholder_and_says_what_to_return(wrong, says, capsys):
    out = assert_rejected(checks.check_count_readout(wrong), capsys)
    assert says in out, out


@pytest.mark.parametrize(
    ("slip", "concept"),
    [
        (lambda s: s.sum(axis=1).argmax(axis=1), "one prediction per time step"),  # counted over the digits axis
        (lambda s: s.sum(axis=0).argmax(axis=0), "one prediction per output neuron"),  # argmax over the digits
        (lambda s: s.sum(axis=2).argmax(axis=0), "the sum ran over the output neurons"),  # a step index per digit
        (lambda s: s.sum(axis=0), "these are the spike counts"),  # the counts, not the class
        (lambda s: s.mean(axis=0), "these are the spike counts (or rates)"),  # the rates, not the class
        (lambda s: s.argmax(axis=0), "one number per output neuron"),  # each neuron's first spike step
        (lambda s: s.sum(axis=0).argmax(axis=1)[:, None], "shape (N,)"),  # a column
        (lambda s: s.sum(axis=0).argmin(axis=1), "busiest output neuron, not the quietest"),  # argmin
        (lambda s: s[-1].argmax(axis=1), "one time step is a snapshot"),  # the last step only
        (lambda s: s[0].argmax(axis=1), "one time step is a snapshot"),  # the first step only
        (lambda s: s.max(axis=0).argmax(axis=1), "whether a neuron fired at all"),  # fired or not
        (lambda s: s.any(axis=0).argmax(axis=1), "whether a neuron fired at all"),
        (lambda s: s.sum(axis=0).argmax(axis=1) + 1, "class indices start at zero"),  # digits numbered from one
        (lambda s: np.argsort(s.sum(axis=0), axis=1, kind="stable")[:, -1], "the lowest class index wins"),  # ties
        (lambda s: s.sum(axis=0).max(axis=1), "the largest count itself"),  # max instead of argmax
    ],
    ids=["summed over digits", "argmax over digits", "summed over neurons", "counts returned", "rates returned",
         "first-spike steps returned", "a column", "argmin", "last step", "first step", "fired at all (max)",
         "fired at all (any)", "indices from one", "ties to the highest", "max instead of argmax"],
)  # fmt: skip
def test_count_readout_check_names_each_slip_and_no_number(slip, concept, capsys):
    out = assert_rejected(checks.check_count_readout(slip), capsys)
    assert concept in out, out
    assert not re.search(r"\d", out), out  # no class, no count: nothing to bisect on


def test_count_readout_check_accepts_the_solution_and_equivalent_answers(capsys):
    assert checks.check_count_readout(solution("00_count_readout").predict_digits)
    assert "correct ✔" in capsys.readouterr().out
    equivalents = [
        lambda s: s.mean(axis=0).argmax(axis=1),  # rates rank the neurons as the counts do
        lambda s: list(s.sum(axis=0).argmax(axis=1).astype(float)),  # a list, classes as 3.0
        lambda s: np.array([max(range(s.shape[2]), key=lambda k: (s[:, n, k].sum(), -k)) for n in range(s.shape[1])]),
    ]
    for answer in equivalents:
        assert checks.check_count_readout(answer)
        assert "correct ✔" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ tutorial 01
class PlaceholderTanh(Function):  # the notebook's placeholder
    def forward(self, x):
        return np.zeros_like(x)

    def backward(self, grad):
        return np.zeros_like(grad)


class TanhForgotTheSquare(Function):
    def forward(self, x):
        y = np.tanh(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad):
        (y,) = self.saved_tensors
        return grad * (1.0 - y)


class TanhDerivativeOfX(TanhForgotTheSquare):  # saved y but used it as if it were x: 1 - tanh(y)^2
    def backward(self, grad):
        (y,) = self.saved_tensors
        return grad * (1.0 - np.tanh(y) ** 2)


class TanhFloat64(Function):  # right values, but float32 in -> float64 out
    def forward(self, x):
        y = np.tanh(x.astype(np.float64))
        self.save_for_backward(y)
        return y

    def backward(self, grad):
        (y,) = self.saved_tensors
        return grad * (1.0 - y * y)


class TanhNoSave(Function):  # forgot save_for_backward
    def forward(self, x):
        return np.tanh(x)

    def backward(self, grad):
        (y,) = self.saved_tensors
        return grad * (1.0 - y * y)


@pytest.mark.parametrize("op", [PlaceholderTanh, TanhForgotTheSquare, TanhDerivativeOfX, TanhFloat64, TanhNoSave])
def test_tanh_check_rejects_wrong_answers(op, capsys):
    assert_rejected(checks.check_tanh(op), capsys)


def test_tanh_check_accepts_the_solution(capsys):
    assert checks.check_tanh(solution("01_tanh").Tanh)
    assert "correct ✔" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ tutorial 02
def shapes_by(rule):
    return [tuple(rule(64, k[a], s[a], p[a], d[a]) for a in (0, 1)) for k, s, p, d in checks.SHAPE_LAYERS]


@pytest.mark.parametrize(
    "predicted",
    [
        [None] * 7,  # the placeholder
        shapes_by(lambda h, k, s, p, d: (h + 2 * p - k) // s + 1),  # forgot the dilation
        shapes_by(lambda h, k, s, p, d: (h + p - d * (k - 1) - 1) // s + 1),  # padding on one side only
        shapes_by(lambda h, k, s, p, d: -(-(h + 2 * p - d * (k - 1) - 1) // s) + 1),  # ceil instead of floor
        shapes_by(lambda h, k, s, p, d: (h + 2 * p - d * (k - 1) - 1) // s + 1)[:-1],  # one layer missing
    ],
    ids=["placeholder", "no dilation", "one-sided padding", "ceil", "too few"],
)
def test_shapes_check_rejects_wrong_answers(predicted, capsys):
    out = assert_rejected(checks.check_shapes(predicted), capsys)
    for h, w in shapes_by(lambda h, k, s, p, d: (h + 2 * p - d * (k - 1) - 1) // s + 1):
        assert f"({h}, {w})" not in out, out  # the right shapes are never printed


def test_shapes_check_accepts_the_solution(capsys):
    assert checks.check_shapes(solution("02_output_shapes").predicted_shapes)
    assert "correct ✔" in capsys.readouterr().out
    as_floats = [(float(h), float(w)) for h, w in solution("02_output_shapes").predicted_shapes]
    assert checks.check_shapes(as_floats)  # 32.0 is 32


@pytest.mark.parametrize(
    "rule, concept",
    [
        (lambda h, k, s, p, d: (h + 2 * p - k) // s + 1, "dilated kernel spans"),
        (lambda h, k, s, p, d: (h + p - d * (k - 1) - 1) // s + 1, "padding is added on both sides"),
        (lambda h, k, s, p, d: -(-(h + 2 * p - d * (k - 1) - 1) // s) + 1, "floored"),
        (lambda h, k, s, p, d: (h + 2 * p - d * (k - 1) - 1) / s + 1, "floored"),  # no floor at all: 32.5
        (lambda h, k, s, p, d: (h + 2 * p - d * (k - 1) - 1) // s, "first position"),
    ],
    ids=["no dilation", "one-sided padding", "ceil", "no floor (32.5)", "no +1"],
)
def test_shapes_check_names_each_slips_concept(rule, concept, capsys):
    """Each slip's message names its concept; the fraction a missing floor gives is not truncated into a pass."""
    out = assert_rejected(checks.check_shapes(shapes_by(rule)), capsys)
    assert concept in out, out


def im2col_1d_tap_major(x_padded, k, stride, dilation):  # rows (p, c) instead of (c, p)
    right = solution("02_conv1d_im2col").im2col_1d(x_padded, k, stride, dilation)
    c = x_padded.shape[1]
    return right.reshape(c, k, -1).transpose(1, 0, 2).reshape(c * k, -1)


def im2col_1d_ignores_dilation(x_padded, k, stride, dilation):
    return solution("02_conv1d_im2col").im2col_1d(x_padded, k, stride, 1)


def conv1d_without_bias(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return solution("02_conv1d_im2col").conv1d(x, weight, None, stride, padding, dilation)


def conv1d_unpadded(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return solution("02_conv1d_im2col").conv1d(x, weight, bias, stride, 0, dilation)


@pytest.mark.parametrize(
    "pair",
    [
        ("placeholder", lambda *a: None, lambda *a, **k: None),
        ("tap-major rows", im2col_1d_tap_major, None),
        ("no dilation", im2col_1d_ignores_dilation, None),
        ("no bias", None, conv1d_without_bias),
        ("no padding", None, conv1d_unpadded),
    ],
    ids=lambda pair: pair[0],
)
def test_conv1d_check_rejects_wrong_answers(pair, capsys):
    right = solution("02_conv1d_im2col")
    _, im2col_1d, conv1d = pair
    assert_rejected(checks.check_conv1d(im2col_1d or right.im2col_1d, conv1d or right.conv1d), capsys)


def test_conv1d_check_accepts_the_solution(capsys):
    right = solution("02_conv1d_im2col")
    assert checks.check_conv1d(right.im2col_1d, right.conv1d)
    assert "correct ✔" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ tutorial 03
def fitted_rc():
    t, v, current = checks.mystery_recording()
    return solution("03_fit_rc").fit_rc(t, v, current)  # (R, C, tau)


def test_rc_check_rejects_wrong_answers_without_leaking(capsys):
    R, C, tau = fitted_rc()
    t, v, current = checks.mystery_recording()
    v_inf = v[t >= t[-1] - 100].mean()
    wrong = {
        "placeholder": (1.0, 1.0),
        "C = tau*R instead of tau/R": (R, tau * R),
        "R = V_inf, forgot to divide by I": (v_inf, tau / v_inf),
        "R and C swapped": (C, R),
        "tau read off at 50 % instead of 63 %": (R, 0.69 * tau / R),
    }
    for answer in wrong.values():
        out = assert_rejected(checks.check_rc(*answer), capsys)
        assert "%" not in out.replace("within 5 %", "").replace("NOT within 5 %", ""), out  # no size of the error
        for word in ("too high", "too low", "too large", "too small", "+", "off by"):
            assert word not in out, out  # no direction
    assert_rejected(checks.check_rc("a", None), capsys)
    assert_rejected(checks.check_rc(-1.0, 2.0), capsys)


@pytest.mark.parametrize("slip", ["C = tau (forgot to divide by R)", "C = tau*R"])
def test_rc_check_blames_the_algebra_not_the_fit_when_only_c_is_off(slip, capsys):
    R, C, tau = fitted_rc()
    c = tau if slip.startswith("C = tau (") else tau * R
    out = assert_rejected(checks.check_rc(R, c), capsys)
    assert "C follows from tau and R" in out and "straight line" not in out, out


def test_rc_check_accepts_the_solution(capsys):
    R, C, _ = fitted_rc()
    assert checks.check_rc(R, C)
    assert "correct ✔" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ tutorial 04
SQRT2 = math.sqrt(2.0)


def gaussian_variant(derivative_scale=1.0, erf_scale=SQRT2, keep_dtype=True, placeholder=False):
    import minisnn.surrogate as sg

    erf = np.vectorize(math.erf, otypes=[float])

    def make(s=0.3):
        def derivative(x):
            x = np.asarray(x)
            if placeholder:
                return np.zeros_like(x)
            d = derivative_scale * np.exp(-(x**2) / (2 * s**2)) / (s * math.sqrt(2 * math.pi))
            return d.astype(x.dtype) if keep_dtype else d

        def primitive(x):
            x = np.asarray(x)
            if placeholder:
                return (x >= 0).astype(x.dtype)
            p = 0.5 * (1.0 + erf(x / (s * erf_scale)))
            return p.astype(x.dtype) if keep_dtype else p

        return sg.Surrogate("gaussian", s, "test", derivative, primitive)

    return make


@pytest.mark.parametrize(
    "make",
    [
        gaussian_variant(placeholder=True),
        gaussian_variant(derivative_scale=0.3 * math.sqrt(2 * math.pi)),  # no normalisation: peak 1
        gaussian_variant(erf_scale=1.0),  # erf(x/s): sigma' is not its derivative
        gaussian_variant(keep_dtype=False),  # float32 in, float64 out
        lambda s: 1 / 0,
    ],
    ids=["placeholder", "unnormalised", "erf without sqrt 2", "dtype", "raises"],
)
def test_gaussian_check_rejects_wrong_answers(make, capsys):
    assert_rejected(checks.check_gaussian(make), capsys)


def test_gaussian_check_accepts_the_solution(capsys):
    assert checks.check_gaussian(solution("04_gaussian_surrogate").gaussian)
    assert "correct ✔" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ tutorial 05
@pytest.mark.parametrize(
    "answer",
    [(1.0, 1.0), (1.582, 1.0), (2.5, 1.0), (1.977, 0.5), (None, 1.0), (1.0, -1.0)],
    ids=["placeholder", "forgot the brightness", "too much gain", "R halved", "None", "negative R"],
)
def test_rate_check_rejects_wrong_answers(answer, capsys):
    out = assert_rejected(checks.check_rate_exercise(*answer), capsys)
    assert "increase" not in out and "decrease" not in out and "no spikes" not in out  # no direction
    try:
        hz = checks.exercise_rate_hz(float(answer[0]), float(answer[1]))
    except (TypeError, ValueError):
        return
    body = out.replace(f"{checks.RATE_EXERCISE['target_hz']:g} Hz ± 10 %", "")  # the target is given, not measured
    assert "Hz" not in body and f"{hz:.1f}" not in body, out  # no measured rate to bisect on


def test_rate_check_accepts_the_solution(capsys):
    module = solution("05_snnconv2d")
    assert checks.check_rate_exercise(module.w, 1.0) and checks.check_rate_exercise(1.0, module.R)
    assert "correct ✔" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ tutorial 06
def count_argmax(spikes):  # the rate read-out, not the first spike
    return np.asarray(spikes).sum(axis=0).argmax(axis=1)


def first_index_ignoring_silence(spikes):  # argmax over time treats never-firing neurons as firing at step 0
    return np.asarray(spikes).argmax(axis=0).argmin(axis=1)


def first_spike_without_tie_break(spikes):
    spikes = np.asarray(spikes)
    first = np.where(spikes.any(axis=0), spikes.argmax(axis=0), spikes.shape[0])
    return first.argmin(axis=1)


@pytest.mark.parametrize(
    "wrong",
    [lambda s: None, lambda s: np.zeros(np.shape(s)[1], int), count_argmax, first_index_ignoring_silence,
     first_spike_without_tie_break, lambda s: 1 / 0],
    ids=["placeholder", "all-zeros", "count argmax", "silent neurons first", "no tie break", "raises"],
)  # fmt: skip
def test_first_spike_check_rejects_wrong_answers(wrong, capsys):
    assert not checks.check_first_spike(wrong)
    assert "correct" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [(count_argmax, "WHEN a neuron first fires"), (first_index_ignoring_silence, "never fires must not count"),
     (first_spike_without_tie_break, "more spikes wins")],
    ids=["count argmax", "silent neurons first", "no tie break"],
)  # fmt: skip
def test_first_spike_check_shows_the_hint_written_for_each_usual_slip(wrong, hint, capsys):
    assert not checks.check_first_spike(wrong)
    assert hint in capsys.readouterr().out


def test_first_spike_check_accepts_the_solution(capsys):
    assert checks.check_first_spike(solution("06_first_spike").first_spike_class)
    assert "correct ✔" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ tutorial 08
def full_image_mse(pred, images, masks):  # the placeholder
    return F.mse_loss(pred, images)


def divided_by_mask_mean(pred, images, masks):  # passes when the prediction is composited, not in general
    return F.mse_loss(pred, images) / float(masks.mean())


def a_number_without_graph(pred, images, masks):
    m = np.broadcast_to(masks, pred.shape)
    return Tensor(np.sum(m * (pred.data - images) ** 2) / m.sum())


def per_image_mean(pred, images, masks):  # every image weighs the same, whatever its hole size
    m = np.broadcast_to(masks, pred.shape)
    per = [(((pred[k] - images[k]) ** 2) * m[k]).sum() / float(m[k].sum()) for k in range(len(images))]
    return sum(per[1:], per[0]) / len(per)


def masked_sum_over_all_pixels(pred, images, masks):  # weighted, but normalised by every pixel
    return F.mse_loss(pred, images, weight=np.broadcast_to(masks, pred.shape))


def masked_sum_over_mask_pixels(pred, images, masks):  # forgot the three channels in the normaliser
    m = np.broadcast_to(masks, pred.shape)
    return (((pred - images) ** 2) * m).sum() / float(masks.sum())


@pytest.mark.parametrize(
    "wrong, concept",
    [(full_image_mse, "known pixels still count"), (divided_by_mask_mean, "not composited"),
     (a_number_without_graph, "no graph"), (per_image_mean, "every image weighs the same"),
     (masked_sum_over_all_pixels, "divides by their number"), (masked_sum_over_mask_pixels, "three channels")],
    ids=["placeholder", "mse / mask mean", "no graph", "per-image mean", "normalised by all pixels",
         "channels not counted"],
)  # fmt: skip
def test_hole_loss_check_names_each_slip(wrong, concept, capsys):
    assert not checks.check_hole_loss(wrong)
    out = capsys.readouterr().out
    assert "correct" not in out and concept in out, out
    assert "normalise by the batch's mask mean" not in out  # the recipe is never printed


def test_hole_loss_check_accepts_the_solution(capsys):
    assert checks.check_hole_loss(solution("08_hole_loss").hole_loss)
    assert "correct ✔" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ tutorial 09
def psnr_case():
    rng = np.random.default_rng(3)
    truth = rng.random((3, 16, 16))
    filled = np.clip(truth + rng.normal(0, 0.1, truth.shape), 0, 1)
    mask = np.zeros((1, 16, 16))
    mask[:, 4:10, 3:12] = 1
    filled = np.where(mask > 0, filled, truth)  # known pixels kept, as a fill does
    return filled, truth, mask


def test_psnr_check_rejects_wrong_answers_and_accepts_the_solution(capsys):
    filled, truth, mask = psnr_case()
    whole_image = 10 * np.log10(1 / np.mean((filled - truth) ** 2))
    hole = np.broadcast_to(mask > 0, truth.shape)
    summed_channels = 10 * np.log10(1 / (np.sum((filled - truth)[hole] ** 2) / mask.sum()))
    for wrong in (None, whole_image, summed_channels, "twenty"):
        assert not checks.check_psnr_by_hand(wrong, filled, truth, mask)
    assert "correct" not in capsys.readouterr().out
    mine = solution("09_psnr_by_hand").hole_psnr(filled, truth, mask)
    assert checks.check_psnr_by_hand(mine, filled, truth, mask)
    assert checks.check_psnr_by_hand(round(mine, 2), filled, truth, mask)  # computed by hand, to two decimals
    assert checks.check_psnr_by_hand(float(f"{mine:.2f}"), filled, truth, mask)


def test_psnr_check_names_each_slip(capsys):
    filled, truth, mask = psnr_case()
    hole = np.broadcast_to(mask > 0, truth.shape)
    mse = np.mean((filled - truth)[hole] ** 2)
    slips = {
        "power ratio is 10·log10": 20 * np.log10(1 / mse),
        "base-10 logarithm": 10 * np.log(1 / mse),
        "missing pixels only": 10 * np.log10(1 / np.mean((filled - truth) ** 2)),
        "three channels": 10 * np.log10(1 / (np.sum((filled - truth)[hole] ** 2) / mask.sum())),
    }
    for concept, value in slips.items():
        assert not checks.check_psnr_by_hand(round(float(value), 2), filled, truth, mask)
        out = capsys.readouterr().out
        assert concept in out and f"{10 * np.log10(1 / mse):.2f}" not in out, (concept, out)


# ------------------------------------------------------------------------------------------ tutorial 07
def alif_slip(threshold="before", reset="in_force", decay_a=True, jump="one"):
    """The solution's step with one slip: the threshold without adaptation or from the decayed a, the reset relative to
    v_th or to v_reset, no decay of a, a jump of b."""

    def alif_step(v, a, current, params):
        u = params.decay * v + params.gain * current
        adaptation = {"before": a, "none": 0.0, "decayed": a * params.rho}[threshold]
        theta = params.v_th + params.b * adaptation
        spikes = u >= theta
        subtract = {"in_force": theta - params.v_reset, "v_th": params.v_th - params.v_reset}.get(reset)
        v_new = np.where(spikes, params.v_reset, u) if reset == "zero" else np.where(spikes, u - subtract, u)
        a_new = (a * params.rho if decay_a else a) + (params.b if jump == "b" else 1.0) * spikes
        return spikes, v_new, a_new

    return alif_step


def alif_placeholder(v, a, current, params):  # the notebook's placeholder
    raise NotImplementedError("YOUR CODE HERE")


@pytest.mark.parametrize(
    ("wrong", "says"),
    [(alif_placeholder, "return (spikes, v_new, a_new)"), (lambda v, a, current, params: None, "returned None"),
     (lambda v, a, current, params: (v, v), "three things"),
     (lambda v, a, current, params: (v[:1], v, a), "the shape of v"), (lambda v, a, current, params: 1 / 0, "raised")],
    ids=["placeholder", "None", "two outputs", "wrong shape", "raises"],
)  # fmt: skip
def test_alif_step_check_rejects_the_placeholder_and_says_what_to_return(wrong, says, capsys):
    out = assert_rejected(checks.check_alif_step(wrong), capsys)
    assert says in out, out


@pytest.mark.parametrize(
    ("slip", "concept"),
    [
        (alif_slip(threshold="none"), "must include the adaptation"),  # (a) θ = v_th
        (alif_slip(threshold="decayed"), "adaptation of the step before"),  # (b) the updated a in θ
        (alif_slip(decay_a=False), "decay by ρ"),  # (c) a + S
        (alif_slip(reset="v_th"), "relative to the threshold in force"),  # (d) subtract v_th - v_reset
        (alif_slip(reset="zero"), "resets by subtraction"),  # (e) V = v_reset
        (alif_slip(jump="b"), "jumps by one per spike"),  # (f) a·ρ + b·S
    ],
    ids=["no adaptation in the threshold", "updated a", "no decay", "reset by v_th", "zero reset", "jump b"],
)
def test_alif_step_check_names_each_slip_and_no_number(slip, concept, capsys):
    out = assert_rejected(checks.check_alif_step(slip), capsys)
    assert concept in out, out
    assert not re.search(r"\d", out), out  # no value at all: neither the expected outputs nor a size of the error


def test_alif_step_check_names_two_slips_at_once(capsys):
    out = assert_rejected(checks.check_alif_step(alif_slip(reset="v_th", decay_a=False)), capsys)
    assert "relative to the threshold in force" in out and "decay by ρ" in out, out


def test_alif_step_check_accepts_the_solution_and_equivalent_arithmetic(capsys):
    assert checks.check_alif_step(solution("07_alif_step").alif_step)
    assert "correct ✔" in capsys.readouterr().out

    def by_definition(v, a, current, params):  # Euler's 1 - dt/tau and dt/C, 0/1 floats, an explicit exponential
        u = v * (1 - params.dt / (params.R * params.C)) + current * params.dt / params.C
        theta = params.v_th + params.b * a
        s = (u - theta >= 0).astype(float)
        return s, u - s * (theta - params.v_reset), a * math.exp(-params.dt / params.tau_a) + s

    assert checks.check_alif_step(by_definition)
    assert "correct ✔" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ tutorial 10
def robust(values, p, method="linear"):
    values = np.asarray(values, np.float64)
    return np.percentile(values[values > 0], p, method=method)


def weight_factor_placeholder(previous, this, percentile=99.9):  # the notebook's placeholder
    return None


@pytest.mark.parametrize(
    ("wrong", "says"),
    [(weight_factor_placeholder, "returns None: fill it in"), (lambda a, b, p: 1 / 0, "raised ZeroDivisionError"),
     (lambda a, b, p: robust(a, p) / np.maximum(b, 1e-3), "one number for the whole layer"),
     (lambda a, b, p: "0.3", "one number for the whole layer"),
     (lambda a, b, p: -robust(a, p) / robust(b, p), "positive, finite"),
     (lambda a, b, p: 2 * robust(a, p) / robust(b, p), "section 4's rule")],
    ids=["placeholder", "raises", "per-weight factors", "a string", "negative", "unforeseen"],
)  # fmt: skip
def test_weight_factor_check_rejects_the_placeholder_and_says_what_to_return(wrong, says, capsys):
    out = assert_rejected(checks.check_weight_factor(wrong), capsys)
    assert says in out, out


@pytest.mark.parametrize(
    ("slip", "concept"),
    [
        (lambda a, b, p: a.max() / b.max(), "a maximum is not a percentile"),
        (lambda a, b, p: np.percentile(a, p) / np.percentile(b, p), "over the non-zero activations only"),
        (lambda a, b, p: robust(a, p / 100) / robust(b, p / 100), "takes a percentage between 0 and 100"),
        (lambda a, b, p: robust(b, p) / robust(a, p), "roles are swapped"),  # the wrong layer's scale on each side
        (lambda a, b, p: 1 / robust(b, p), "the previous layer's scale is missing"),
        (lambda a, b, p: robust(a, p), "this layer's own scale is missing"),
        (lambda a, b, p: robust(a, p) / robust(a, p), "each scale comes from its own layer's activations"),
        (lambda a, b, p: robust(a, 99.9) / robust(b, 99.9), "use the percentile you are given"),
    ],
    ids=["max", "with zeros", "fraction", "swapped", "no previous scale", "no own scale", "one layer twice",
         "fixed percentile"],
)  # fmt: skip
def test_weight_factor_check_names_each_slips_concept_and_no_value(slip, concept, capsys):
    out = assert_rejected(checks.check_weight_factor(slip), capsys)
    assert concept in out, out
    assert not re.search(r"\d\.\d", out), out  # no factor, no scale, no size of the error


def test_weight_factor_check_accepts_the_solution_and_any_interpolation(capsys):
    assert checks.check_weight_factor(solution("10_weight_factor").weight_factor)
    assert "correct ✔" in capsys.readouterr().out
    for method in ("lower", "higher", "nearest", "midpoint"):
        assert checks.check_weight_factor(lambda a, b, p, m=method: robust(a, p, m) / robust(b, p, m))
        assert "correct ✔" in capsys.readouterr().out
    # np.quantile with the fraction, float32 arithmetic, the scales of the notebook's library call
    from minisnn.conversion import robust_scale

    def by_quantile(a, b, p):
        return np.float32(np.quantile(a[a > 0], p / 100)) / np.float32(np.quantile(b[b > 0], p / 100))

    assert checks.check_weight_factor(by_quantile)
    assert checks.check_weight_factor(lambda a, b, p: robust_scale(a, p) / robust_scale(b, p))


# ------------------------------------------------------------------------------------------ tutorial 11
def _change(frames, first="dark"):
    base = np.zeros_like(frames[:1]) if first == "dark" else frames[:1]
    return frames - np.concatenate([base, frames[:-1]])


def _two(on, off):
    return np.concatenate([on, off], axis=2).astype(np.float32)


def delta_placeholder(frames, threshold):  # the notebook's placeholder
    return None


@pytest.mark.parametrize(
    ("wrong", "says"),
    [(delta_placeholder, "returns None: fill it in"), (lambda f, t: 1 / 0, "raised ZeroDivisionError"),
     (lambda f, t: _two(np.diff(f, axis=0) >= t, np.diff(f, axis=0) <= -t), "one output step per frame"),
     (lambda f, t: (_change(f) >= t).astype(np.float32), "two channels"),
     (lambda f, t: np.stack([_change(f) >= t, _change(f) <= -t], axis=2), "must return shape"),
     (lambda f, t: _two(_change(f) >= t, -(_change(f) <= -t).astype(np.float32)), "not a −1"),
     (lambda f, t: _two(_change(f) >= t / 2, _change(f) <= -t / 2), "revisit section 2's rule")],
    ids=["placeholder", "raises", "np.diff", "one channel", "new axis", "minus one", "unforeseen"],
)  # fmt: skip
def test_delta_check_rejects_the_placeholder_and_wrong_shapes(wrong, says, capsys):
    out = assert_rejected(checks.check_delta_on_off(wrong), capsys)
    assert says in out, out


def _from_first(f):
    return f - np.concatenate([np.zeros_like(f[:1]), np.repeat(f[:1], len(f) - 1, 0)])


def _silent_first(f):
    c = _change(f)
    c[0] = 0
    return c


@pytest.mark.parametrize(
    ("slip", "concept"),
    [
        (lambda f, t: _two(_change(f) <= -t, _change(f) >= t), "channel 0 holds the ON events"),
        (lambda f, t: _two(_change(f) > t, _change(f) < -t), "exactly the threshold is an event (≥, not >)"),
        (lambda f, t: _two(_from_first(f) >= t, _from_first(f) <= -t), "previous frame, not with the first"),
        (lambda f, t: _two(_silent_first(f) >= t, _silent_first(f) <= -t), "compared with a dark frame"),
        (lambda f, t: _two(_change(f, "self") >= t, _change(f, "self") <= -t), "compared with a dark frame"),
        (lambda f, t: _two(abs(_change(f)) >= t, abs(_change(f)) >= t), "each channel has one polarity"),
        (lambda f, t: _two(_change(f) > 0, _change(f) < 0), "at least the threshold"),
    ],
    ids=["swapped polarity", "> not >=", "against the first frame", "silent first step", "padding=True", "abs",
         "no threshold"],
)  # fmt: skip
def test_delta_check_names_each_slips_concept_and_no_value(slip, concept, capsys):
    out = assert_rejected(checks.check_delta_on_off(slip), capsys)
    assert concept in out, out
    assert not re.search(r"\d\.\d", out), out


def test_delta_check_accepts_the_solution_the_library_and_other_dtypes(capsys):
    from minisnn import encoding

    assert checks.check_delta_on_off(solution("11_delta_on_off").delta_on_off)
    assert "correct ✔" in capsys.readouterr().out
    assert checks.check_delta_on_off(lambda f, t: encoding.delta_on_off(f, t))  # the library, padding=False
    assert checks.check_delta_on_off(lambda f, t: _two(_change(f) >= t, _change(f) <= -t).astype(bool))
    assert checks.check_delta_on_off(lambda f, t: _two(_change(f) >= t, _change(f) <= -t).astype(np.uint8))
    out = capsys.readouterr().out
    assert out.count("correct ✔") == 3, out


# ------------------------------------------------------------------------------------------ tutorial 12
def stdp_placeholder(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    return None  # the notebook's placeholder


def stdp_signs_swapped(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    x_pre, x_post = x_pre * decay_plus, x_post * decay_minus
    return w - a_plus * np.outer(x_pre, post) + a_minus * np.outer(pre, x_post), x_pre + pre, x_post + post


def stdp_taus_swapped(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    x_pre, x_post = x_pre * decay_minus, x_post * decay_plus
    return w + a_plus * np.outer(x_pre, post) - a_minus * np.outer(pre, x_post), x_pre + pre, x_post + post


def stdp_amplitudes_swapped(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    x_pre, x_post = x_pre * decay_plus, x_post * decay_minus
    return w + a_minus * np.outer(x_pre, post) - a_plus * np.outer(pre, x_post), x_pre + pre, x_post + post


def stdp_added_first(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    x_pre, x_post = x_pre * decay_plus + pre, x_post * decay_minus + post  # this step's spikes pair with each other
    return w + a_plus * np.outer(x_pre, post) - a_minus * np.outer(pre, x_post), x_pre, x_post


def stdp_decay_after(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    w = w + a_plus * np.outer(x_pre, post) - a_minus * np.outer(pre, x_post)
    return w, x_pre * decay_plus + pre, x_post * decay_minus + post


def stdp_no_decay(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    return w + a_plus * np.outer(x_pre, post) - a_minus * np.outer(pre, x_post), x_pre + pre, x_post + post


def stdp_traces_swapped(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    x_pre, x_post = x_pre * decay_plus, x_post * decay_minus
    return w + a_plus * np.outer(pre, x_post) - a_minus * np.outer(x_pre, post), x_pre + pre, x_post + post


def stdp_nearest(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    x_pre, x_post = x_pre * decay_plus, x_post * decay_minus
    w = w + a_plus * np.outer(x_pre, post) - a_minus * np.outer(pre, x_post)
    return w, np.where(pre > 0, 1.0, x_pre), np.where(post > 0, 1.0, x_post)


def stdp_transposed(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
    x_pre, x_post = x_pre * decay_plus, x_post * decay_minus
    return (w.T + a_plus * np.outer(post, x_pre) - a_minus * np.outer(x_post, pre)), x_pre + pre, x_post + post


@pytest.mark.parametrize(
    ("wrong", "says"),
    [(stdp_placeholder, "returns None: fill it in"), (lambda *a, **k: 1 / 0, "raised ZeroDivisionError"),
     (lambda w, *a, **k: w, "must return three arrays"), (stdp_transposed, "must keep the shapes")],
    ids=["placeholder", "raises", "one array", "transposed"],
)  # fmt: skip
def test_stdp_step_check_rejects_the_placeholder_and_says_what_to_return(wrong, says, capsys):
    out = assert_rejected(checks.check_stdp_step(wrong), capsys)
    assert says in out, out


@pytest.mark.parametrize(
    ("slip", "concept"),
    [
        (stdp_signs_swapped, "must strengthen the synapse"),
        (stdp_taus_swapped, "each trace decays with its own time constant"),
        (stdp_amplitudes_swapped, "each side of the window has its own amplitude"),
        (stdp_added_first, "add this step's spikes to the traces only after the weight change"),
        (stdp_decay_after, "decay the traces before you read them"),
        (stdp_no_decay, "the traces must decay at every step"),
        (stdp_traces_swapped, "at a postsynaptic spike read the presynaptic trace"),
        (stdp_nearest, "a spike adds one to its trace"),
        (lambda *a, **k: tuple(np.asarray(x) * 1.5 for x in stdp_signs_swapped(*a, **k)), "revisit section 3"),
    ],
    ids=["signs", "taus", "amplitudes", "added first", "decay after", "no decay", "traces swapped", "nearest",
         "unforeseen"],
)  # fmt: skip
def test_stdp_step_check_names_each_slips_concept_and_no_value(slip, concept, capsys):
    out = assert_rejected(checks.check_stdp_step(slip), capsys)
    assert concept in out, out
    assert not re.search(r"\d\.\d", out), out  # no weight, no trace value


def test_stdp_step_check_accepts_the_solution_and_an_in_place_version(capsys):
    assert checks.check_stdp_step(solution("12_stdp_step").stdp_step)
    assert "correct ✔" in capsys.readouterr().out

    def in_place(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus):
        x_pre *= decay_plus
        x_post *= decay_minus
        w[:, post > 0] += a_plus * x_pre[:, None]
        w[pre > 0, :] -= a_minus * x_post[None, :]
        x_pre += pre
        x_post += post
        return w, x_pre, x_post

    assert checks.check_stdp_step(in_place)
    assert "correct ✔" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ tutorial 13
def centre_of_mass_placeholder(spikes, centres):  # the notebook's placeholder
    return None


def _counts(s):
    return np.asarray(s, dtype=np.float64).sum(axis=0)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [(centre_of_mass_placeholder, "returns None: fill it in"), (lambda s, c: 1 / 0, "raised ZeroDivisionError"),
     (lambda s, c: _counts(s) @ c / _counts(s).sum(axis=1), "fired no spike divides by zero"),
     (lambda s, c: s.sum(axis=1), "the sum ran over the samples"),
     (lambda s, c: _counts(s) * c, "one number per neuron"),
     (lambda s, c: [["a"]], "must return numbers"),
     (lambda s, c: np.full(s.shape[1], c.mean() + 0.1), "the centre of mass of section 3")],
    ids=["placeholder", "raises", "silent gives nan", "wrong axis", "per neuron", "not numbers", "unforeseen"],
)  # fmt: skip
def test_centre_of_mass_check_rejects_the_placeholder_and_says_what_to_return(wrong, says, capsys):
    out = assert_rejected(checks.check_centre_of_mass(wrong), capsys)
    assert says in out, out


def _guarded(numerator, denominator, c):
    return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), (c[0] + c[-1]) / 2)


@pytest.mark.parametrize(
    ("slip", "concept"),
    [
        (lambda s, c: _counts(s) @ c, "divided by the total spike count"),
        (lambda s, c: _counts(s) @ c / len(c), "not by the number of neurons"),
        (lambda s, c: _counts(s) @ c / s.shape[0], "not by the number of steps"),
        (lambda s, c: _guarded(_counts(s) @ np.arange(len(c)), _counts(s).sum(1), c), "not with its number"),
        (lambda s, c: c[_counts(s).argmax(axis=1)], "the most active neuron alone"),
        (lambda s, c: _guarded(s[-1] @ c, s[-1].sum(1), c), "one time step is a snapshot"),
        (lambda s, c: _guarded((_counts(s) > 0) @ c, (_counts(s) > 0).sum(1), c), "not by fired-or-not"),
        (lambda s, c: _guarded(_counts(s) @ c[::-1], _counts(s).sum(1), c), "neuron j prefers centres[j]"),
        (lambda s, c: _guarded(_counts(s) @ c, _counts(s).sum(1), np.zeros(2)), "the mean of the first and the last"),
    ],
    ids=["sum", "mean over neurons", "per step", "indices", "argmax", "last step", "fired or not", "reversed",
         "silent gives zero"],
)  # fmt: skip
def test_centre_of_mass_check_names_each_slips_concept_and_no_value(slip, concept, capsys):
    out = assert_rejected(checks.check_centre_of_mass(slip), capsys)
    assert concept in out, out
    assert not re.search(r"\d", out), out  # no decoded value, no size of the error


def test_centre_of_mass_check_accepts_the_solution_and_the_library(capsys):
    from minisnn import population

    assert checks.check_centre_of_mass(solution("13_centre_of_mass").decode)
    assert "correct ✔" in capsys.readouterr().out
    assert checks.check_centre_of_mass(population.decode_centre_of_mass)
    # by rates (counts / T) instead of counts, in float32: the same average
    assert checks.check_centre_of_mass(
        lambda s, c: _guarded((s.mean(0) @ c).astype(np.float32), s.mean(0).sum(1), c).astype(np.float32)
    )
