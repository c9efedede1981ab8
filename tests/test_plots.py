"""Pictures: plot_history writes a real PNG; plot_model's graph; errors for absent libraries."""

import sys
import types

import numpy as np
import pytest

from kerasque.callbacks import History
from kerasque.layers import Concatenate, Dense, Input
from kerasque.models import Model
from kerasque.utils import plot_history, plot_model
from kerasque.utils.vis_utils import model_to_dot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _history(scale=1.0):
    h = History()
    for epoch in range(4):
        h.on_epoch_end(
            epoch,
            {
                "loss": scale / (epoch + 1),
                "val_loss": scale / (epoch + 1) + 0.1,
                "accuracy": 0.5 + 0.1 * epoch,
                "val_accuracy": 0.45 + 0.1 * epoch,
                "lr": 0.01,
            },
        )
    return h


def test_plot_history_writes_a_png_with_one_panel_per_quantity(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    fig = plot_history(_history(), to_file=path)
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and 5_000 < len(data) < 200_000
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    # Train (solid) and validation (dashed) per panel; the learning rate is not drawn.
    assert [line.get_linestyle() for line in fig.axes[0].lines] == ["-", "--"]
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [1, 1 / 2, 1 / 3, 1 / 4])


def test_plot_history_draws_several_runs_in_one_figure(tmp_path):
    pytest.importorskip("matplotlib")
    fig = plot_history(
        {"dropout": _history(), "no dropout": _history(2.0).history},
        to_file=tmp_path / "runs.png",
        title="digits",
    )
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels == [
        "dropout (train)",
        "dropout (validation)",
        "no dropout (train)",
        "no dropout (validation)",
    ]
    assert (tmp_path / "runs.png").read_bytes()[:8] == PNG_MAGIC


def test_plot_history_refuses_what_is_not_a_history():
    pytest.importorskip("matplotlib")
    with pytest.raises(TypeError, match=r"plot_history expects a History"):
        plot_history([1, 2, 3])
    with pytest.raises(ValueError, match=r"the history is empty"):
        plot_history(History())


def test_plot_history_without_matplotlib_names_the_plot_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    with pytest.raises(ImportError, match=r"pip install 'kerasque\[plot\]'"):
        plot_history(_history())


def _model():
    a, b = Input(shape=(4,), name="a"), Input(shape=(2,), name="b")
    h = Dense(3, name="hidden")(a)
    return Model([a, b], Dense(1, name="out")(Concatenate(name="join")([h, b])))


def test_plot_model_without_pydot_names_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(
        ImportError,
        match=r"plot_model needs pydot and Graphviz; pydot is not "
        r"installed",
    ):
        plot_model(_model(), to_file=tmp_path / "m.png")


class _FakeDot:
    """Records what model_to_dot adds (pydot's interface, without Graphviz)."""

    def __init__(self):
        self.nodes, self.edges, self.attrs = {}, [], {}

    def create(self):
        return b""

    def set(self, key, value):
        self.attrs[key] = value

    def set_node_defaults(self, **kwargs):
        pass

    def add_node(self, node):
        self.nodes[node.name] = node.label

    def add_edge(self, edge):
        self.edges.append(edge.ends)


def test_model_to_dot_draws_one_box_per_layer_and_an_edge_per_tensor(monkeypatch):
    fake = types.ModuleType("pydot")
    fake.Dot = _FakeDot
    fake.Node = lambda name, label: types.SimpleNamespace(name=name, label=label)
    fake.Edge = lambda src, dst: types.SimpleNamespace(ends=(src, dst))
    monkeypatch.setitem(sys.modules, "pydot", fake)
    dot = model_to_dot(_model(), show_shapes=True, rankdir="LR")
    labels = {label.split("|")[0]: label for label in dot.nodes.values()}
    assert set(labels) == {
        "a: InputLayer",
        "b: InputLayer",
        "hidden: Dense",
        "join: Concatenate",
        "out: Dense",
    }
    assert "{[(?, 3), (?, 2)]|(?, 5)}" in labels["join: Concatenate"]
    names = {label.split("|")[0]: key for key, label in dot.nodes.items()}
    assert (names["hidden: Dense"], names["join: Concatenate"]) in dot.edges
    assert len(dot.edges) == 4 and dot.attrs["rankdir"] == "LR"
