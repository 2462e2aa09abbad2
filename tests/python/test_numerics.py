"""npusim.numerics: encode/decode/quantize/matmul/formats from Python.

The encoders are checked against independent references: numpy's float16
cast, a bit-trick bf16 rounding, and a brute-force "nearest representable
value" search over every code of the narrow formats.
"""
import numpy as np
import pytest

from conftest import needs_core

pytestmark = needs_core

num = pytest.importorskip("npusim.numerics")
from npusim.errors import ConfigError  # noqa: E402

SCALAR_8BIT = ["fp8_e4m3", "fp8_e5m2", "hif8", "fp6_e3m2", "fp6_e2m3", "fp4_e2m1"]


def _rng():
    return np.random.default_rng(20240925)


def _samples(fmt, n=4000):
    """Log-uniform magnitudes over the format's range and beyond, both signs,
    plus every exact midpoint between neighbouring values (the tie cases)."""
    d = num.formats()[fmt]
    rng = _rng()
    lo, hi = np.log2(d["min_subnormal"]) - 2, np.log2(d["max_normal"]) + 1
    x = 2.0 ** rng.uniform(lo, hi, n) * rng.choice([-1.0, 1.0], n)
    vals = np.unique(_finite_values(fmt)[0])
    mids = (vals[:-1] + vals[1:]) / 2
    return np.concatenate([x, mids, vals]).astype(np.float32)


def _finite_values(fmt):
    bits = num.formats()[fmt]["bits"]
    codes = np.arange(2**bits, dtype=np.uint32)
    v = num.decode(codes, fmt).astype(np.float64)
    ok = np.isfinite(v)
    return v[ok], codes[ok]


def _brute_force(x, fmt, ties_away):
    """Nearest finite value (saturating); ties to the even code, or away from zero."""
    vals, codes = _finite_values(fmt)
    order = np.argsort(vals, kind="stable")
    vals, codes = vals[order], codes[order]
    out = np.empty(len(x))
    for i, xi in enumerate(x.astype(np.float64)):
        dist = np.abs(vals - xi)
        best = np.flatnonzero(dist == dist.min())
        cand = [j for j in best]
        if len(set(vals[cand])) > 1:  # a genuine tie between two values
            if ties_away:
                j = max(cand, key=lambda j: abs(vals[j]))
            else:
                j = [j for j in cand if codes[j] % 2 == 0][0]
        else:
            j = cand[0]
        out[i] = vals[j]
    return out


def test_formats_descriptors():
    f = num.formats()
    assert set(f) >= {"fp32", "fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "hif8", "mxfp8_e4m3", "mxfp8_e5m2",
                      "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4", "mxint8", "int8"}
    assert f["fp8_e4m3"]["max_normal"] == 448 and f["fp8_e4m3"]["bias"] == 7 and not f["fp8_e4m3"]["has_inf"]
    assert f["fp8_e5m2"]["max_normal"] == 57344 and f["fp8_e5m2"]["has_inf"]
    assert f["hif8"]["max_normal"] == 32768 and f["hif8"]["rounding"] == "nearest_away"
    assert f["hif8"]["min_subnormal"] == 2.0**-22
    assert f["mxfp4"]["block_size"] == 32 and f["mxfp4"]["scale_format"] == "e8m0" and f["mxfp4"]["bits"] == 4
    assert f["mxfp6_e3m2"]["max_normal"] == 28 and f["mxfp6_e2m3"]["max_normal"] == 7.5
    assert f["mxint8"]["max_normal"] == 127 / 64 and f["int8"]["max_normal"] == 127
    assert f["fp16"]["code_dtype"] == "uint16" and f["fp32"]["code_dtype"] == "uint32"


@pytest.mark.parametrize("fmt,dtype", [("fp32", np.uint32), ("fp16", np.uint16), ("bf16", np.uint16),
                                       ("fp8_e4m3", np.uint8), ("hif8", np.uint8), ("int8", np.uint8)])
def test_code_dtypes_and_shapes(fmt, dtype):
    x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 3, 4)
    c = num.encode(x, fmt)
    assert c.dtype == dtype and c.shape == x.shape
    y = num.decode(c, fmt)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_array_equal(y, num.quantize(x, fmt))


def test_fp32_is_a_bit_cast_unless_saturating():
    x = np.array([1.5, -0.0, np.inf, 1e-45, 3.4e38], dtype=np.float32)
    np.testing.assert_array_equal(num.encode(x, "fp32", saturate=False), x.view(np.uint32))
    assert num.encode(x, "fp32")[2] == 0x7F7FFFFF  # SAT: Inf -> max finite, as every format


def test_fp16_matches_numpy():
    rng = _rng()
    x = np.concatenate([(2.0 ** rng.uniform(-27, 17, 20000) * rng.choice([-1, 1], 20000)),
                        [0.0, -0.0, np.inf, -np.inf, 65519.0, 65520.0, 2.0**-25, 3 * 2.0**-26]]).astype(np.float32)
    with np.errstate(over="ignore"):
        want = x.astype(np.float16).view(np.uint16)
    np.testing.assert_array_equal(num.encode(x, "fp16", saturate=False), want)


def test_bf16_matches_bit_trick_rne():
    rng = _rng()
    x = (2.0 ** rng.uniform(-130, 127, 20000) * rng.choice([-1, 1], 20000)).astype(np.float32)
    u = x.view(np.uint32).astype(np.uint64)
    want = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    np.testing.assert_array_equal(num.encode(x, "bf16"), want)


@pytest.mark.parametrize("fmt", SCALAR_8BIT)
def test_narrow_formats_match_brute_force_nearest(fmt):
    x = _samples(fmt)
    want = _brute_force(x, fmt, ties_away=(fmt == "hif8"))
    got = num.quantize(x, fmt).astype(np.float64)
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, f"{fmt}: x={x[bad[:5]]} got={got[bad[:5]]} want={want[bad[:5]]}"


def test_every_8bit_code_round_trips():
    for fmt in ["fp8_e4m3", "fp8_e5m2", "hif8"]:
        codes = np.arange(256, dtype=np.uint8)
        v = num.decode(codes, fmt)
        ok = ~np.isnan(v)
        np.testing.assert_array_equal(num.encode(v[ok], fmt, saturate=False), codes[ok])


def test_overflow_modes_and_specials():
    big = np.array([500.0, -500.0, np.inf, np.nan], dtype=np.float32)
    assert list(num.encode(big, "fp8_e4m3")[:3]) == [0x7E, 0xFE, 0x7E]
    assert list(num.encode(big, "fp8_e4m3", saturate=False)[:3]) == [0x7F, 0xFF, 0x7F]
    assert list(num.encode(big, "fp8_e5m2", saturate=False)[:3]) == [0x60, 0xE0, 0x7C]  # 500 -> 512 fits
    assert list(num.encode([1e6, -1e6], "fp8_e5m2", saturate=False)) == [0x7C, 0xFC]
    assert list(num.encode([1e6, -1e6, np.nan, -0.0], "hif8", saturate=False)) == [0x6F, 0xEF, 0x80, 0x00]
    assert list(num.encode([1e6, -1e6], "hif8")) == [0x6E, 0xEE]
    assert np.isnan(num.quantize([np.nan], "fp8_e4m3")[0])
    assert np.signbit(num.quantize([-0.0], "fp8_e4m3")[0])
    assert num.quantize([1.0625], "hif8")[0] == 1.125  # ties away from zero


def test_int8():
    np.testing.assert_array_equal(num.encode([2.5, 3.5, -2.5, 200, -200, 0.4], "int8"),
                                  np.array([2, 4, -2, 127, -127, 0], dtype=np.int8).view(np.uint8))
    np.testing.assert_array_equal(num.decode(np.array([0x80, 0xFF, 1], dtype=np.uint8), "int8"), [-128, -1, 1])


def test_mx_encode_decode_worked_example():
    x = np.zeros((2, 64), dtype=np.float32)
    x[0, :4] = [100, 20, 40, -56]  # block max 100 -> scale 2^(6-2)
    x[1, 32] = 6.0                 # block max 6 -> scale 2^0
    codes, scales = num.encode(x, "mxfp4")
    assert codes.dtype == np.uint8 and codes.shape == (2, 64)
    assert scales.dtype == np.uint8 and scales.shape == (2, 2)
    assert scales[0, 0] == 127 + 4 and scales[1, 1] == 127
    assert scales[0, 1] == 0  # all-zero block: smallest scale
    y = num.decode(codes, "mxfp4", scales)
    np.testing.assert_array_equal(y[0, :4], [96, 16, 32, -64])
    assert y[1, 32] == 6.0
    np.testing.assert_array_equal(y, num.quantize(x, "mxfp4"))


def test_mx_nan_block_and_3d_shapes():
    x = _rng().normal(size=(2, 3, 64)).astype(np.float32)
    x[1, 2, 40] = np.nan
    codes, scales = num.encode(x, "mxfp8_e4m3")
    assert scales.shape == (2, 3, 2) and scales[1, 2, 1] == 0xFF
    y = num.decode(codes, "mxfp8_e4m3", scales)
    assert np.isnan(y[1, 2, 32:]).all() and not np.isnan(y[1, 2, :32]).any()


@pytest.mark.parametrize("fmt", ["mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4", "mxint8"])
def test_mx_error_bound(fmt):
    # Each element is within half a step of its binade at the block's scale,
    # or clamped: |err| <= 2^(shared) * max_normal, loose but catches gross bugs.
    x = _rng().normal(size=(8, 64)).astype(np.float32)
    y = num.quantize(x, fmt)
    blocks = np.abs(x).reshape(8, 2, 32).max(axis=2)
    assert np.all(np.abs(y - x).reshape(8, 2, 32) <= blocks[..., None] * 0.5 + 1e-30)


def test_input_coercion():
    a = np.arange(64, dtype=np.float64).reshape(2, 32) / 7
    np.testing.assert_array_equal(num.quantize(a, "fp8_e4m3"), num.quantize(a.astype(np.float32), "fp8_e4m3"))
    wide = np.arange(128, dtype=np.float32).reshape(2, 64)
    np.testing.assert_array_equal(num.quantize(wide[:, ::2], "mxfp4"),
                                  num.quantize(np.ascontiguousarray(wide[:, ::2]), "mxfp4"))
    assert num.quantize([1, 2, 3], "hif8").dtype == np.float32
    assert num.quantize(1.0625, "hif8") == np.float32(1.125)


def test_errors():
    with pytest.raises(ConfigError, match=r"unknown number format 'fp8'.*fp8_e4m3.*mxfp4"):
        num.encode([1.0], "fp8")
    with pytest.raises(ValueError):  # ConfigError is a ValueError
        num.quantize([1.0], "e4m3")
    with pytest.raises(ConfigError, match=r"\(4, 33\)"):
        num.encode(np.zeros((4, 33)), "mxfp4")
    with pytest.raises(ConfigError, match=r"\(\)"):
        num.quantize(1.0, "mxint8")
    codes, scales = num.encode(np.zeros((2, 32)), "mxfp6_e2m3")
    with pytest.raises(ConfigError, match="needs its E8M0 block scales"):
        num.decode(codes, "mxfp6_e2m3")
    with pytest.raises(ConfigError, match=r"expected shape \(2, 1\).*got \(1, 2\)"):
        num.decode(codes, "mxfp6_e2m3", scales.reshape(1, 2))
    with pytest.raises(ConfigError, match="no block scales"):
        num.decode(codes, "fp8_e4m3", scales)
    with pytest.raises(ConfigError, match="does not fit"):
        num.decode([0x40], "fp6_e2m3")
    with pytest.raises(ConfigError, match=r"codes must lie in \[0, "):
        num.decode([-1], "fp8_e4m3")
    with pytest.raises(ConfigError, match="integer array of codes"):
        num.decode([1.5], "fp8_e4m3")
    with pytest.raises(ConfigError, match="real numeric array"):
        num.encode(np.array([1 + 2j]), "fp16")
    with pytest.raises(ConfigError, match="real numeric array"):
        num.encode(["a"], "fp16")
    with pytest.raises(ConfigError, match="format name"):
        num.encode([1.0], 8)
    with pytest.raises(ConfigError, match="only saturate=True"):
        num.encode([1.0], "int8", saturate=False)
    with pytest.raises(ConfigError, match="always clamps"):
        num.encode(np.zeros(32), "mxfp8_e4m3", saturate=False)


def _fp32_matmul(qa, qb):
    """Sequential FP32 accumulation over k, as the reference defines it."""
    acc = np.zeros((qa.shape[0], qb.shape[1]), dtype=np.float32)
    for k in range(qa.shape[1]):
        acc = acc + np.outer(qa[:, k], qb[k, :]).astype(np.float32)
    return acc


@pytest.mark.parametrize("fa,fb", [("fp32", "fp32"), ("fp16", "bf16"), ("fp8_e4m3", "fp8_e5m2"), ("hif8", "hif8"),
                                   ("mxfp4", "mxfp8_e4m3"), ("mxint8", "mxfp6_e2m3"), ("int8", "fp8_e4m3")])
def test_matmul_matches_quantized_numpy(fa, fb):
    rng = _rng()
    for m, k, n in [(3, 32, 5), (1, 64, 1), (4, 96, 2)]:
        a = rng.normal(scale=2.0, size=(m, k)).astype(np.float32)
        b = rng.normal(scale=2.0, size=(k, n)).astype(np.float32)
        qa = num.quantize(a, fa)
        qb = num.quantize(b.T, fb).T  # MX blocks run down K: columns of B
        c = num.matmul(a, b, fa, fb)
        assert c.dtype == np.float32 and c.shape == (m, n)
        np.testing.assert_array_equal(c, _fp32_matmul(qa, qb))
        np.testing.assert_allclose(c, qa.astype(np.float64) @ qb.astype(np.float64), rtol=1e-4, atol=1e-3)


def test_matmul_errors():
    with pytest.raises(ConfigError, match=r"expected a of shape \(M, K\).*got \(2, 3\) and \(4, 5\)"):
        num.matmul(np.zeros((2, 3)), np.zeros((4, 5)), "fp16", "fp16")
    with pytest.raises(ConfigError, match=r"got \(3,\)"):
        num.matmul(np.zeros(3), np.zeros((3, 1)), "fp16", "fp16")
    with pytest.raises(ConfigError, match=r"fmt_b format 'mxfp4'.*K = 33"):
        num.matmul(np.zeros((1, 33)), np.zeros((33, 1)), "fp16", "mxfp4")
    with pytest.raises(ConfigError, match="unknown number format"):
        num.matmul(np.zeros((1, 32)), np.zeros((32, 1)), "fp16", "nope")
