"""Bit-exact number formats of Ascend-like NPUs (C++: npu/numerics).

Formats, by name (``formats()`` describes each):

- ``fp32``, ``fp16``, ``bf16``: IEEE-style binary floats.
- ``fp8_e4m3``, ``fp8_e5m2``: OCP OFP8 rev 1.0 (E4M3: bias 7, no Inf, NaN is
  S.1111.111, max 448; E5M2: bias 15, IEEE Inf/NaN, max 57344).
- ``hif8``: Huawei HiFloat8 (arXiv 2409.16626): tapered precision, one zero
  (0x00), NaN 0x80, +-Inf 0x6F/0xEF, max 32768, denormals down to 2^-22;
  rounds ties away from zero, as the paper's default (TA).
- ``fp6_e3m2``, ``fp6_e2m3``, ``fp4_e2m1``: the MX element types alone.
- ``int8``: two's complement integers, symmetric [-127, 127].
- ``mxfp8_e4m3``, ``mxfp8_e5m2``, ``mxfp6_e3m2``, ``mxfp6_e2m3``, ``mxfp4``,
  ``mxint8``: OCP Microscaling v1.0: blocks of 32 along the last axis share
  an E8M0 scale 2^(s-127) (0xFF = NaN); the last axis must be a multiple of
  32.

Rounding is to nearest, ties to even (hif8: ties away). With
``saturate=True`` (default) values beyond the largest finite value, and
infinities, become +-max; with ``saturate=False`` they become +-Inf where the
format has Inf and NaN otherwise (OFP8 non-saturating mode). Formats without
Inf/NaN codes (fp6, fp4, int8, and MX, whose conversion always clamps) accept
only ``saturate=True``. ``fp32`` with ``saturate=False`` is a bit cast. Inputs are converted to float32 first: the formats
model conversions from the FP32 the hardware computes in.

Errors (unknown format, wrong shapes, codes out of range) raise
npusim.ConfigError with the valid names or the expected form.
"""
import numpy as np

from . import _native
from .errors import ConfigError

__all__ = ["encode", "decode", "quantize", "matmul", "formats"]


def _call(name, *args):
    core = _native.core()
    mod = getattr(core, "numerics", None)
    if mod is None:
        raise ImportError("this npusim._core was built without the numerics submodule; rebuild npusim")
    try:
        return getattr(mod, name)(*args)
    except core.ConfigError as e:
        raise ConfigError(str(e)) from None


def _fmt(fmt, what="fmt"):
    if not isinstance(fmt, str):
        raise ConfigError(f"{what}: expected a format name (str), got {type(fmt).__name__}")
    return fmt


def _floats(x, what):
    """Any real array-like -> float32, C-contiguous."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise ConfigError(f"{what}: expected a real numeric array, got dtype {arr.dtype}")
    return np.asarray(arr, dtype=np.float32, order="C")  # (ascontiguousarray would make 0-d 1-d)


def _codes(c, what, limit):
    """Integer array-like with values in [0, limit) -> uint32 (or uint8), C-contiguous."""
    arr = np.asarray(c)
    if arr.dtype.kind not in "biu":
        raise ConfigError(f"{what}: expected an integer array of codes, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= limit):
        raise ConfigError(f"{what}: codes must lie in [0, {limit}), got values in [{arr.min()}, {arr.max()}]")
    return np.asarray(arr, dtype=np.uint8 if limit <= 256 else np.uint32, order="C")


def encode(x, fmt, saturate=True):
    """Encode real values as codes of format `fmt`.

    Returns an array of codes of x's shape (uint8 for 8-bit-or-narrower
    formats, uint16 for fp16/bf16, uint32 for fp32). For MX formats returns
    ``(codes, scales)``: uint8 element codes of x's shape and uint8 E8M0
    scales of shape ``x.shape[:-1] + (x.shape[-1] // 32,)``.
    """
    return _call("encode", _floats(x, "x"), _fmt(fmt), bool(saturate))


def decode(codes, fmt, scales=None):
    """Decode codes of format `fmt` to float32 (same shape as `codes`).

    MX formats need `scales` as returned by encode(); other formats take none.
    """
    fmt = _fmt(fmt)
    c = _codes(codes, "codes", 2**32)
    if scales is not None:
        scales = _codes(scales, "scales", 256)
    return _call("decode", c, fmt, scales)


def quantize(x, fmt, saturate=True):
    """Round-trip x through format `fmt`: decode(encode(x)) as float32."""
    return _call("quantize", _floats(x, "x"), _fmt(fmt), bool(saturate))


def matmul(a, b, fmt_a, fmt_b):
    """Reference C = A @ B (float32) with A quantised to fmt_a and B to fmt_b.

    a: (M, K), b: (K, N). MX formats scale blocks of 32 along K (rows of A,
    columns of B), so K must be a multiple of 32 for them. Products and the
    sum over k (in increasing k) are FP32, as the cube's FP32 accumulator.
    """
    return _call("matmul", _floats(a, "a"), _floats(b, "b"), _fmt(fmt_a, "fmt_a"), _fmt(fmt_b, "fmt_b"))


def formats():
    """Descriptor of every format, by name: bits, exponent/mantissa bits,
    bias, max/min normal, min subnormal, has_inf/has_nan, block_size (0 if
    not MX), emax, default rounding, code dtype and the defining spec."""
    return _call("formats")
