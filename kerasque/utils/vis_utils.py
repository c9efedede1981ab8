"""Pictures: training curves (matplotlib) and the layer graph (pydot and graphviz).

Both libraries are optional: ``pip install kerasque[plot]`` brings
matplotlib; :func:`plot_model` also needs ``pydot`` and Graphviz's ``dot``
program. Drawing never opens a window: figures are rendered with the Agg
canvas, whatever backend pyplot is set to.
"""

from __future__ import annotations

import os


def _matplotlib_figure():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(
            "plot_history needs matplotlib, which is not installed. Install the plot extra: "
            "pip install 'kerasque[plot]'."
        ) from err
    return Figure, FigureCanvasAgg


def _history_dict(history, what="the history") -> dict:
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(
            f"plot_history expects a History (what fit returns), its .history dict, or a dict "
            f"of them by run name; {what} is {type(history).__name__}."
        )
    if not logs:
        raise ValueError(f"plot_history: {what} is empty; fit for at least one epoch.")
    return logs


def _runs(history) -> dict:
    """``{run label: logs}``: one unnamed run, or several runs given by name."""
    logs = _history_dict(history)
    several = all(hasattr(v, "history") or isinstance(v, dict) for v in logs.values())
    if not several:
        return {None: logs}
    return {str(label): _history_dict(run, f"run {label!r}") for label, run in logs.items()}


def _panels(runs: dict) -> list[str]:
    """One panel per quantity: 'loss' first, then each metric; 'val_x' joins 'x'."""
    names = []
    for logs in runs.values():
        for key in logs:
            base = key.removeprefix("val_")
            if base not in names and key not in ("lr", "learning_rate"):
                names.append(base)
    names.sort(key=lambda n: (n != "loss", n))
    return names


def _draw_panel(ax, name, runs):
    colors = [f"C{i}" for i in range(10)]
    for color, (label, logs) in zip(colors * 10, runs.items()):
        for key, part, style in ((name, "train", "-"), (f"val_{name}", "validation", "--")):
            if key in logs:
                values = [float(v) for v in logs[key]]
                text = part if label is None else f"{label} ({part})"
                ax.plot(
                    range(1, len(values) + 1),
                    values,
                    style,
                    color=color,
                    marker=".",
                    markersize=4,
                    label=text,
                )
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(name)
    ax.set_xlabel("epoch")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")


def plot_history(history, to_file=None, title=None, dpi=100):
    """Draw loss and metrics per epoch, training (solid) against validation (dashed).

    Parameters
    ----------
    history : History, dict, or dict of them
        What ``fit`` returns, or its ``.history`` dict; a dict of those by
        run name (``{"dropout": h1, "plain": h2}``) draws the runs together,
        one colour each.
    to_file : str or path-like, optional
        Write the figure there (PNG, SVG or PDF by the file's extension).
    title : str, optional
        A title over the panels.
    dpi : int
        Resolution of a written raster file.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (shown inline by Jupyter).

    Examples
    --------
    >>> from kerasque.utils import plot_history
    >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    >>> [ax.get_title() for ax in fig.axes]
    ['loss']
    """
    Figure, Canvas = _matplotlib_figure()
    runs = _runs(history)
    panels = _panels(runs)
    fig = Figure(figsize=(5.0 * len(panels), 3.6))
    Canvas(fig)
    for i, name in enumerate(panels, start=1):
        _draw_panel(fig.add_subplot(1, len(panels), i), name, runs)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if to_file is not None:
        fig.savefig(os.fspath(to_file), dpi=dpi)
    return fig


# -- the layer graph ------------------------------------------------------------
def _pydot():
    try:
        import pydot
    except ImportError as err:
        raise ImportError(
            "plot_model needs pydot and Graphviz; pydot is not installed. Install them: "
            "pip install pydot, and Graphviz's 'dot' program (apt install graphviz)."
        ) from err
    try:
        pydot.Dot.create(pydot.Dot())
    except Exception as err:  # pydot raises OSError / FileNotFoundError variants
        raise ImportError(
            "plot_model needs Graphviz's 'dot' program, which was not found on the PATH. "
            "Install Graphviz (apt install graphviz, brew install graphviz)."
        ) from err
    return pydot


def _shape_label(shapes) -> str:
    text = [str(tuple(s)).replace(",)", ")").replace("None", "?") for s in shapes]
    return text[0] if len(text) == 1 else "[" + ", ".join(text) + "]"


def model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir="TB"):
    """The model's layer graph as a ``pydot.Dot``: one box per layer call, edges for tensors."""
    from kerasque.engine.symbolic import topological_nodes

    pydot = _pydot()
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"model_to_dot: rankdir must be 'TB' or 'LR', received {rankdir!r}.")
    if hasattr(model, "_ensure_graph"):
        model._ensure_graph()
    dot = pydot.Dot()
    dot.set("rankdir", rankdir)
    dot.set("concentrate", True)
    dot.set_node_defaults(shape="record")
    for node in topological_nodes(model.outputs):
        layer = node.layer
        label = (
            f"{layer.name}: {type(layer).__name__}" if show_layer_names else type(layer).__name__
        )
        if show_shapes:
            ins = _shape_label([t.shape for t in node.inputs]) if node.inputs else "-"
            outs = _shape_label([t.shape for t in node.outputs])
            label = f"{label}|{{input:|output:}}|{{{ins}|{outs}}}"
        dot.add_node(pydot.Node(str(id(node)), label=label))
        for t in node.inputs:
            if t.node is not None:
                dot.add_edge(pydot.Edge(str(id(t.node)), str(id(node))))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True, rankdir="TB"):
    """Draw the model's layer graph to ``to_file`` (format from its extension), as Keras.

    Needs ``pydot`` and Graphviz's ``dot``; an ImportError names whichever
    is missing.
    """
    dot = model_to_dot(model, show_shapes, show_layer_names, rankdir)
    path = os.fspath(to_file)
    _, ext = os.path.splitext(path)
    dot.write(path, format=ext[1:] or "png")
    return dot
