"""LLVM IR helpers for the kernels' vectorised SplitMix64 draws (used inside ``@intrinsic``).

SplitMix64's k-th output after state ``s`` is ``mix(s + GAMMA k)`` (`rng.next_u64`), so a
block of consecutive draws can be computed in vector lanes at once and the scalar state
advanced afterwards by ``GAMMA`` times the number of draws consumed: the same draws in the
same order as the scalar generator. `splitmix_lanes` builds that block; `popcount` and
`load_u64` are the scalar intrinsics that read the results back.
"""

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from netaval._kernels.rng import _MIX1, _MIX2, GAMMA

__all__ = ["splat", "signed64", "splitmix_lanes", "popcount", "load_u64"]

_I64 = ir.IntType(64)


def splat(builder, value, vtype):
    """``value`` in every lane of ``vtype``."""
    vec = builder.insert_element(ir.Constant(vtype, ir.Undefined), value,
                                 ir.Constant(ir.IntType(32), 0))
    return builder.shuffle_vector(vec, ir.Constant(vtype, ir.Undefined),
                                  ir.Constant(ir.VectorType(ir.IntType(32), vtype.count),
                                              [0] * vtype.count))


def signed64(x):
    """The uint64 ``x`` as the signed 64-bit constant LLVM IR takes."""
    return x - (1 << 64) if x >= 1 << 63 else x


def splitmix_lanes(builder, state, lanes):
    """The next ``lanes`` SplitMix64 outputs after uint64 ``state``, as ``<lanes x i64>``.

    Lane k holds ``mix(state + GAMMA (k + 1))``, the output `rng.next_u64` returns on its
    (k + 1)-th call from ``state``.
    """
    vtype = ir.VectorType(_I64, lanes)
    gamma = int(GAMMA)
    z = builder.add(splat(builder, state, vtype),
                    ir.Constant(vtype, [signed64((gamma * (k + 1)) % (1 << 64))
                                        for k in range(lanes)]))
    for shift, mult in ((30, int(_MIX1)), (27, int(_MIX2))):
        z = builder.xor(z, builder.lshr(z, ir.Constant(vtype, [shift] * lanes)))
        z = builder.mul(z, ir.Constant(vtype, [signed64(mult)] * lanes))
    return builder.xor(z, builder.lshr(z, ir.Constant(vtype, [31] * lanes)))


@intrinsic
def popcount(typingctx, x):
    """Number of set bits of the uint64 ``x`` (int64)."""
    if x != types.uint64:
        return None
    sig = types.int64(x)

    def codegen(context, builder, signature, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_I64, [_I64]),
                                            "llvm.ctpop.i64")
        return builder.call(fn, [args[0]])

    return sig, codegen


@intrinsic
def load_u64(typingctx, array, index):
    """The 8 bytes ``array[index:index + 8]`` of a C-contiguous uint8 array as one
    little-endian uint64 (an unaligned load; the caller keeps the bytes in bounds)."""
    if not (isinstance(array, types.Array) and array.dtype == types.uint8
            and array.layout == "C" and isinstance(index, types.Integer)):
        return None
    sig = types.uint64(array, index)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        ptr = builder.bitcast(builder.gep(data, [args[1]]), _I64.as_pointer())
        return builder.load(ptr, align=1)

    return sig, codegen
