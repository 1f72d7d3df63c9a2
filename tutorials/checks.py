"""Self-checks for the tutorials' exercises (imported by the notebooks; tested in tests/test_tutorial_checks.py
against the placeholders, plausible wrong answers and the solutions in solutions/).

Every check prints "correct ✔" or says what is wrong, and returns True or False. **The contract every check follows:**

1. The placeholder -- the cell as the notebook ships it -- is rejected, saying what to fill in.
2. Each plausible slip we know of gets its own message, which names the concept that slipped ("padding is added on
   both sides", "decibels use the base-10 logarithm") -- never the answer, never the direction or the size of an error
   ("too high", "off by 3 %"), and never a number the learner could bisect on (a measured rate, a value).
3. A correct answer computed by hand at the precision the exercise asks for is accepted (a PSNR to two decimals, a
   shape as 32.0).
4. An answer wrong in a way not foreseen gets a message that names the method to revisit, not the steps of the
   solution.
5. tests/test_tutorial_checks.py holds, for every check, the placeholder, each slip with its concept's message, the
   solution, and the correct rounded answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from minisnn import GradcheckError, LIFParams, SNNConv2d, Tensor, gradcheck, neuron
from minisnn import functional as F
from minisnn.conv import im2col
from minisnn.neurons import ALIFParams, ALIFState


def _report_exception(error: Exception, what: str = "your code") -> bool:
    hint = " (did forward call self.save_for_backward(...)?)" if "saved_tensors" in str(error) else ""
    print(f"{what} raised {type(error).__name__}: {error}{hint}")
    return False


# ------------------------------------------------------------------------------------------ tutorial 00
def count_readout_reference(spikes: np.ndarray) -> np.ndarray:
    """The count read-out: the class whose output neuron fires most often over the T steps; ties (and a digit with no
    output spike at all) go to the lowest class index."""
    return np.asarray(spikes).sum(axis=0).argmax(axis=1)


def _count_readout_cases() -> list[tuple[str, np.ndarray]]:
    """(name, output spikes (T, N, K)); T, N and K differ in every case, so an answer over the wrong axis has the
    wrong shape. Each case holds a trap for some slip; random trains last."""
    cases = []
    busy = np.zeros((9, 3, 10), np.float32)
    busy[:6, 0, 4] = 1  # digit 0: neuron 4 fires most, but not at the last step...
    busy[6:, 0, 7] = 1  # ...neuron 7 fires at the last steps, fewer times...
    busy[[0, 8], 0, 2] = 1  # ...and neuron 2 fires at the first and the last step
    busy[1:8, 1, 9] = 1  # digit 1: neuron 9 fires most, neurons 0 and 5 once each
    busy[[3], 1, 0] = busy[[8], 1, 5] = 1
    busy[::2, 2, 6] = 1  # digit 2: neuron 6 every other step (the most), neuron 1 three times, at the end
    busy[6:, 2, 1] = 1
    cases.append(("a busy output neuron that is silent at the last step", busy))
    ties = np.zeros((6, 4, 10), np.float32)
    ties[:4, 0, 3] = ties[2:, 0, 8] = 1  # digit 0: neurons 3 and 8 tie
    ties[:5, 2, 9] = ties[1:4, 2, 2] = 1  # digit 1 stays silent; digit 2: neuron 9 wins
    ties[[0, 2, 4], 3, 5] = ties[[1, 3, 5], 3, 1] = 1  # digit 3: neurons 1 and 5 tie
    cases.append(("ties, and a digit with no output spike at all", ties))
    rng = np.random.default_rng(0)
    rates = rng.uniform(0.02, 0.3, (30, 10)) * np.where(rng.random((30, 10)) < 0.2, 3.0, 1.0)
    cases.append(("random spike trains", (rng.random((20, 30, 10)) < np.minimum(rates, 0.95)).astype(np.float32)))
    return cases


def _count_readout_slips() -> list[tuple[Callable[[np.ndarray], np.ndarray], str]]:
    """The read-outs of the usual slips, each with the concept it misses (no digits: nothing to bisect on)."""

    def tie_to_the_highest(s: np.ndarray) -> np.ndarray:
        return s.shape[2] - 1 - s.sum(axis=0)[:, ::-1].argmax(axis=1)

    return [
        (lambda s: s.sum(axis=0).argmin(axis=1), "the digit is named by the busiest output neuron, not the quietest"),
        (lambda s: s[-1].argmax(axis=1), "one time step is a snapshot: the count adds a neuron's spikes over the "
         "whole window"),
        (lambda s: s[0].argmax(axis=1), "one time step is a snapshot: the count adds a neuron's spikes over the "
         "whole window"),
        (lambda s: s.max(axis=0).argmax(axis=1), "whether a neuron fired at all is not how often it fired: the "
         "read-out counts every spike"),
        (lambda s: s.sum(axis=0).argmax(axis=1) + 1, "class indices start at zero: output neuron k stands for the "
         "digit k"),
        (tie_to_the_highest, "a tie (or a digit with no output spike): the lowest class index wins, as the rule says"),
        (lambda s: s.sum(axis=0).max(axis=1), "that is the largest count itself; the prediction is which neuron "
         "reached it (its index)"),
        (lambda s: s.sum(axis=2).argmax(axis=0), "the sum ran over the output neurons: keep each neuron's count "
         "apart, it is that neuron's vote"),
    ]  # fmt: skip


def check_count_readout(predict: Callable[[np.ndarray], Any]) -> bool:
    """Exercise 00: ``predict(spikes (T, N, K)) -> (N,)`` class indices by the spike count. Names the slip it
    recognises (the wrong axis, argmin, one step only, fired-or-not, counts or the largest count returned, indices
    from one, ties), never a class or a count."""
    cases = _count_readout_cases()
    answers = []
    for _, spikes in cases:
        try:
            got = predict(spikes.copy())
        except Exception as error:  # noqa: BLE001 - any mistake: report it instead of stopping the notebook
            return _report_exception(error, "predict_digits")
        if got is None:
            print("predict_digits returns None: fill it in, returning one class index per digit (shape (N,))")
            return False
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            print("predict_digits must return an array of class indices (whole numbers), one per digit")
            return False
        steps, n, k = spikes.shape
        if got.shape != (n,):
            counts = spikes.sum(axis=0)
            if got.shape == (n, k) and any(np.allclose(got, c) for c in (counts, counts / steps)):
                print("not yet: these are the spike counts (or rates) of the output neurons; return the class they "
                      "name, one index per digit")  # fmt: skip
            elif got.shape == (n, k):
                print("not yet: one number per output neuron; return one class index per digit, shape (N,)")
            elif got.shape == (steps,):
                print("not yet: one prediction per time step; a digit's answer comes from counting over the time "
                      "steps, one prediction per digit, shape (N,)")  # fmt: skip
            elif got.shape == (k,):
                print("not yet: one prediction per output neuron; for each digit, pick among its output neurons "
                      "(one prediction per digit, shape (N,))")  # fmt: skip
            else:
                print("not yet: return one class index per digit, an array of shape (N,) for spikes of shape "
                      "(T, N, K)")  # fmt: skip
            return False
        answers.append(got)
    if all(np.array_equal(got, count_readout_reference(s)) for got, (_, s) in zip(answers, cases, strict=True)):
        print("correct ✔  (a busy neuron silent at the last step, ties, a silent digit, random trains)")
        return True
    for slip, concept in _count_readout_slips():
        if all(np.array_equal(got, slip(s)) for got, (_, s) in zip(answers, cases, strict=True)):
            print(f"not yet: {concept}")
            return False
    wrong = next(name for got, (name, s) in zip(answers, cases, strict=True)
                 if not np.array_equal(got, count_readout_reference(s)))  # fmt: skip
    print(f"not yet: the predictions differ from the count read-out on {wrong}. Revisit the count read-out of "
          "section 3: what is counted, over which steps, and which neuron's count names the digit")  # fmt: skip
    return False


# ------------------------------------------------------------------------------------------ tutorial 01
def check_tanh(op: Any) -> bool:
    """Exercise 01: ``op`` is a ``minisnn.Function`` subclass computing tanh with its backward."""
    rng = np.random.default_rng(1)
    try:
        x = Tensor(np.linspace(-3.0, 3.0, 13), requires_grad=True)
        y = op.apply(x)
        if y.shape != x.shape:
            print(f"forward should return an array of x's shape {x.shape}, got shape {y.shape}")
            return False
        wrong = np.abs(y.data - np.tanh(x.data))
        if wrong.max() > 1e-12:
            k = int(np.argmax(wrong))
            print(f"forward is not tanh yet: at x = {x.data[k]:g} it gives {y.data[k]:.6g}, "
                  f"tanh(x) = {np.tanh(x.data[k]):.6g}")  # fmt: skip
            return False
        y32 = op.apply(Tensor(np.linspace(-1.0, 1.0, 5), dtype=np.float32))
        if y32.dtype != np.float32:
            print(f"forward changed the dtype: float32 in, {y32.dtype} out")
            return False
        gradcheck(lambda t: op.apply(t), [Tensor(rng.standard_normal((3, 4)), requires_grad=True)])
    except GradcheckError as error:
        print("forward is right, but backward is not yet:", error)
        return False
    except Exception as error:  # noqa: BLE001 - any other mistake: report it instead of stopping the notebook
        return _report_exception(error, "your Tanh")
    print("correct ✔  (forward matches np.tanh, float32 stays float32, gradcheck passed)")
    return True


# ------------------------------------------------------------------------------------------ tutorial 02
#: Exercise 02 A: (kernel, stride, padding, dilation), each as an (h, w) pair, on a 64×64 input.
SHAPE_LAYERS = [
    ((3, 3), (1, 1), (0, 0), (1, 1)),
    ((3, 3), (2, 2), (1, 1), (1, 1)),
    ((5, 5), (1, 1), (2, 2), (1, 1)),
    ((3, 3), (1, 1), (2, 2), (2, 2)),
    ((3, 7), (2, 1), (0, 3), (1, 1)),
    ((4, 4), (4, 4), (0, 0), (1, 1)),
    ((3, 3), (3, 3), (1, 1), (2, 2)),
]


def _output_size(h: int, k: int, s: int, p: int, d: int) -> int:
    return (h + 2 * p - d * (k - 1) - 1) // s + 1


#: Slips in the output-size formula, per axis, and the concept each one misses.
_SHAPE_SLIPS: list[tuple[Callable[[int, int, int, int, int], float], str]] = [
    (lambda h, k, s, p, d: (h + 2 * p - k) // s + 1, "a dilated kernel spans d·(k − 1) + 1 input pixels"),
    (lambda h, k, s, p, d: (h + p - d * (k - 1) - 1) // s + 1, "padding is added on both sides"),
    (lambda h, k, s, p, d: -(-(h + 2 * p - d * (k - 1) - 1) // s) + 1, "the division by the stride is floored"),
    (lambda h, k, s, p, d: (h + 2 * p - d * (k - 1) - 1) / s + 1, "the division by the stride is floored"),
    (lambda h, k, s, p, d: (h + 2 * p - d * (k - 1) - 1) // s, "count the kernel's first position too"),
    (lambda h, k, s, p, d: (h + 2 * p - d * (k - 1)) // s + 1, "the kernel's span covers its first pixel too"),
]


def check_shapes(predicted: Any) -> bool:
    """Exercise 02 A: one (H', W') pair per layer of :data:`SHAPE_LAYERS`; says which layers are off and the concept
    each slip misses (dilation, padding on both sides, the floor, the first position), never a size."""
    try:
        predicted = list(predicted)
        if len(predicted) != len(SHAPE_LAYERS):
            print(f"give one (H', W') pair per layer: {len(SHAPE_LAYERS)} expected, {len(predicted)} given")
            return False
        if all(guess is None for guess in predicted):
            print("no predictions yet: fill in predicted_shapes")
            return False
        wrong = 0
        for number, ((k, s, p, d), guess) in enumerate(zip(SHAPE_LAYERS, predicted, strict=True), 1):
            out = F.conv2d(Tensor(np.zeros((1, 1, 64, 64))), Tensor(np.zeros((1, 1) + k)),
                           stride=s, padding=p, dilation=d)  # fmt: skip
            true = tuple(out.shape[2:])
            layer = f"layer {number} (k={k}, s={s}, p={p}, d={d})"
            if guess is None:
                wrong += 1
                print(f"{layer}: no prediction yet")
                continue
            guess = tuple(guess)
            if len(guess) != 2 or not all(isinstance(g, (int, float, np.integer, np.floating)) for g in guess):
                wrong += 1
                print(f"{layer}: give a pair of numbers (H', W'), got {guess!r}")
                continue
            if tuple(float(g) for g in guess) == tuple(float(t) for t in true):
                continue
            wrong += 1
            concepts = []
            for axis in (0, 1):
                if float(guess[axis]) == float(true[axis]):
                    continue
                args = (64, k[axis], s[axis], p[axis], d[axis])
                for rule, concept in _SHAPE_SLIPS:
                    if float(rule(*args)) == float(guess[axis]) and concept not in concepts:
                        concepts.append(concept)
                        break
                else:
                    if not float(guess[axis]).is_integer() and "the division by the stride is floored" not in concepts:
                        concepts.append("the division by the stride is floored")
            off = [name for name, g, t in zip(("H'", "W'"), guess, true, strict=True) if float(g) != float(t)]
            why = (
                "; ".join(concepts)
                if concepts
                else (
                    "work through the formula of section 4 for this axis: the padded size, the dilated kernel's span, "
                    "the floor of the division by the stride"
                )
            )
            print(f"{layer}: {' and '.join(off)} not right yet ({why})")
        if wrong:
            return False
    except Exception as error:  # noqa: BLE001
        return _report_exception(error, "checking your predictions")
    print("correct ✔  (all output shapes match F.conv2d)")
    return True


#: Exercise 02 B: (N, C, O, L, k, stride, padding, dilation).
CONV1D_CASES = [
    (1, 1, 1, 8, 3, 1, 0, 1), (2, 3, 4, 20, 3, 1, 1, 1), (2, 3, 2, 21, 5, 2, 2, 1),
    (1, 2, 3, 17, 3, 1, 2, 2), (3, 2, 2, 16, 4, 3, 1, 2),
]  # fmt: skip


def check_conv1d(im2col_1d: Callable[..., Any], conv1d: Callable[..., Any]) -> bool:
    """Exercise 02 B: compare with minisnn (a 1-D convolution is a 2-D one with height 1)."""
    check_rng = np.random.default_rng(1)
    try:
        for n, c, o, length, k, s, p, d in CONV1D_CASES:
            setting = f"N={n}, C={c}, O={o}, L={length}, k={k}, stride={s}, padding={p}, dilation={d}"
            x = check_rng.standard_normal((n, c, length))
            w = check_rng.standard_normal((o, c, k))
            b = check_rng.standard_normal(o)
            x_padded = np.pad(x, ((0, 0), (0, 0), (p, p)))
            expected_cols = im2col(x_padded[:, :, None, :], (1, k), (1, s), (1, d))
            cols = im2col_1d(x_padded.copy(), k, s, d)
            if cols is None:
                print("im2col_1d returns None: fill it in first")
                return False
            cols = np.asarray(cols)
            if cols.shape != expected_cols.shape:
                print(f"im2col_1d: shape {cols.shape}, expected (C·k, N·L') = {expected_cols.shape} for {setting}")
                return False
            if not np.allclose(cols, expected_cols):
                print(f"im2col_1d: right shape, wrong entries for {setting}; rows must be (c, p) and columns (n, t)")
                return False
            expected = F.conv2d(Tensor(x[:, :, None, :]), Tensor(w[:, :, None, :]), Tensor(b),
                                stride=(1, s), padding=(0, p), dilation=(1, d)).numpy()[:, :, 0, :]  # fmt: skip
            y = conv1d(x.copy(), w.copy(), b.copy(), stride=s, padding=p, dilation=d)
            if y is None:
                print("im2col_1d matches minisnn's im2col; conv1d returns None: fill it in next")
                return False
            y = np.asarray(y)
            if y.shape != expected.shape:
                print(f"conv1d: shape {y.shape}, expected (N, O, L') = {expected.shape} for {setting}")
                return False
            if not np.allclose(y, expected):
                no_bias = np.allclose(y, expected - b[None, :, None])
                print(f"conv1d: right shape, wrong values for {setting}"
                      + (" (the bias is missing)" if no_bias else ""))  # fmt: skip
                return False
    except Exception as error:  # noqa: BLE001
        return _report_exception(error)
    print(f"correct ✔  (im2col_1d and conv1d match minisnn on all {len(CONV1D_CASES)} cases)")
    return True


# ------------------------------------------------------------------------------------------ tutorial 03
_MYSTERY_SEED = 7


def _mystery_params() -> tuple[LIFParams, np.random.Generator]:
    rng = np.random.default_rng(_MYSTERY_SEED)
    return LIFParams(R=rng.uniform(0.5, 2.0), C=rng.uniform(5.0, 15.0), dt=0.5), rng


def mystery_recording() -> tuple[np.ndarray, np.ndarray, float]:
    """Exercise 03: (t [ms], noisy V [a.u.], I) -- 300 ms of a hidden neuron's sub-threshold step response from
    V(0) = 0 with the constant current I = 0.4, electrode noise of standard deviation 0.005."""
    hidden, rng = _mystery_params()
    current = 0.4
    recording = neuron.simulate_lif(np.full(600, current), hidden, method="exact")  # R*I <= 0.8 < v_th
    t = np.r_[0.0, recording.t]
    v = np.r_[0.0, recording.v] + rng.normal(0.0, 0.005, size=t.size)
    return t, v, current


def check_rc(R_est: Any, C_est: Any, tolerance: float = 0.05) -> bool:
    """Exercise 03: R and C of the mystery neuron within ``tolerance`` (5 %). Says which estimate is outside it
    and which step of the method to revisit -- never by how much or in which direction."""
    hidden, _ = _mystery_params()
    try:
        R_est, C_est = float(R_est), float(C_est)
    except (TypeError, ValueError):
        print(f"R_est and C_est must be numbers, got {R_est!r} and {C_est!r}")
        return False
    if not (math.isfinite(R_est) and math.isfinite(C_est) and R_est > 0 and C_est > 0):
        print(f"R_est and C_est must be positive and finite, got {R_est!r} and {C_est!r}")
        return False
    r_ok = abs(R_est / hidden.R - 1) <= tolerance
    tau_ok = abs(R_est * C_est / hidden.tau - 1) <= tolerance
    c_ok = abs(C_est / hidden.C - 1) <= tolerance
    if r_ok and c_ok:
        print(f"correct ✔  (R and C both within {100 * tolerance:g} % of the hidden neuron's)")
        return True
    # C computed from a right tau with a slip in the algebra: C = tau, or C = tau·R (tau = R·C solved wrongly)
    c_from_tau = any(abs(C_est / c - 1) <= tolerance for c in (hidden.tau, hidden.tau * R_est))
    if r_ok and not c_ok and c_from_tau:
        print(f"not yet: R is within {100 * tolerance:g} %, C is not. Your tau looks right: C follows from tau and R "
              "(solve tau = R*C for C).")  # fmt: skip
        return False
    print(f"not yet: R is {'within' if r_ok else 'NOT within'} {100 * tolerance:g} %, tau = R*C is "
          f"{'within' if tau_ok else 'NOT within'} {100 * tolerance:g} %.")  # fmt: skip
    if not r_ok:
        print("  R: the plateau V_inf is R times the current (average the end of the trace, where V no longer rises).")
    if not tau_ok:
        print(
            "  tau: fit a straight line to ln(V_inf - V) against t, only where V_inf - V is well above the noise; "
            "the slope is -1/tau."
        )
    elif not c_ok:
        print("  tau is right but C is not: C follows from tau and R (tau = R*C).")
    return False


# ------------------------------------------------------------------------------------------ tutorial 04
def check_gaussian(make_surrogate: Callable[[float], Any], s: float = 0.3) -> bool:
    """Exercise 04: ``make_surrogate(s)`` returns a Gaussian :class:`~minisnn.surrogate.Surrogate` of width s."""
    try:
        sur = make_surrogate(s)
        x = np.linspace(-1.5, 1.5, 61)
        expected = np.exp(-(x**2) / (2 * s**2)) / (s * math.sqrt(2 * math.pi))
        got = np.asarray(sur.derivative(x.copy()), dtype=np.float64)
        if got.shape != x.shape:
            print(f"derivative(x) must have the shape of x {x.shape}, got {got.shape}")
            return False
        if not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
            what = (
                "its peak height (check the normalisation 1/(s√(2π)))"
                if np.allclose(got / max(got.max(), 1e-300), expected / expected.max(), rtol=1e-6, atol=1e-9)
                else "its shape"
            )
            print(f"sigma'(x) is not the Gaussian of the formula yet: {what} differs")
            return False
        ends = np.asarray(sur.primitive(np.array([-10.0, 0.0, 10.0])), dtype=np.float64)
        if not np.allclose(ends, [0.0, 0.5, 1.0], atol=1e-6):
            print(f"sigma should be 0 at -inf, 1/2 at 0 and 1 at +inf; your primitive gives {ends} at x = -10, 0, 10")
            return False
        for dtype in (np.float32, np.float64):
            probe = np.linspace(-1, 1, 5).astype(dtype)
            if np.asarray(sur.derivative(probe)).dtype != dtype or np.asarray(sur.primitive(probe)).dtype != dtype:
                print(f"derivative and primitive must keep the dtype: {dtype.__name__} in, {dtype.__name__} out "
                      "(use .astype(x.dtype))")  # fmt: skip
                return False
        points = Tensor(np.linspace(-1.0, 1.0, 9) + 0.013, requires_grad=True, dtype=np.float64)
        gradcheck(sur.smooth, [points])
    except GradcheckError:
        print("gradcheck says derivative is not the derivative of primitive (look at the scale inside erf)")
        return False
    except Exception as error:  # noqa: BLE001
        return _report_exception(error, "your surrogate")
    print("correct ✔  (sigma' matches the formula, sigma goes 0 → 1/2 → 1, and gradcheck confirms sigma' = dsigma/dx)")
    return True


# ------------------------------------------------------------------------------------------ tutorial 05
#: Exercise 05: tau [ms], dt [ms], T [steps], patch brightness, target rate [Hz].
RATE_EXERCISE = {"tau_ms": 5.0, "dt_ms": 1.0, "num_steps": 40, "brightness": 0.8, "target_hz": 200.0}


def exercise_rate_hz(w: float, R: float) -> float:
    """Exercise 05: the rate [Hz] of a 1×1 SNNConv2d (weight w, no bias, LIF with R and C = tau/R, eval mode) that
    looks at a uniform patch of the exercise's brightness for the exercise's T steps."""
    e = RATE_EXERCISE
    cell = LIFParams(R=float(R), C=e["tau_ms"] / float(R), dt=e["dt_ms"])
    layer = SNNConv2d(1, 1, kernel_size=1, bias=False, num_steps=int(e["num_steps"]), neuron=cell,
                      output="rate").eval()  # fmt: skip
    layer.conv.weight.data[...] = float(w)
    patch = np.full((1, 1, 4, 4), e["brightness"], np.float32)
    return float(layer(patch).data.mean()) / e["dt_ms"] * 1000


def check_rate_exercise(w: Any, R: Any) -> bool:
    """Exercise 05: the neurons fire at the target rate within 10 %. Says neither the rate the layer fires at nor in
    which direction it misses (with either, a few guesses of w bisect onto the answer without the method)."""
    target = RATE_EXERCISE["target_hz"]
    try:
        hz = exercise_rate_hz(float(w), float(R))
    except Exception as error:  # noqa: BLE001 - e.g. w = None or R <= 0
        print(f"could not simulate with w = {w!r}, R = {R!r}: {error}")
        return False
    if abs(hz - target) <= 0.1 * target:
        print(f"correct ✔  (the layer fires at {hz:.1f} Hz, target {target:g} Hz ± 10 %)")
        return True
    print(
        f"not yet: the layer does not fire at {target:g} Hz ± 10 %. Work it out rather than trying values: how many "
        "steps may one spike take at the target rate (with dt), then which R·I reaches the threshold in exactly that "
        "many steps from the reset (section 3's geometric series, or current_for_rate)"
    )
    return False


# ------------------------------------------------------------------------------------------ tutorial 06
def first_spike_reference(spikes: np.ndarray) -> np.ndarray:
    """The class whose output neuron fires first; ties -> more spikes; still tied (or silent) -> lowest index."""
    spikes = np.asarray(spikes)
    steps = spikes.shape[0]
    fired = spikes.any(axis=0)  # (N, K)
    first = np.where(fired, spikes.argmax(axis=0), steps)  # first spike step, T for neurons that never fire
    key = first * (steps + 1) - spikes.sum(axis=0)  # earlier first, then more spikes
    return key.argmin(axis=1)


def _first_spike_cases() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(6)
    cases = []  # the cases a usual slip fails first, each with its hint; random trains last
    late_burst = np.zeros((10, 1, 3), np.float32)
    late_burst[2, 0, 1] = 1  # class 1 fires first, once
    late_burst[4:, 0, 2] = 1  # class 2 fires later, six times
    late_burst[7, 0, 0] = 1  # class 0 fires last (every neuron fires: a silent one is the next case)
    cases.append(("an early single spike against a late burst", late_burst))
    silent_neurons = np.zeros((6, 1, 4), np.float32)
    silent_neurons[3, 0, 2] = 1  # only class 2 ever fires; the others never do
    cases.append(("neurons that never fire", silent_neurons))
    tie = np.zeros((8, 1, 3), np.float32)
    tie[1, 0, 0] = tie[1, 0, 2] = 1  # classes 0 and 2 both fire first at step 1...
    tie[5, 0, 2] = 1  # ...but class 2 fires once more
    cases.append(("a tie in time broken by the spike count", tie))
    cases.append(("no output spike at all", np.zeros((5, 2, 4), np.float32)))
    cases.append(("random spike trains", (rng.random((12, 40, 10)) < 0.08).astype(np.float32)))
    return cases


def check_first_spike(decode: Callable[[np.ndarray], np.ndarray]) -> bool:
    """Exercise 06: ``decode(spikes (T, N, K)) -> (N,)`` class indices by time to first spike."""
    for name, spikes in _first_spike_cases():
        expected = first_spike_reference(spikes)
        try:
            got = decode(spikes.copy())
        except Exception as error:  # noqa: BLE001 - report any failure of the learner's code
            print(f"your function raised {type(error).__name__}: {error} (on {name})")
            return False
        if got is None:
            print("your function returned None: return an array of class indices, shape (N,)")
            return False
        got = np.asarray(got)
        if got.shape != expected.shape:
            print(f"expected shape {expected.shape} (one class per sample), got {got.shape} (on {name})")
            return False
        if not np.array_equal(got, expected):
            wrong = int(np.flatnonzero(got != expected)[0])
            hints = {
                "an early single spike against a late burst": "this is decided by WHEN a neuron first fires, not by "
                "how often (that would be the rate read-out)",
                "neurons that never fire": "a neuron that never fires must not count as 'first' (argmax over time "
                "returns 0 for an all-zero train: treat it as firing at step T)",
                "a tie in time broken by the spike count": "when two neurons fire first at the same step, the one with "
                "more spikes wins",
                "no output spike at all": "with no spike at all, fall back to class 0",
            }
            print(f"wrong on {name} (sample {wrong}): " + hints.get(name, "compare with the rule above"))
            return False
    print("correct ✔  (an early spike against a late burst, silent neurons, ties, no spikes, random trains)")
    return True


# ------------------------------------------------------------------------------------------ tutorial 08
def _hole_loss_case(seed: int = 0) -> tuple[Any, np.ndarray, np.ndarray]:
    """A prediction that is NOT composited (errors everywhere) and holes of different sizes per image."""
    from minisnn import Tensor

    rng = np.random.default_rng(seed)
    pred = Tensor(rng.random((3, 3, 12, 12)), requires_grad=True)
    images = rng.random((3, 3, 12, 12))
    masks = np.zeros((3, 1, 12, 12))
    masks[0, :, 2:5, 2:5] = 1  # 9 pixels
    masks[1, :, 1:11, 1:11] = 1  # 100 pixels
    masks[2, :, 6:8, :] = 1  # 24 pixels
    return pred, images, masks


def _hole_loss_slips(pred: np.ndarray, images: np.ndarray, masks: np.ndarray) -> list[tuple[float, str]]:
    """The values of the usual slips on the check's case, each with the concept it misses."""
    m = np.broadcast_to(masks, pred.shape)
    e = (pred - images) ** 2
    n = len(pred)
    per_image = [float(np.sum(m[k] * e[k]) / np.sum(m[k])) for k in range(n)]
    return [
        (float(e.mean()), "the known pixels still count: the loss must give them weight 0"),
        (
            float(e.mean() / masks.mean()),
            "the known pixels still count (this prediction is not composited): weight each squared error by the mask",
        ),
        (
            float(np.sum(m * e) / e.size),
            "the normaliser: the mean over the hole pixels divides by their number, not by every pixel's",
        ),
        (float(np.sum(m * e) / masks.sum()), "the normaliser: each hole pixel has three channels, and each counts"),
        (
            float(np.mean(per_image)),
            "every image weighs the same here: pool the squared errors of all the batch's "
            "hole pixels, so that a large hole counts in proportion to its size",
        ),
    ]


def check_hole_loss(hole_loss: Callable[..., Any]) -> bool:
    """Exercise 08: ``hole_loss(pred, images, masks)`` = Σ m (pred − y)² / (3 Σ m), a Tensor with a graph. Names the
    slip it recognises (the known pixels counted, the normaliser, every image weighing the same), never a value."""
    from minisnn import Tensor

    pred, images, masks = _hole_loss_case()
    try:
        loss = hole_loss(pred, images, masks)
    except Exception as error:  # noqa: BLE001
        return _report_exception(error, "hole_loss")
    if not isinstance(loss, Tensor):
        print(f"hole_loss must return a minisnn Tensor (so that backward() works), got {type(loss).__name__}")
        return False
    if loss.size != 1:
        print(f"hole_loss must return one number (a 0-d Tensor), got shape {loss.shape}")
        return False
    if not loss.requires_grad:
        print("your loss has no graph: build it from pred with Tensor operations (F.mse_loss), don't wrap a number")
        return False
    m = np.broadcast_to(masks, pred.shape)
    reference = float(np.sum(m * (pred.data - images) ** 2) / m.sum())
    if not np.isclose(loss.item(), reference, rtol=1e-9):
        for value, concept in _hole_loss_slips(pred.data, images, masks):
            if np.isclose(loss.item(), value, rtol=1e-9):
                print(f"not yet: {concept}")
                return False
        print("not yet: the value is not the mean squared error over the hole pixels (this check's prediction is not "
              "composited, and its holes have three sizes)")  # fmt: skip
        return False
    pred.grad = None
    loss.backward()
    expected_grad = 2 * m * (pred.data - images) / m.sum()
    if pred.grad is None or not np.allclose(pred.grad, expected_grad, rtol=1e-7, atol=1e-12):
        print("the value is right but its gradient is not: the loss must be computed from pred, not from a copy")
        return False
    print("correct ✔  (value and gradient, with a non-composited prediction and holes of three sizes)")
    return True


# ------------------------------------------------------------------------------------------ tutorial 09
def check_psnr_by_hand(my_psnr: Any, filled: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> bool:
    """Exercise 09: the hole PSNR of one crop, 10·log10(1/MSE) with the MSE over hole pixels and channels, accepted to
    two decimals (what one reads off by hand). Names the slip it recognises, never the value."""
    if my_psnr is None:
        print("not yet: set my_psnr (the hole MSE first, over hole pixels AND channels, then 10·log10(1/MSE))")
        return False
    try:
        value = float(my_psnr)
    except (TypeError, ValueError):
        print(f"my_psnr must be a number, got {my_psnr!r}")
        return False
    filled, truth = np.asarray(filled, np.float64), np.asarray(truth, np.float64)
    hole = np.broadcast_to(np.asarray(mask) > 0, filled.shape)
    squared = (filled - truth) ** 2
    mse = float(np.mean(squared[hole]))
    expected = 10 * np.log10(1.0 / mse)
    if abs(value - expected) <= 0.005 + 1e-9:  # right to two decimals
        print("correct ✔")
        return True
    slips = [
        (20 * np.log10(1.0 / mse), "the decibel of a power ratio is 10·log10; the MSE is already a power (squared)"),
        (10 * np.log(1.0 / mse), "decibels use the base-10 logarithm"),
        (10 * np.log10(1.0 / float(np.mean(squared))), "the MSE is over the missing pixels only, not the whole image"),
        (
            10 * np.log10(1.0 / (float(np.sum(squared[hole])) / float(np.sum(np.asarray(mask) > 0)))),
            "average over the three channels too: a hole pixel has three squared errors",
        ),
        (mse, "that is the MSE: the PSNR is 10·log10(1/MSE)"),
        (10 * np.log10(mse), "the PSNR is 10·log10 of 1/MSE (the peak 1 over the error), not of the MSE"),
    ]
    for wrong, concept in slips:
        if abs(value - wrong) <= 0.005 + 1e-9:
            print(f"not yet: {concept}")
            return False
    print("not yet: that is not the PSNR of the hole's mean squared error (the squared error averaged over the missing "
          "pixels and all three channels, then 10·log10(1/MSE))")  # fmt: skip
    return False


# ------------------------------------------------------------------------------------------ tutorial 07
def _alif_variant(
    v: np.ndarray,
    a: np.ndarray,
    current: np.ndarray,
    p: ALIFParams,
    threshold: str = "before",
    reset: str = "in_force",
    decay_a: bool = True,
    jump: str = "one",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One ALIF step (reset "subtract", no refractoriness) -- right with the defaults, or with one of the slips the
    check recognises: ``threshold`` "before" (θ = v_th + b·a, a of the step before) | "none" (θ = v_th) | "decayed"
    (θ = v_th + b·a·ρ, the adaptation already decayed); ``reset`` "in_force" (V = u - S(θ - v_reset)) | "v_th"
    (V = u - S(v_th - v_reset)) | "zero" (V = v_reset where S); ``decay_a`` False: a + S; ``jump`` "b": a·ρ + b·S."""
    u = p.decay * v + p.gain * current
    adaptation = {"before": a, "none": 0.0 * a, "decayed": a * p.rho}[threshold]
    theta = p.v_th + p.b * adaptation
    spikes = u >= theta
    if reset == "in_force":
        v_new = np.where(spikes, u - (theta - p.v_reset), u)
    elif reset == "v_th":
        v_new = np.where(spikes, u - (p.v_th - p.v_reset), u)
    else:
        v_new = np.where(spikes, p.v_reset, u)
    a_new = (a * p.rho if decay_a else a) + (p.b if jump == "b" else 1.0) * spikes
    return spikes, v_new, a_new


def _alif_cases() -> list[tuple[ALIFParams, np.ndarray, np.ndarray, np.ndarray]]:
    """(params, v, a, current): three parameter sets (a slow and a fast adaptation, one with v_reset != 0). Each
    neuron's u = decay·V + gain·I is placed in one of four bands, so that every slip changes some outputs: below v_th;
    between v_th and v_th + b·a·ρ (fires only without the adaptation); between v_th + b·a·ρ and v_th + b·a (fires
    without the adaptation or with it already decayed); above v_th + b·a (fires, and the reset shows which threshold
    it subtracts). Never within a tenth of a band of its edges: no ties, which only a strict comparison would change."""
    rng = np.random.default_rng(7)
    params = [
        ALIFParams(R=5.0, C=1.0, dt=1.0, b=0.1, tau_a=200.0),  # the row task's hidden neurons
        ALIFParams(R=1.0, C=10.0, dt=1.0, b=0.5, tau_a=5.0),  # a fast adaptation: rho far from 1
        ALIFParams(R=2.0, C=4.0, dt=0.25, b=0.8, tau_a=30.0, v_reset=-0.2, v_th=1.2),
    ]
    cases = []
    for p, shape in zip(params, [(64,), (8, 16), (96,)], strict=True):
        v = rng.uniform(p.v_reset - 0.3, p.v_th, shape)
        band = rng.integers(0, 4, shape)
        a = rng.uniform(0.2, 1.5, shape) / p.b  # b·a between 0.2 and 1.5
        a = np.where((band % 3 == 0) & (rng.random(shape) < 0.4), 0.0, a)  # no adaptation yet for some
        edges = [p.v_th - 0.3, p.v_th, p.v_th + p.b * a * p.rho, p.v_th + p.b * a, p.v_th + p.b * a + 0.3]
        low = np.choose(band, edges[:4])
        high = np.choose(band, edges[1:])
        u = low + (high - low) * rng.uniform(0.1, 0.9, shape)
        cases.append((p, v, a, (u - p.decay * v) / p.gain))
    return cases


def _report_alif(message: str) -> bool:
    print("not yet: " + message)
    return False


def check_alif_step(fn: Callable[..., Any]) -> bool:
    """Exercise 07: ``fn(v, a, current, params) -> (spikes, v_new, a_new)``, one step of an ALIFParams neuron (reset
    "subtract", no refractoriness), compared with ``ALIFParams.step`` on random states. Names the slip it recognises
    (each slip's step is :func:`_alif_variant` with one option changed), never a value."""
    answers, references = [], []
    for p, v, a, current in _alif_cases():
        try:
            out = fn(v.copy(), a.copy(), current.copy(), p)
        except NotImplementedError:
            print("alif_step is not written yet: return (spikes, v_new, a_new), three arrays shaped like v")
            return False
        except Exception as error:  # noqa: BLE001 - any other mistake: report it instead of stopping the notebook
            return _report_exception(error, "alif_step")
        if out is None:
            print("alif_step returned None: return a tuple (spikes, v_new, a_new) of three arrays shaped like v")
            return False
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            print("alif_step must return three things, (spikes, v_new, a_new), each an array shaped like v")
            return False
        try:
            out = tuple(np.asarray(x, dtype=np.float64) for x in out)
        except (TypeError, ValueError):
            print("spikes, v_new and a_new must be arrays of numbers (spikes: booleans or 0/1)")
            return False
        for name, x in zip(("spikes", "v_new", "a_new"), out, strict=True):
            if x.shape != v.shape:
                print(f"{name} must have the shape of v: each neuron gets its own value ({name} has another shape)")
                return False
        state = ALIFState(v.copy(), a.copy(), np.zeros(v.shape, np.int32))
        spikes, new = p.step(state, current.copy())
        references.append((p, v, a, current, (spikes.astype(np.float64), new.v, new.a)))
        answers.append(out)

    def same(k: int, variant: dict[str, Any] | None = None) -> bool:
        """Does output k (0 spikes, 1 V, 2 a) of the answers equal the reference's, or the given variant's?"""
        for (p, v, a, current, right), got in zip(references, answers, strict=True):
            want = right[k] if variant is None else np.asarray(_alif_variant(v, a, current, p, **variant)[k], float)
            if not np.allclose(got[k], want, rtol=1e-9, atol=1e-12):
                return False
        return True

    if not same(0):
        if same(0, {"threshold": "none"}):
            return _report_alif("the spikes are compared with v_th alone; the threshold in force must include the "
                                "adaptation b·a")  # fmt: skip
        if same(0, {"threshold": "decayed"}):
            return _report_alif("this step's threshold comes from the adaptation of the step before (the a you are "
                                "given), not from a decayed or updated one")  # fmt: skip
        return _report_alif("the spikes are not right yet: integrate first (u from V and the current), then "
                            "compare u with the threshold in force, v_th plus b times the adaptation of the step "
                            "before")  # fmt: skip
    messages = []
    if not same(1):
        if same(1, {"reset": "v_th"}):
            messages.append("the reset subtracts v_th - v_reset; reset relative to the threshold in force (which "
                            "includes the adaptation)")  # fmt: skip
        elif same(1, {"reset": "zero"}):
            messages.append("V is set to v_reset after a spike; the ALIF resets by subtraction (it keeps what "
                            "overshot the threshold)")  # fmt: skip
        else:
            messages.append("the spikes are right but v_new is not: a neuron that did not fire keeps u; one that "
                            "fired subtracts the threshold in force minus v_reset")  # fmt: skip
    if not same(2):
        if same(2, {"decay_a": False}):
            messages.append("a_new is a plus the spike; the adaptation must decay by ρ (params.rho) every step")
        elif same(2, {"jump": "b"}):
            messages.append("a_new grows by b per spike; the adaptation jumps by one per spike (b only scales its "
                            "effect on the threshold)")  # fmt: skip
        else:
            messages.append("a_new is not right yet: the adaptation of the step before decays by ρ, and each spike "
                            "adds one")  # fmt: skip
    if messages:
        print("not yet: " + "\n         ".join(messages))
        return False
    print("correct ✔  (spikes, V and a match ALIFParams.step for three parameter sets, on states with and "
          "without adaptation, with and without spikes)")  # fmt: skip
    return True


# ------------------------------------------------------------------------------------------ tutorial 10
def _weight_factor_cases() -> list[tuple[np.ndarray, np.ndarray, float]]:
    """(previous, this, percentile): ReLU-like activations of two layers (most values zero, a heavy tail, a few
    outliers far above the rest), of different shapes and scales, so that every slip gives another factor. Two
    percentiles: the notebook's 99.9 and 99.0 (an answer that ignores its ``percentile`` argument fails the second)."""
    rng = np.random.default_rng(10)
    cases = []
    for percentile, shapes, scales, outliers in (
        (99.9, ((200, 8, 16, 16), (200, 16, 8, 8)), (2.0, 7.0), (12.0, 4.0)),
        (99.0, ((500, 128), (500, 40)), (0.5, 3.0), (3.0, 9.0)),
    ):
        layers = []
        for shape, scale, outlier in zip(shapes, scales, outliers, strict=True):
            values = rng.lognormal(0.0, 0.6, shape) * scale * (rng.random(shape) < 0.3)  # ~70 % zeros
            values.reshape(-1)[rng.choice(values.size, 5, replace=False)] *= outlier  # a few outliers: the maximum
            layers.append(values.astype(np.float32))
        cases.append((layers[0], layers[1], percentile))
    return cases


def _scale(values: np.ndarray, percentile: float, method: str = "linear") -> float:
    """Rueckauer et al.'s robust scale: the percentile of the non-zero activations (``method`` as np.percentile's)."""
    values = np.asarray(values, np.float64)
    return float(np.percentile(values[values > 0], percentile, method=method))


def _weight_factor_slips(previous: np.ndarray, this: np.ndarray, p: float) -> list[tuple[float, str]]:
    """The factor each usual slip gives on one case, with the concept it misses (never the answer)."""
    lp, lt = _scale(previous, p), _scale(this, p)
    return [
        (
            float(previous.max() / this.max()),
            "a maximum is not a percentile: the robust scale is the given percentile "
            "of a layer's activations, so that a few outliers do not slow every other neuron down",
        ),
        (
            float(np.percentile(previous, p) / np.percentile(this, p)),
            "the percentile is taken over the non-zero "
            "activations only: the ReLU's zeros say nothing about how fast a neuron must fire",
        ),
        (
            _scale(previous, p / 100) / _scale(this, p / 100),
            "np.percentile takes a percentage between 0 and 100, not a fraction (that is np.quantile's convention)",
        ),
        (
            lt / lp,
            "the two layers' roles are swapped: which scale do the incoming rates carry, and which scale must "
            "this layer's output be divided by?",
        ),
        (
            1.0 / lt,
            "the previous layer's scale is missing: the rates arriving at this layer were divided by it, and "
            "the weights must undo that",
        ),
        (lp, "this layer's own scale is missing: its activation at the percentile must become rate 1"),
        (1.0, "each scale comes from its own layer's activations: one from the layer before, one from this layer"),
    ]


def check_weight_factor(weight_factor: Callable[..., Any]) -> bool:
    """Exercise 10: ``weight_factor(previous, this, percentile)`` -> the factor by which the converter multiplies the
    weights of the layer between two ReLU layers, λ_previous / λ_this with λ = the ``percentile``-th percentile of a
    layer's non-zero activations. Accepts any of NumPy's percentile interpolations (the value lies between the
    neighbouring order statistics); names each slip it recognises by its concept, never a value."""
    for number, (previous, this, p) in enumerate(_weight_factor_cases()):
        try:
            got = weight_factor(previous.copy(), this.copy(), p)
        except Exception as error:  # noqa: BLE001 - report any failure of the learner's code
            return _report_exception(error, "weight_factor")
        if got is None:
            print("weight_factor returns None: fill it in, returning one number (the factor for the layer's weights)")
            return False
        shape = f" of shape {np.shape(got)}" if np.ndim(got) else ""
        try:
            value = float(got) if np.ndim(got) == 0 and not isinstance(got, (bool, np.bool_, str)) else None
        except (TypeError, ValueError):
            value = None
        if value is None:
            print("weight_factor must return one number for the whole layer (every weight is multiplied by the same "
                  f"factor), got {type(got).__name__}{shape}")  # fmt: skip
            return False
        if not (math.isfinite(value) and value > 0):
            print("weight_factor must return a positive, finite number: both scales are positive")
            return False
        low = _scale(previous, p, "lower") / _scale(this, p, "higher")
        high = _scale(previous, p, "higher") / _scale(this, p, "lower")
        if low * (1 - 1e-6) <= value <= high * (1 + 1e-6):
            continue
        if number > 0:
            first_p = _weight_factor_cases()[0][2]
            if math.isclose(value, _scale(previous, first_p) / _scale(this, first_p), rel_tol=1e-6):
                print(f"not yet: use the percentile you are given (this case asks for the {p:g}th percentile)")
                return False
        for wrong, concept in _weight_factor_slips(previous, this, p):
            if math.isclose(value, wrong, rel_tol=1e-6):
                print(f"not yet: {concept}")
                return False
        print("not yet: that is not the factor of section 4's rule: each layer's scale from its own non-zero "
              "activations, and the weights between two layers rescaled by both")  # fmt: skip
        return False
    print("correct ✔  (two layers of different shapes, two percentiles, outliers and zeros)")
    return True


# ------------------------------------------------------------------------------------------ tutorial 11
def _delta_cases() -> list[tuple[str, np.ndarray, float]]:
    """(name, frames (T, N, 1, H, W) float32, threshold). Values on a grid of eighths, so every change is exact and
    the ties change = ±threshold occur; bright first frames (the first step matters); slow ramps (the previous frame
    is not the first); decreases (polarity)."""
    rng = np.random.default_rng(11)
    cases = []
    ramp = np.zeros((5, 2, 1, 3, 4), np.float32)
    ramp[:, 0, 0, 1, :] = np.arange(5)[:, None] / 4  # a pixel row brightening by 0.25 per step: ties at 0.25
    ramp[:, 1, 0, :, 2] = (4 - np.arange(5))[:, None] / 4  # a column dimming by 0.25 per step, bright at step 0
    cases.append(("a ramp up and a ramp down", ramp, 0.25))
    edge = np.zeros((4, 1, 1, 5, 6), np.float32)
    for t in range(4):  # a bright bar moving right one column per step
        edge[t, 0, 0, :, 1 + t : 3 + t] = 1.0
    cases.append(("a moving bar", edge, 0.5))
    noisy = (rng.integers(0, 9, (6, 3, 1, 4, 5)) / 8).astype(np.float32)
    cases.append(("random frames", noisy, 0.375))
    return cases


def delta_on_off_reference(frames: np.ndarray, threshold: float) -> np.ndarray:
    """Exercise 11's answer: ON where frames[t] − frames[t − 1] ≥ threshold, OFF where ≤ −threshold, step 0
    against a dark frame (zeros) -- ``encoding.delta_on_off(frames, threshold, padding=False, axis=2)``."""
    from minisnn import encoding

    return encoding.delta_on_off(frames, threshold, padding=False, axis=2)


def _delta_slips(frames: np.ndarray, threshold: float) -> list[tuple[np.ndarray, str]]:
    """The answers of plausible slips, each with the concept it misses (never a value)."""
    dark = np.zeros_like(frames[:1])
    previous = np.concatenate([dark, frames[:-1]])
    change = frames - previous
    from_first = frames - np.concatenate([dark, np.repeat(frames[:1], len(frames) - 1, 0)])

    def two(on: np.ndarray, off: np.ndarray) -> np.ndarray:
        return np.concatenate([on, off], axis=2).astype(np.float32)

    silent_first = change.copy()
    silent_first[0] = 0
    return [
        (two(change <= -threshold, change >= threshold), "channel 0 holds the ON events (brighter), channel 1 the "
         "OFF events (darker)"),
        (two(change > threshold, change < -threshold), "a change of exactly the threshold is an event (≥, not >)"),
        (two(from_first >= threshold, from_first <= -threshold), "compare each frame with the previous frame, not "
         "with the first"),
        (two(silent_first >= threshold, silent_first <= -threshold), "the first frame is compared with a dark frame "
         "(zeros): what is already bright at step 0 is an ON event"),
        (two(np.abs(change) >= threshold, np.abs(change) >= threshold), "each channel has one polarity: ON for "
         "increases only, OFF for decreases only"),
        (two(change > 0, change < 0), "only a change of at least the threshold is an event"),
    ]  # fmt: skip


def check_delta_on_off(delta_on_off: Callable[[np.ndarray, float], Any]) -> bool:
    """Exercise 11: ``delta_on_off(frames, threshold)`` with frames (T, N, 1, H, W) -> events (T, N, 2, H, W), 0/1:
    channel 0 ON (frames[t] − frames[t − 1] ≥ threshold), channel 1 OFF (≤ −threshold), frame −1 dark (zeros)."""
    for name, frames, threshold in _delta_cases():
        try:
            got = delta_on_off(frames.copy(), threshold)
        except Exception as error:  # noqa: BLE001 - report any failure of the learner's code
            return _report_exception(error, "delta_on_off")
        if got is None:
            print("delta_on_off returns None: fill it in, returning the events (T, N, 2, H, W)")
            return False
        got = np.asarray(getattr(got, "data", got))
        t, n, _, h, w = frames.shape
        if got.shape != (t, n, 2, h, w):
            hint = ""
            if got.shape == (t - 1, n, 2, h, w):
                hint = ": one output step per frame (step 0 is compared with a dark frame, zeros)"
            elif got.shape == frames.shape:
                hint = ": ON and OFF go into two channels (concatenate them on axis 2)"
            print(f"delta_on_off must return shape (T, N, 2, H, W) = {(t, n, 2, h, w)}, got {got.shape}{hint}")
            return False
        if not np.issubdtype(got.dtype, np.number) and got.dtype != np.bool_:
            print(f"delta_on_off must return numbers (0/1 spikes), got dtype {got.dtype}")
            return False
        got = got.astype(np.float64)
        if not np.isin(got, (0.0, 1.0)).all():
            print("both channels hold spikes, 0 or 1: an OFF event is a 1 in channel 1, not a −1")
            return False
        if np.array_equal(got, delta_on_off_reference(frames, threshold)):
            continue
        for wrong, concept in _delta_slips(frames, threshold):
            if np.array_equal(got, wrong):
                print(f"not yet ({name}): {concept}")
                return False
        print(f"not yet ({name}): revisit section 2's rule: the change since the previous frame, against the "
              "threshold, split by sign into the two channels")  # fmt: skip
        return False
    print("correct ✔  (ramps, ties at the threshold, a moving bar, random frames)")
    return True


# ------------------------------------------------------------------------------------------ tutorial 12
def _stdp_reference_step(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus, slip=None):
    """One step of section 3's rule (decay, read, add), or the same step with one named slip."""
    d_pre, d_post = (decay_minus, decay_plus) if slip == "taus swapped" else (decay_plus, decay_minus)
    if slip == "no decay":
        d_pre = d_post = 1.0
    a_ltp, a_ltd = (a_minus, a_plus) if slip == "amplitudes swapped" else (a_plus, a_minus)
    x_pre, x_post = np.array(x_pre, dtype=np.float64), np.array(x_post, dtype=np.float64)
    if slip != "decay after reading":
        x_pre, x_post = x_pre * d_pre, x_post * d_post

    def add(x, s):
        return np.where(s > 0, 1.0, x) if slip == "nearest pairing" else x + s

    if slip == "spikes added before reading":
        x_pre, x_post = add(x_pre, pre), add(x_post, post)
    read_pre, read_post = (x_post, x_pre) if slip == "traces swapped" else (x_pre, x_post)
    if slip == "traces swapped":  # potentiation at pre spikes from the post trace, depression at post spikes
        dw = a_ltp * np.outer(pre, read_pre) - a_ltd * np.outer(read_post, post)
    else:
        dw = a_ltp * np.outer(read_pre, post) - a_ltd * np.outer(pre, read_post)
    w = np.asarray(w, dtype=np.float64) + (-dw if slip == "signs swapped" else dw)
    if slip == "decay after reading":
        x_pre, x_post = x_pre * d_pre, x_post * d_post
    if slip != "spikes added before reading":
        x_pre, x_post = add(x_pre, pre), add(x_post, post)
    return w, x_pre, x_post


_STDP_SLIPS = {
    "signs swapped": "a presynaptic spike shortly before a postsynaptic one must strengthen the synapse (at the post "
    "spike), the reverse order weaken it (at the pre spike)",
    "amplitudes swapped": "each side of the window has its own amplitude: the one of potentiation goes with the "
    "change made at a postsynaptic spike",
    "taus swapped": "each trace decays with its own time constant: the presynaptic trace with the potentiation "
    "side's τ₊, the postsynaptic trace with τ₋",
    "no decay": "the traces must decay at every step: a trace is a fading memory of the spikes, not a count",
    "decay after reading": "decay the traces before you read them: a spike k steps ago must have decayed k times "
    "when a spike of the other neuron reads its trace",
    "spikes added before reading": "add this step's spikes to the traces only after the weight change: two spikes in "
    "the same step must not pair with each other (the window is 0 at Δt = 0)",
    "traces swapped": "at a postsynaptic spike read the presynaptic trace (the inputs that came before), at a "
    "presynaptic spike the postsynaptic trace",
    "nearest pairing": "with all-to-all pairing a spike adds one to its trace; setting the trace to one forgets the "
    "earlier spikes (that is nearest-spike pairing)",
}


def _stdp_step_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, pre spikes (T, 3), post spikes (T, 2)); the parameters are fixed in check_stdp_step."""
    cases = []
    pre, post = np.zeros((12, 3)), np.zeros((12, 2))
    pre[1, 0], post[5, 0] = 1, 1  # a pre→post pair, Δt = 4 steps
    post[2, 1], pre[7, 2] = 1, 1  # a post→pre pair, Δt = -5 steps
    cases.append(("one pair in each order", pre, post))
    pre, post = np.zeros((8, 3)), np.zeros((8, 2))
    pre[[1, 3], 1], post[[3, 6], 1] = 1, 1  # a coincident pair and two bursts
    pre[[0, 2], 0], post[4, 0] = 1, 1
    cases.append(("coincident spikes and repeated spikes", pre, post))
    rng = np.random.default_rng(12)
    cases.append(("random trains", (rng.random((40, 3)) < 0.25) * 1.0, (rng.random((40, 2)) < 0.25) * 1.0))
    return cases


STDP_CHECK_PARAMETERS = {
    "a_plus": 0.01,
    "a_minus": 0.012,
    "decay_plus": math.exp(-1 / 17),
    "decay_minus": math.exp(-1 / 34),
}


def _run_stdp(step: Callable[..., Any], pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    """Every step's (w, x_pre, x_post) concatenated, from w = 0.5 and zero traces."""
    w, x_pre, x_post = np.full((pre.shape[1], post.shape[1]), 0.5), np.zeros(pre.shape[1]), np.zeros(post.shape[1])
    history = []
    for t in range(pre.shape[0]):
        out = step(w.copy(), x_pre.copy(), x_post.copy(), pre[t].copy(), post[t].copy(), **STDP_CHECK_PARAMETERS)
        if out is None:
            raise LookupError("None")
        if not isinstance(out, tuple) or len(out) != 3:
            raise LookupError("three")
        w, x_pre, x_post = (np.asarray(a, dtype=np.float64) for a in out)
        shapes = (w.shape, x_pre.shape, x_post.shape)
        if shapes != ((pre.shape[1], post.shape[1]), (pre.shape[1],), (post.shape[1],)):
            raise LookupError(f"shapes {shapes}")
        history.append(np.concatenate([w.ravel(), x_pre, x_post]))
    return np.stack(history)


def check_stdp_step(stdp_step: Callable[..., Any]) -> bool:
    """Exercise 12: ``stdp_step(w, x_pre, x_post, pre, post, a_plus, a_minus, decay_plus, decay_minus)`` ->
    ``(w, x_pre, x_post)``: one step of pair-based STDP with all-to-all traces (decay, read, add). w (n_pre, n_post),
    x_pre and pre (n_pre,), x_post and post (n_post,). Names each slip it recognises by its concept."""
    for name, pre, post in _stdp_step_cases():
        try:
            got = _run_stdp(stdp_step, pre, post)
        except LookupError as problem:
            what = str(problem).strip("'\"")
            if what == "None":
                print("stdp_step returns None: fill it in, returning the new (w, x_pre, x_post)")
            elif what == "three":
                print("stdp_step must return three arrays: the new weights, the presynaptic and the postsynaptic trace")
            else:
                print(
                    f"stdp_step must keep the shapes: w (n_pre, n_post), x_pre (n_pre,), x_post (n_post,); got {what}"
                )
            return False
        except Exception as error:  # noqa: BLE001 - report any failure of the learner's code
            return _report_exception(error, "stdp_step")
        expected = _run_stdp(_stdp_reference_step, pre, post)
        if np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            continue
        for slip, concept in _STDP_SLIPS.items():

            def slipped(*args, slip=slip, **kwargs):
                return _stdp_reference_step(*args, **kwargs, slip=slip)

            if np.allclose(got, _run_stdp(slipped, pre, post), rtol=1e-9, atol=1e-12):
                print(f"not yet ({name}): {concept}")
                return False
        print(f"not yet ({name}): revisit section 3's three steps -- decay both traces, change the weights from "
              "what the traces hold, then add this step's spikes")  # fmt: skip
        return False
    print("correct ✔  (pairs in both orders, coincident and repeated spikes, random trains)")
    return True


# ------------------------------------------------------------------------------------------ tutorial 13
def centre_of_mass_reference(spikes: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """x̂ = Σ_j n_j c_j / Σ_j n_j per sample, n_j the spike counts over the T steps; the middle of the range (the mean
    of the first and the last centre) where the population fired no spike."""
    counts = np.asarray(spikes, dtype=np.float64).sum(axis=0)
    centres = np.asarray(centres, dtype=np.float64)
    total = counts.sum(axis=-1)
    return np.where(total > 0, counts @ centres / np.maximum(total, 1), 0.5 * (centres[0] + centres[-1]))


def _centre_of_mass_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """(spikes (T, N, M), centres (M,)); T, N, M differ within and between cases, the ranges are not centred on 0 (so
    a sum, a mean over neurons or neuron indices all give other values), and the first case has a silent sample."""
    rng = np.random.default_rng(13)
    cases = []
    for steps, n, m, low, high in ((7, 5, 6, 0.5, 3.0), (12, 9, 4, -1.0, 2.0), (30, 11, 17, -4.0, -0.5)):
        centres = np.linspace(low, high, m)
        x = rng.uniform(low, high, n)
        p = 0.35 * np.exp(-((x[:, None] - centres) ** 2) / (2 * (centres[1] - centres[0]) ** 2))
        spikes = (rng.random((steps, n, m)) < p).astype(np.float32)
        if not cases:
            spikes[:, 0] = 0  # a sample whose population fired no spike at all
            spikes[2, 1, :] = 1  # every neuron fires once at one step: the counts are not all 0 or 1
        cases.append((spikes, centres))
    return cases


def _centre_of_mass_slips() -> list[tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], str]]:
    """Decoders of the usual slips with the concept each misses (no numbers: nothing to bisect on)."""

    def counts(s: np.ndarray) -> np.ndarray:
        return np.asarray(s, dtype=np.float64).sum(axis=0)

    def safe(num: np.ndarray, den: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.where(den > 0, num / np.where(den > 0, den, 1), 0.5 * (c[0] + c[-1]))

    index = lambda s, c: safe(counts(s) @ np.arange(len(c)), counts(s).sum(-1), c)  # noqa: E731
    return [
        (lambda s, c: counts(s) @ c, "the weighted sum must be divided by the total spike count (an average of the "
         "preferred values, weighted by the counts)"),
        (lambda s, c: counts(s) @ c / len(c), "divide by the number of spikes, not by the number of neurons"),
        (lambda s, c: counts(s) @ c / s.shape[0], "divide by the number of spikes, not by the number of steps"),
        (index, "each neuron votes with its preferred value (its centre), not with its number in the population"),
        (lambda s, c: c[counts(s).argmax(-1)], "the most active neuron alone is a coarser code: the centre of mass "
         "lets every neuron vote, weighted by its spike count"),
        (lambda s, c: safe(np.asarray(s[-1], np.float64) @ c, np.asarray(s[-1], np.float64).sum(-1), c),
         "one time step is a snapshot: count each neuron's spikes over the whole window first"),
        (lambda s, c: safe((counts(s) > 0) @ c, (counts(s) > 0).sum(-1), c), "a neuron that fired more often counts "
         "more: weight by the spike counts, not by fired-or-not"),
        (lambda s, c: safe(counts(s) @ c[::-1], counts(s).sum(-1), c), "the centres are in the neurons' order: "
         "neuron j prefers centres[j]"),
        (lambda s, c: safe(counts(s) @ c, counts(s).sum(-1), np.zeros(2)), "a population that fired no spike says "
         "nothing about x: return the middle of the range, the mean of the first and the last centre"),
    ]  # fmt: skip


def check_centre_of_mass(decode: Callable[[np.ndarray, np.ndarray], Any]) -> bool:
    """Exercise 13: ``decode(spikes (T, N, M), centres (M,)) -> (N,)``, the centre of mass Σ n_j c_j / Σ n_j of the
    spike counts over T (the middle of the range for a silent population). Names each slip it recognises by its
    concept, never a value."""
    cases = _centre_of_mass_cases()
    answers = []
    for spikes, centres in cases:
        try:
            with np.errstate(all="ignore"):
                got = decode(spikes.copy(), centres.copy())
        except Exception as error:  # noqa: BLE001 - report any failure of the learner's code
            return _report_exception(error, "decode")
        if got is None:
            print("decode returns None: fill it in, returning one decoded value per sample (shape (N,))")
            return False
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            print("decode must return numbers: one decoded value per sample, shape (N,)")
            return False
        steps, n, m = spikes.shape
        if got.shape != (n,):
            if got.shape in ((steps, m), (steps,)):
                print("not yet: the sum ran over the samples; count each neuron's spikes over the time steps "
                      "(axis 0), one decoded value per sample")  # fmt: skip
            elif got.shape in ((n, m), (m,)):
                print("not yet: one number per neuron; combine the neurons' votes into one value per sample")
            else:
                print("not yet: return one decoded value per sample, shape (N,) for spikes of shape (T, N, M)")
            return False
        answers.append(got)
    want = [centre_of_mass_reference(s, c) for s, c in cases]
    if all(np.allclose(g, w, rtol=1e-5, atol=1e-6) for g, w in zip(answers, want, strict=True)):
        print("correct ✔  (three ranges, a silent population, repeated spikes)")
        return True
    if any(not np.isfinite(g).all() for g in answers):
        print("not yet: a population that fired no spike divides by zero; return the middle of the range there (the "
              "mean of the first and the last centre)")  # fmt: skip
        return False
    for slip, concept in _centre_of_mass_slips():
        with np.errstate(all="ignore"):
            expected = [slip(s, c) for s, c in cases]
        if all(np.allclose(g, e, rtol=1e-5, atol=1e-6) for g, e in zip(answers, expected, strict=True)):
            print(f"not yet: {concept}")
            return False
    print("not yet: that is not the centre of mass of section 3: an average of the preferred values, each weighted "
          "by its neuron's spike count over the window")  # fmt: skip
    return False
