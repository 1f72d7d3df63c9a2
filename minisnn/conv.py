"""2-D convolution (cross-correlation, as in PyTorch): by im2col + one matrix product, or by shifted GEMMs.

Shapes: input x (N, C, H, W), weight w (O, C, kh, kw), bias b (O,), output y (N, O, H', W') with

    H' = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1        (and the same for W')

    y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q] · x_pad[n, c, i·sh + p·dh, j·sw + q·dw]

**im2col** copies every receptive field into one column of a matrix ``cols`` of shape
(C·kh·kw, N·H'·W'): row (c, p, q), column (n, i, j). The convolution is then one GEMM:
``y = w.reshape(O, C·kh·kw) @ cols``. We gather rows in (C, kh, kw) order and columns in (N, H', W') order
— channel-major, so the GEMM writes an (O, N·H'·W') result that is one transpose away from NCHW.

**Backward** is two more GEMMs and the adjoint of im2col:

    dL/dw    = g2 @ colsᵀ            with g2 = dL/dy as (O, N·H'·W')
    dL/dcols = w2ᵀ @ g2
    dL/dx    = col2im(dL/dcols)      (each column's entries added back where they were copied from)

col2im loops over the kh·kw kernel offsets and adds one strided slice per offset (``np.add.at`` would do
the same 10–40× slower).

**Shifted GEMMs** (used for stride-1 convolutions with kw·C ≥ 64, where they are faster and keep far less
memory for backward): lay the padded input out channel-major and flatten it, xf = x_pad as (C, L) with
L = N·Hp·Wp. Moving the kernel tap (p, q) by one pixel is then a shift of the flat index by
off(p, q) = p·dh·Wp + q·dw, so the output at every position of the padded grid is

    y_grid[:, j] = Σ_{p,q} w[:, :, p, q] @ xf[:, j + off(p, q)]

and the valid outputs are the top-left H'×W' corner of each image's grid (the other positions mix neighbouring
rows and are discarded). The kh·kw taps could each be one GEMM on a *view* of xf (no copy at all), but a GEMM
with an inner dimension of only C runs BLAS inefficiently. So the kw taps of a kernel row are stacked — one copy,
kw times the input (im2col copies kh·kw times): ``stacked`` (kw·C, Lq) with block q = xf[:, q·dw : q·dw + Lq] —
and each kernel row p is one GEMM with inner dimension kw·C on a column slice of it:

    y_grid[:, :L'] = Σ_p rows[p] @ stacked[:, p·dh·Wp : p·dh·Wp + L']      rows[p][o, (q, c)] = w[o, c, p, q]

Backward: dL/dw's row p is g_grid @ stacked[:, p·dh·Wp : …]ᵀ (g_grid = dL/dy placed on the padded grid, zeros
elsewhere), and dL/dxf[:, j] = Σ_{p,q} w[:, :, p, q]ᵀ g_grid[:, j − off(p, q)] is the *same* computation on
g_grid with the kernel flipped and transposed — the adjoint of a convolution is a convolution with the flipped
kernel. Only the padded input (C·L numbers) is kept for backward instead of the kh·kw times larger ``cols``.

**BLAS needs strides it can take.** Every GEMM here gets operands with one unit stride (C- or F-contiguous, or
a column slice of such a matrix): the per-row weights are copied into a contiguous (kh, O, kw·C) array rather
than sliced out of w. A strided operand — such as w[:, :, p, q], whose elements are kh·kw apart — makes NumPy
1.26's ``matmul`` run its own triple loop instead of BLAS, ~10× slower: that was the performance cliff of
issue 12 (786 ms instead of ~90 ms forward at N16 C32→32 64²). NumPy 2.4 copies such an operand itself
(numpy/numpy#23588). The row stacking then took the remaining gap on NumPy 1.26's bundled OpenBLAS 0.3.23,
whose generic kernels (it does not recognise recent CPUs) run thin GEMMs poorly: ``benchmarks/README.md``.

:func:`conv2d_reference` is the same maths as plain loops: the test oracle and the teaching device.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from minisnn.tensor import Function

Pair = tuple[int, int]
ALGORITHMS = ("auto", "im2col", "shifted")


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Output length along one axis: ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def im2col(x_padded: np.ndarray, kernel: int | Pair, stride: int | Pair = 1, dilation: int | Pair = 1) -> np.ndarray:
    """Gather receptive fields into columns.

    Args:
        x_padded: (N, C, Hp, Wp), already padded.
    Returns:
        cols: (C·kh·kw, N·H'·W'), row index (c, p, q), column index (n, i, j), C-contiguous.
    """
    (kh, kw), (sh, sw), (dh, dw) = as_pair(kernel), as_pair(stride), as_pair(dilation)
    n, c = x_padded.shape[:2]
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    # windows[n, c, i, j, p, q] = x_padded[n, c, i·sh + p·dh, j·sw + q·dw]  (a view: no copy yet)
    windows = sliding_window_view(x_padded, (span_h, span_w), axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    h_out, w_out = windows.shape[2:4]
    # one copy, into (c, p, q, n, i, j) order
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * h_out * w_out)


def col2im(
    cols: np.ndarray,
    padded_shape: tuple[int, int, int, int],
    kernel: int | Pair,
    stride: int | Pair = 1,
    dilation: int | Pair = 1,
) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column entry back to the pixel it was copied from.

    Args:
        cols: (C·kh·kw, N·H'·W').
        padded_shape: (N, C, Hp, Wp) of the padded input.
    Returns:
        (N, C, Hp, Wp) — a view of a channel-major (C, N, Hp, Wp) buffer.
    """
    (kh, kw), (sh, sw), (dh, dw) = as_pair(kernel), as_pair(stride), as_pair(dilation)
    n, c, hp, wp = padded_shape
    h_out = conv_output_size(hp, kh, sh, 0, dh)
    w_out = conv_output_size(wp, kw, sw, 0, dw)
    cols6 = cols.reshape(c, kh, kw, n, h_out, w_out)
    out = np.zeros((c, n, hp, wp), dtype=cols.dtype)
    for p in range(kh):
        rows = slice(p * dh, p * dh + sh * (h_out - 1) + 1, sh)
        for q in range(kw):
            columns = slice(q * dw, q * dw + sw * (w_out - 1) + 1, sw)
            out[:, :, rows, columns] += cols6[:, p, q]
    return out.transpose(1, 0, 2, 3)


def _pad(x: np.ndarray, padding: Pair) -> np.ndarray:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def shifted_gemm_applies(weight_shape: tuple[int, ...], stride: int | Pair = 1) -> bool:
    """Whether ``algorithm="auto"`` picks shifted GEMMs rather than im2col: stride 1, more than one kernel tap,
    and kw·C ≥ 64, the inner dimension of each of the kh row GEMMs.

    With thinner GEMMs the single im2col GEMM (inner dimension C·kh·kw) wins despite its copy; a 1×1 kernel has
    nothing to shift. Measured (one thread, best of 10; N16, 64×64, 3×3, forward+backward, NumPy 2.4 / 1.26):
    C 4→24: im2col 18 / 41 ms, shifted 32 / 64 ms; C 8→32: 47 / 103 vs 65 / 125; C 24→24: 168 / 259 vs
    133 / 231; C 32→32: 242 / 386 vs 206 / 373. Strided convolutions would discard most of the grid.
    """
    _, c, kh, kw = weight_shape
    return as_pair(stride) == (1, 1) and kh * kw > 1 and kw * c >= 64


def _stack_row_taps(flat: np.ndarray, kw: int, dw: int) -> np.ndarray:
    """The kw taps of one kernel row stacked: (kw·C, Lq) with block q = flat[:, q·dw : q·dw + Lq], Lq = L − dw·(kw − 1).

    Row (q, c), column j holds the padded input at flat index j + q·dw: a kernel row's kw taps become one GEMM with
    inner dimension kw·C (one copy of kw times the input, a third of im2col's for 3×3 kernels).
    """
    c, total = flat.shape
    lq = total - dw * (kw - 1)
    stacked = np.empty((kw, c, lq), dtype=flat.dtype)
    for q in range(kw):
        stacked[q] = flat[:, q * dw : q * dw + lq]
    return stacked.reshape(kw * c, lq)


def _row_gemms(stacked: np.ndarray, rows: np.ndarray, row_step: int, out: np.ndarray) -> None:
    """out = Σ_p rows[p] @ stacked[:, p·row_step : p·row_step + L] (L = out's columns): one GEMM per kernel row.

    ``stacked`` (kw·C, ≥ L + (kh − 1)·row_step) from :func:`_stack_row_taps`, ``rows`` (kh, O, kw·C) from
    :func:`_row_weights`, ``out`` (O, L), written in place (it may be a column slice of a larger array).
    """
    part = np.empty(out.shape, dtype=out.dtype) if len(rows) > 1 else None
    for p in range(len(rows)):
        columns = stacked[:, p * row_step : p * row_step + out.shape[1]]
        np.matmul(rows[p], columns, out=part if p else out)
        if p:
            out += part


def _row_weights(weight: np.ndarray) -> np.ndarray:
    """(kh, O, kw·C), contiguous: rows[p][o, q·C + c] = w[o, c, p, q] (matches :func:`_stack_row_taps`)."""
    o, c, kh, kw = weight.shape
    return np.ascontiguousarray(weight.transpose(2, 0, 3, 1)).reshape(kh, o, kw * c)


class Conv2dFunction(Function):
    """y = conv2d(x, w) + b by im2col + GEMM or by shifted GEMMs; see the module docstring."""

    def forward(
        self,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray | None = None,
        *,
        stride: Pair,
        padding: Pair,
        dilation: Pair,
        algorithm: str = "auto",
    ) -> np.ndarray:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"conv2d: algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
        if algorithm == "shifted" and stride != (1, 1):
            raise ValueError(f"conv2d: the shifted-GEMM algorithm needs stride 1, got stride {stride}")
        self.shifted = algorithm == "shifted" or (algorithm == "auto" and shifted_gemm_applies(weight.shape, stride))
        if x.shape[0] == 0:  # an empty batch (as PyTorch allows): im2col handles it, the grid's length would be < 0
            self.shifted = False
        if self.shifted:
            return self._forward_shifted(x, weight, bias, padding, dilation)
        n = x.shape[0]
        o, _, kh, kw = weight.shape
        x_padded = _pad(x, padding)
        cols = im2col(x_padded, (kh, kw), stride, dilation)
        h_out = conv_output_size(x.shape[2], kh, stride[0], padding[0], dilation[0])
        w_out = conv_output_size(x.shape[3], kw, stride[1], padding[1], dilation[1])
        w2 = np.ascontiguousarray(weight.reshape(o, -1))
        y = np.matmul(w2, cols).reshape(o, n, h_out, w_out)
        if bias is not None:
            y += bias.reshape(o, 1, 1, 1)
        self.save_for_backward(cols, weight)
        self.geometry = (x.shape, x_padded.shape, (kh, kw), stride, padding, dilation)
        return np.ascontiguousarray(y.transpose(1, 0, 2, 3))

    def _forward_shifted(
        self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, padding: Pair, dilation: Pair
    ) -> np.ndarray:
        n, c, h, w = x.shape
        o, _, kh, kw = weight.shape
        (ph, pw), (dh, dw) = padding, dilation
        hp, wp = h + 2 * ph, w + 2 * pw
        h_out, w_out = hp - dh * (kh - 1), wp - dw * (kw - 1)
        grid = np.zeros((c, n, hp, wp), dtype=x.dtype)  # the padded input, channel-major
        grid[:, :, ph : ph + h, pw : pw + w] = x.transpose(1, 0, 2, 3)
        flat = grid.reshape(c, n * hp * wp)
        rows = _row_weights(weight)  # (kh, O, kw·C)
        length = n * hp * wp - dh * (kh - 1) * wp - dw * (kw - 1)  # every valid output lies below this index
        out = np.empty((o, n * hp * wp), dtype=np.result_type(x, weight))
        _row_gemms(_stack_row_taps(flat, kw, dw), rows, dh * wp, out[:, :length])
        if bias is not None:
            out[:, :length] += bias.reshape(o, 1)
        self.save_for_backward(flat, weight)
        self.geometry = (x.shape, (hp, wp), (h_out, w_out), padding, dilation, length)
        return np.ascontiguousarray(out.reshape(o, n, hp, wp)[:, :, :h_out, :w_out].transpose(1, 0, 2, 3))

    def _backward_shifted(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        flat, weight = self.saved_tensors
        (n, c, h, w), (hp, wp), (h_out, w_out), (ph, pw), (dh, dw), length = self.geometry
        o, _, kh, kw = weight.shape
        total, lead = n * hp * wp, dh * (kh - 1) * wp + dw * (kw - 1)
        # dL/dy on the padded grid (0 at invalid positions), after ``lead`` zeros: flat index j + lead is grid j
        g_flat = np.zeros((o, lead + total), dtype=grad.dtype)
        g_flat[:, lead:].reshape(o, n, hp, wp)[:, :, :h_out, :w_out] = grad.transpose(1, 0, 2, 3)
        grad_x = grad_w = grad_b = None
        if self.needs_input_grad[1]:  # first, so that its stacked copy is freed before dL/dx needs one
            # dL/dw[:, :, p, q] = g @ xf[:, off(p, q) : off(p, q) + L]ᵀ, a kernel row's kw taps at once
            g, stacked = g_flat[:, lead : lead + length], _stack_row_taps(flat, kw, dw)
            grad_rows = np.empty((kh, o, kw * c), dtype=np.result_type(grad, flat))
            for p in range(kh):
                np.matmul(g, stacked[:, p * dh * wp : p * dh * wp + length].T, out=grad_rows[p])
            del g, stacked
            grad_w = np.ascontiguousarray(grad_rows.reshape(kh, o, kw, c).transpose(1, 3, 0, 2))
        if self.needs_input_grad[0]:
            # dL/dxf[:, j] = Σ_pq w[:, :, p, q]ᵀ g[:, j − off(p, q)]: the same row GEMMs run on the gradient with
            # the kernel flipped and transposed (the adjoint of a convolution is a convolution with the flipped
            # kernel); the ``lead`` zeros in front of g make every shifted slice start at index ≥ 0
            flipped = np.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # (C, O, kh, kw)
            grad_flat = np.empty((c, total), dtype=grad.dtype)
            _row_gemms(_stack_row_taps(g_flat, kw, dw), _row_weights(flipped), dh * wp, grad_flat)
            grad_grid = grad_flat.reshape(c, n, hp, wp)[:, :, ph : ph + h, pw : pw + w]
            grad_x = np.ascontiguousarray(grad_grid.transpose(1, 0, 2, 3))
        if len(self.needs_input_grad) > 2 and self.needs_input_grad[2]:
            grad_b = grad.sum(axis=(0, 2, 3))
        return (grad_x, grad_w, grad_b) if len(self.needs_input_grad) > 2 else (grad_x, grad_w)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        if self.shifted:
            return self._backward_shifted(grad)
        cols, weight = self.saved_tensors
        x_shape, padded_shape, kernel, stride, padding, dilation = self.geometry
        o = weight.shape[0]
        g2 = np.ascontiguousarray(grad.transpose(1, 0, 2, 3)).reshape(o, -1)  # (O, N·H'·W'), BLAS-ready
        grad_x = grad_w = grad_b = None
        if self.needs_input_grad[0]:
            grad_cols = np.matmul(np.ascontiguousarray(weight.reshape(o, -1)).T, g2)
            grad_padded = col2im(grad_cols, padded_shape, kernel, stride, dilation)
            (ph, pw), (h, w) = padding, x_shape[2:]
            grad_x = np.ascontiguousarray(grad_padded[:, :, ph : ph + h, pw : pw + w])
        if self.needs_input_grad[1]:
            grad_w = np.matmul(g2, cols.T).reshape(weight.shape)
        if len(self.needs_input_grad) > 2 and self.needs_input_grad[2]:
            grad_b = grad.sum(axis=(0, 2, 3))
        return (grad_x, grad_w, grad_b) if len(self.needs_input_grad) > 2 else (grad_x, grad_w)


def conv2d_reference(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int | Pair = 1,
    padding: int | Pair = 0,
    dilation: int | Pair = 1,
) -> np.ndarray:
    """Convolution as the definition reads, with plain loops (slow; for tests and teaching).

    y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q] · x_pad[n, c, i·sh + p·dh, j·sw + q·dw]

    Shapes: x (N, C, H, W), weight (O, C, kh, kw), bias (O,) → (N, O, H', W').
    """
    (sh, sw), (ph, pw), (dh, dw) = (as_pair(stride), as_pair(padding), as_pair(dilation))
    n_batch, _, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    x_padded = _pad(x, (ph, pw))
    h_out = conv_output_size(h, kh, sh, ph, dh)
    w_out = conv_output_size(w, kw, sw, pw, dw)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    y = np.zeros((n_batch, c_out, h_out, w_out), dtype=np.result_type(x, weight))
    for n in range(n_batch):
        for o in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    # the receptive field of output pixel (i, j): C × kh × kw input values
                    field = x_padded[n, :, i * sh : i * sh + span_h : dh, j * sw : j * sw + span_w : dw]
                    y[n, o, i, j] = np.sum(weight[o] * field) + (0.0 if bias is None else bias[o])
    return y


def as_pair(value: int | Pair, name: str = "value", minimum: int | None = None, owner: str = "conv2d") -> Pair:
    """An int or an (h, w) pair as an (h, w) tuple of ints; with ``minimum``, both must be ints ≥ minimum."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if minimum is not None and (
        len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v >= minimum for v in pair)
    ):
        raise ValueError(f"{owner}: {name} must be an int ≥ {minimum} or a pair of them, got {value!r}")
    return int(pair[0]), int(pair[1])
