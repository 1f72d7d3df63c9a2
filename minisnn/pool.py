"""2-D average and max pooling on NCHW tensors, with PyTorch's semantics.

Shapes: input x (N, C, H, W), output y (N, C, H', W') with kernel (kh, kw), stride (sh, sw) and zero or
−inf padding (ph, pw):

    H' = ⌊(H + 2·ph − kh) / sh⌋ + 1        (and the same for W'; ``conv.conv_output_size`` with dilation 1)

    avg:  y[n, c, i, j] = (1 / (kh·kw)) · Σ_{p, q} x_pad[n, c, i·sh + p, j·sw + q]      (x padded with 0)
    max:  y[n, c, i, j] = max_{p, q}            x_pad[n, c, i·sh + p, j·sw + q]      (x padded with −inf)

Average pooling divides by kh·kw even where the window covers padding (PyTorch's default,
``count_include_pad=True``). As in PyTorch, the padding may be at most half the kernel (ph ≤ kh/2,
pw ≤ kw/2), so every window holds at least one real pixel.

**The kernel-offset view.** For a fixed kernel offset (p, q), the pixels x_pad[:, :, i·sh + p, j·sw + q] over
all outputs (i, j) are one strided slice ``x_pad[:, :, p : p + sh·(H'−1) + 1 : sh, q : … : sw]`` — a view.
Average pooling is the sum of these kh·kw slices; its backward adds g / (kh·kw) back into the same slices
(the adjoint). Max pooling looks at all kh·kw slices at once through ``sliding_window_view`` and takes the
``argmax`` over each window, which is the *first* maximum in row-major window order (p, then q) — the
element PyTorch's CPU kernel picks, so ties send the whole gradient to one element, as PyTorch does. Its
backward loops over the offsets again: dL/dx_pad[slice (p, q)] += g where argmax = p·kw + q. No ``np.add.at``
(see :mod:`minisnn.conv`).

Measured on (64, 16, 28, 28) float32, 2×2 windows, stride 2: summing the four slices takes 1.3 ms, the
mean over a ``sliding_window_view`` 9 ms — the slices are contiguous along W, the windows are not.

Edge cases, following PyTorch: a NaN in a window makes its output NaN (the gradient goes to the first NaN;
PyTorch's loop picks the last one); a window whose real pixels are all −inf outputs −inf and sends its
gradient to its first real pixel, never to the padding.

:func:`avg_pool2d_reference` and :func:`max_pool2d_reference` are the definitions as loops (test oracles).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from minisnn.conv import as_pair, conv_output_size
from minisnn.tensor import Function

Pair = tuple[int, int]


def pool_geometry(
    kernel_size: int | Pair, stride: int | Pair | None, padding: int | Pair, owner: str
) -> tuple[Pair, Pair, Pair]:
    """Validated (kernel, stride, padding) pairs; ``stride=None`` means the kernel size (PyTorch's default).

    Raises ValueError, naming ``owner`` and the argument, for sizes < 1, negative padding or padding larger
    than half the kernel.
    """
    kernel = as_pair(kernel_size, "kernel_size", 1, owner=owner)
    stride = kernel if stride is None else as_pair(stride, "stride", 1, owner=owner)
    padding = as_pair(padding, "padding", 0, owner=owner)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(
            f"{owner}: padding must be at most half the kernel size (as in PyTorch), got padding={padding} "
            f"for kernel_size={kernel}"
        )
    return kernel, stride, padding


def pool_output_shape(x_shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair) -> tuple[int, int]:
    """(H', W') with H' = ⌊(H + 2·ph − kh) / sh⌋ + 1 (likewise W')."""
    return (
        conv_output_size(x_shape[-2], kernel[0], stride[0], padding[0], 1),
        conv_output_size(x_shape[-1], kernel[1], stride[1], padding[1], 1),
    )


def _pad(x: np.ndarray, padding: Pair, value: float) -> np.ndarray:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _offset_slice(p: int, q: int, stride: Pair, out_hw: Pair) -> tuple[slice, slice, slice, slice]:
    """Index of the padded-input pixels that kernel offset (p, q) meets, over all outputs (a strided view)."""
    (sh, sw), (h_out, w_out) = stride, out_hw
    return slice(None), slice(None), slice(p, p + sh * (h_out - 1) + 1, sh), slice(q, q + sw * (w_out - 1) + 1, sw)


class AvgPool2d(Function):
    """y = the mean of each kh×kw window of the zero-padded x;  dL/dx = g / (kh·kw) added back to each window."""

    def forward(self, x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
        x_pad = _pad(x, padding, 0.0)
        out_hw = pool_output_shape(x.shape, kernel, stride, padding)
        y = np.zeros((*x.shape[:2], *out_hw), dtype=x.dtype)
        for p in range(kernel[0]):
            for q in range(kernel[1]):
                y += x_pad[_offset_slice(p, q, stride, out_hw)]
        y /= kernel[0] * kernel[1]
        self.geometry = dict(x_shape=x.shape, padded_shape=x_pad.shape, kernel=kernel, stride=stride, padding=padding)
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        geo = self.geometry
        (kh, kw), (ph, pw), (h, w) = geo["kernel"], geo["padding"], geo["x_shape"][2:]
        share = grad / (kh * kw)
        grad_pad = np.zeros(geo["padded_shape"], dtype=grad.dtype)
        for p in range(kh):
            for q in range(kw):
                grad_pad[_offset_slice(p, q, geo["stride"], grad.shape[2:])] += share
        return np.ascontiguousarray(grad_pad[:, :, ph : ph + h, pw : pw + w])


class MaxPool2d(Function):
    """y = the maximum of each kh×kw window of the −inf-padded x;  dL/dx = g at each window's first maximum."""

    def forward(self, x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
        (kh, kw), (sh, sw) = kernel, stride
        x_pad = _pad(x, padding, -np.inf)
        # windows[n, c, i, j, p, q] = x_pad[n, c, i·sh + p, j·sw + q] (a view), then one copy with the
        # kh·kw offsets first: (kh·kw, N, C, H', W')
        windows = sliding_window_view(x_pad, kernel, axis=(2, 3))[:, :, ::sh, ::sw]
        out_shape = windows.shape[:4]
        stacked = windows.transpose(4, 5, 0, 1, 2, 3).reshape(kh * kw, *out_shape)
        argmax = stacked.argmax(axis=0)  # the first maximum in row-major (p, q) order, as PyTorch's CPU kernel
        y = np.take_along_axis(stacked, argmax[None], axis=0)[0]
        if padding != (0, 0) and np.isneginf(y).any():
            argmax = np.where(np.isneginf(y), self._first_real_pixel(x.shape, kernel, stride, padding), argmax)
        self.save_for_backward(argmax)
        self.geometry = dict(x_shape=x.shape, padded_shape=x_pad.shape, kernel=kernel, stride=stride, padding=padding)
        return y

    @staticmethod
    def _first_real_pixel(x_shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
        """(H', W'): the offset p·kw + q of each window's first pixel that is not padding."""
        (ph, pw), (h, w) = padding, x_shape[2:]
        real = np.zeros((h + 2 * ph, w + 2 * pw), dtype=bool)
        real[ph : ph + h, pw : pw + w] = True
        windows = sliding_window_view(real, kernel)[:: stride[0], :: stride[1]]
        return windows.reshape(*windows.shape[:2], -1).argmax(axis=-1)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        (argmax,) = self.saved_tensors
        geo = self.geometry
        (kh, kw), (ph, pw), (h, w) = geo["kernel"], geo["padding"], geo["x_shape"][2:]
        grad_pad = np.zeros(geo["padded_shape"], dtype=grad.dtype)
        zero = np.zeros((), dtype=grad.dtype)
        for p in range(kh):
            for q in range(kw):
                window_pixels = _offset_slice(p, q, geo["stride"], grad.shape[2:])
                grad_pad[window_pixels] += np.where(argmax == p * kw + q, grad, zero)
        return np.ascontiguousarray(grad_pad[:, :, ph : ph + h, pw : pw + w])


# ------------------------------------------------------------------------------------------- references
def _reference(
    x: np.ndarray, kernel_size: int | Pair, stride: int | Pair | None, padding: int | Pair, kind: str
) -> np.ndarray:
    kernel, stride, padding = pool_geometry(kernel_size, stride, padding, f"{kind}_pool2d_reference")
    (kh, kw), (sh, sw) = kernel, stride
    x_pad = _pad(x, padding, 0.0 if kind == "avg" else -np.inf)
    n_batch, channels = x.shape[:2]
    h_out, w_out = pool_output_shape(x.shape, kernel, stride, padding)
    y = np.zeros((n_batch, channels, h_out, w_out), dtype=x.dtype)
    for n in range(n_batch):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    window = x_pad[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    y[n, c, i, j] = window.sum() / (kh * kw) if kind == "avg" else window.max()
    return y


def avg_pool2d_reference(
    x: np.ndarray, kernel_size: int | Pair, stride: int | Pair | None = None, padding: int | Pair = 0
) -> np.ndarray:
    """y[n, c, i, j] = mean of x_pad[n, c, i·sh : i·sh + kh, j·sw : j·sw + kw] (zero padding counted), as loops."""
    return _reference(x, kernel_size, stride, padding, "avg")


def max_pool2d_reference(
    x: np.ndarray, kernel_size: int | Pair, stride: int | Pair | None = None, padding: int | Pair = 0
) -> np.ndarray:
    """y[n, c, i, j] = max of x_pad[n, c, i·sh : i·sh + kh, j·sw : j·sw + kw] (−inf padding), as loops."""
    return _reference(x, kernel_size, stride, padding, "max")
