"""A disk cache of compiled JAX-mode functions, keyed by the graph they compute.

Compiling a kerasque function in the JAX mode has three costs: building the
PyTensor graph (the model's forward pass, its gradient, the optimizer), then
PyTensor's graph rewrites and the conversion to a JAX function, then XLA.
JAX's persistent compilation cache removes the last on a warm start, but the
rewrites cost 1.3 s for the MLP of ``benchmarks/`` and 2.8 s for its GRU
language model, every time. This cache removes them too: the first compile
of a graph stores the rewritten function as a serialized
:mod:`jax.export` module; a later process that builds the same graph loads it
and skips PyTensor's compile altogether.

The key is a SHA-256 of the graph's structure: every node's op (its class
and ``__props__``, and for ops with an inner graph such as ``Scan``, the
inner graph and the op's settings), the order in which nodes use each
other's outputs, the types (dtype and static shape) of inputs and shared
variables, the bytes of every constant, and the versions of kerasque's
sources, PyTensor, JAX and jaxlib. Weights are not part of the key; they are
arguments. An op that cannot be described this way (no ``__props__``, or a
property whose ``repr`` holds a memory address) makes the graph uncacheable,
and it is compiled as usual; the cache never guesses.

Files live in ``<pytensor base_compiledir>/kerasque-jax``. Set
``KERASQUE_GRAPH_CACHE=0`` to turn the cache off.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tempfile
import types
from pathlib import Path

import numpy as np
import pytensor
from pytensor.compile.sharedvalue import SharedVariable
from pytensor.graph.basic import Constant
from pytensor.graph.op import HasInnerGraph
from pytensor.graph.traversal import io_toposort
from pytensor.scalar.basic import ScalarOp

FORMAT = 1  # bump when what is stored changes


class Uncacheable(Exception):
    """The graph holds something the key cannot describe faithfully."""


def enabled() -> bool:
    return os.environ.get("KERASQUE_GRAPH_CACHE", "1") != "0"


def cache_dir() -> Path:
    return Path(str(pytensor.config.base_compiledir)) / "kerasque-jax"


# -- the key --------------------------------------------------------------------
def _plain(value, depth=0) -> str:
    """A faithful text for an op property, or raise :class:`Uncacheable`."""
    from pytensor.graph.op import Op

    if isinstance(value, (Op, ScalarOp)):
        return _op_key(value, depth + 1)
    if isinstance(value, (tuple, list)):
        return "(" + ",".join(_plain(v, depth) for v in value) + ")"
    if isinstance(value, np.ndarray):
        return f"nd{value.dtype}{value.shape}{hashlib.sha256(value.tobytes()).hexdigest()}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_plain(v, depth)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType)):
        return f"fn:{value.__module__}.{value.__qualname__}"
    text = repr(value)
    if " at 0x" in text or "object at" in text:
        # An object without a faithful repr (e.g. a scalar op's output-type
        # rule): its class and plain attributes, if it has any.
        if depth > 10 or not hasattr(value, "__dict__"):
            raise Uncacheable(f"property {text[:60]}")
        return (
            f"{type(value).__module__}.{type(value).__qualname__}{_plain(vars(value), depth + 1)}"
        )
    return f"{type(value).__qualname__}:{text}"


def _op_key(op, depth=0) -> str:
    if depth > 20:
        raise Uncacheable("ops nested too deeply")
    name = f"{type(op).__module__}.{type(op).__qualname__}"
    if isinstance(op, HasInnerGraph):
        settings = sorted(
            (k, _plain(v, depth))
            for k, v in vars(op).items()
            if not k.startswith("_")
            and k != "name"  # a label (the layer's), not semantics
            and isinstance(v, (bool, int, float, str, type(None), tuple))
        )
        info = _plain(getattr(op, "info", None), depth)
        inner = _graph_text(op.inner_inputs, op.inner_outputs, depth + 1)[0]
        return f"{name}[{settings}|{info}|{inner}]"
    props = getattr(op, "__props__", None)
    if props is None and isinstance(op, ScalarOp):
        # Scalar ops compare equal by class and output-type rule.
        props = ("output_types_preference",)
    if props is None:
        raise Uncacheable(f"op {name} has no __props__")
    return f"{name}(" + ",".join(f"{p}={_plain(getattr(op, p), depth)}" for p in props) + ")"


def _graph_text(inputs, outputs, depth=0):
    """Text describing ``inputs -> outputs``, and the shared variables in order of use."""
    ids: dict = {}
    lines = []
    shared = []
    for i, v in enumerate(inputs):
        ids[v] = f"i{i}"
        lines.append(f"i{i}:{v.type}")

    def ref(v):
        if v in ids:
            return ids[v]
        if isinstance(v, Constant):
            data = np.asarray(v.data)
            if data.dtype == object:
                raise Uncacheable(f"constant {v}")
            text = f"c:{v.type}:{hashlib.sha256(data.tobytes()).hexdigest()}"
        elif v.owner is None:
            if depth or not isinstance(v, SharedVariable):
                raise Uncacheable(f"free variable {v}")
            ids[v] = f"s{len(shared)}"
            shared.append(v)
            lines.append(f"{ids[v]}:{v.type}")
            return ids[v]
        else:
            raise Uncacheable(f"variable {v} used before its node")
        return text

    for n, node in enumerate(io_toposort(inputs, outputs)):
        args = ",".join(ref(v) for v in node.inputs)
        for j, out in enumerate(node.outputs):
            ids[out] = f"n{n}.{j}"
        lines.append(
            f"n{n}={_op_key(node.op, depth)}({args})->"
            + ",".join(str(o.type) for o in node.outputs)
        )
    lines.append("out:" + ",".join(ref(v) for v in outputs))
    return "\n".join(lines), shared


_versions: dict = {}


def _environment() -> str:
    if "text" not in _versions:
        src = hashlib.sha256()
        root = Path(__file__).resolve().parents[2]  # the kerasque package
        for path in sorted(root.rglob("*.py")):
            src.update(path.relative_to(root).as_posix().encode())
            src.update(path.read_bytes())
        pkgs = []
        for pkg in ("pytensor", "jax", "jaxlib"):
            try:
                pkgs.append(f"{pkg}={importlib.metadata.version(pkg)}")
            except importlib.metadata.PackageNotFoundError:
                pkgs.append(f"{pkg}=?")
        import jax

        _versions["text"] = (
            f"format={FORMAT};kerasque-src={src.hexdigest()};{';'.join(pkgs)};"
            f"backend={jax.default_backend()};floatX={pytensor.config.floatX}"
        )
    return _versions["text"]


def graph_key(inputs, outputs, updated):
    """``(key, shared)`` for a function, or ``(None, None)`` if it is uncacheable.

    ``inputs``: explicit inputs then generator inputs; ``outputs``: every
    output, then the new value of each variable in ``updated``. ``shared``
    lists the shared variables the function reads, in a canonical order,
    followed by any updated variable it does not read.
    """
    try:
        text, shared = _graph_text(inputs, outputs)
    except Uncacheable:
        return None, None
    extra = [v for v in updated if v not in shared]
    shared = shared + extra
    ids = {v: i for i, v in enumerate(shared)}
    text += "\nupdates:" + ",".join(f"s{ids[v]}:{v.type}" for v in updated)
    import jax

    # JAX's 64-bit flag changes how a graph traces (int64 counters), so a
    # module exported under one setting must not be loaded under the other.
    text += "\n" + _environment() + f";x64={bool(jax.config.jax_enable_x64)}"
    return hashlib.sha256(text.encode()).hexdigest(), shared


# -- storage ----------------------------------------------------------------------
def load(key: str):
    """The stored :class:`jax.export.Exported` for ``key``, or None."""
    path = cache_dir() / f"{key}.jaxexport"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    import jax

    try:
        return jax.export.deserialize(bytearray(data))
    except Exception:  # noqa: BLE001 - a damaged entry (or no flatbuffers) is a miss
        return None


def store(key: str, exported) -> None:
    """Write ``exported`` for ``key`` atomically (a failure to write is not an error)."""
    try:
        data = exported.serialize()
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, folder / f"{key}.jaxexport")
    except (OSError, ImportError):  # a read-only cache, or no flatbuffers package
        pass
