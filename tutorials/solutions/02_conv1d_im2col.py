"""Solution to exercise B of tutorial 02: a 1-D convolution by im2col + one matrix product.

    y[n, o, t] = b[o] + Σ_{c, p} w[o, c, p] · x_pad[n, c, t·s + p·d]
    L' = ⌊(L + 2·padding − d(k − 1) − 1) / s⌋ + 1

Run it on its own (``python tutorials/solutions/02_conv1d_im2col.py``) or from the notebook
(``%run solutions/02_conv1d_im2col.py``); it checks itself against minisnn and prints "correct ✔".
"""

import sys
from pathlib import Path

import numpy as np

from minisnn import Tensor
from minisnn import functional as F
from minisnn.conv import im2col


def im2col_1d(x_padded, k, stride, dilation):
    """x_padded (N, C, Lp) → cols (C·k, N·L'); row (c, p), column (n, t), both in C order."""
    n, c, length = x_padded.shape
    l_out = (length - dilation * (k - 1) - 1) // stride + 1
    # index[t, p] = t·stride + p·dilation: the input position read by tap p of output t
    index = np.arange(l_out)[:, None] * stride + np.arange(k)[None, :] * dilation  # (L', k)
    windows = x_padded[:, :, index]  # (N, C, L', k): fancy indexing copies every window
    return windows.transpose(1, 3, 0, 2).reshape(c * k, n * l_out)  # (c, p, n, t) → rows (c, p), columns (n, t)


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """x (N, C, L), weight (O, C, k), bias (O,) or None → y (N, O, L')."""
    n = x.shape[0]
    o, _, k = weight.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    cols = im2col_1d(x_padded, k, stride, dilation)  # (C·k, N·L')
    y2 = weight.reshape(o, -1) @ cols  # (O, N·L'): the one matrix product
    y = y2.reshape(o, n, -1).transpose(1, 0, 2)  # (N, O, L')
    if bias is not None:
        y = y + bias[None, :, None]
    return y


def conv1d_loops(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """The definition as loops, an independent second reference."""
    n, _, _ = x.shape
    o, _, k = weight.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    l_out = (x_padded.shape[2] - dilation * (k - 1) - 1) // stride + 1
    y = np.zeros((n, o, l_out))
    for i in range(n):
        for j in range(o):
            for t in range(l_out):
                window = x_padded[i, :, t * stride : t * stride + dilation * (k - 1) + 1 : dilation]
                y[i, j, t] = np.sum(weight[j] * window) + (0.0 if bias is None else bias[j])
    return y


if __name__ == "__main__":
    rng = np.random.default_rng(1)
    cases = [  # (N, C, O, L, k, stride, padding, dilation)
        (1, 1, 1, 8, 3, 1, 0, 1),
        (2, 3, 4, 20, 3, 1, 1, 1),
        (2, 3, 2, 21, 5, 2, 2, 1),
        (1, 2, 3, 17, 3, 1, 2, 2),
        (3, 2, 2, 16, 4, 3, 1, 2),
    ]
    for n, c, o, length, k, s, p, d in cases:
        x = rng.standard_normal((n, c, length))
        w = rng.standard_normal((o, c, k))
        b = rng.standard_normal(o)
        x_padded = np.pad(x, ((0, 0), (0, 0), (p, p)))
        # same layout as minisnn's im2col on a height-1 image
        assert np.array_equal(im2col_1d(x_padded, k, s, d), im2col(x_padded[:, :, None, :], (1, k), (1, s), (1, d)))
        y = conv1d(x, w, b, stride=s, padding=p, dilation=d)
        expected = F.conv2d(
            Tensor(x[:, :, None, :]),
            Tensor(w[:, :, None, :]),
            Tensor(b),
            stride=(1, s),
            padding=(0, p),
            dilation=(1, d),
        ).numpy()[:, :, 0, :]
        assert y.shape == expected.shape, (y.shape, expected.shape)
        assert np.allclose(y, expected) and np.allclose(y, conv1d_loops(x, w, b, s, p, d))
        assert np.allclose(conv1d(x, w, None, s, p, d), expected - b[None, :, None])
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from checks import check_conv1d  # noqa: E402  (tutorials/checks.py, the check the notebook runs)

    assert check_conv1d(im2col_1d, conv1d)
    print(f"02_conv1d_im2col: correct ✔  (im2col_1d and conv1d match minisnn and the loops on {len(cases)} cases)")
