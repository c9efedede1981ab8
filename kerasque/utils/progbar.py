"""Keras's progress bar (``keras.utils.Progbar``), also drawn by ``fit``'s ``verbose=1``."""

from __future__ import annotations

import numbers
import sys
import time
from collections.abc import Mapping

import numpy as np

from kerasque.utils.validation import check_int, check_number, check_positive_int

__all__ = ["Progbar", "format_logs"]


def format_logs(logs: dict, keys=None) -> str:
    """``loss: 0.4100 - acc: 0.8800`` for the keys of ``logs`` (all, in order, by default)."""
    keys = keys if keys is not None else list(logs)
    return " - ".join(f"{k}: {logs[k]:.4f}" for k in keys if k in logs)


def _format_value(value) -> str:
    # Keras's rule: four decimals, or scientific notation for tiny values.
    if isinstance(value, numbers.Real):
        return f"{value:.4f}" if abs(value) > 1e-3 or value == 0 else f"{value:.4e}"
    return str(value)


def _check_stateful(owner: str, names) -> set:
    if names is None:
        return set()
    hint = f" For one name write [{names!r}]." if isinstance(names, str) else ""
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise TypeError(
            f"{owner}: stateful_metrics must be an iterable of metric names (strings), "
            f"received {names!r}.{hint}"
        )
    return set(names)


class Progbar:
    """Display ``  640/1437 [=====>......] - ETA: 3s - loss: 0.4100 - acc: 0.8800``.

    Parameters
    ----------
    target : int or None
        Total number of steps (or samples) expected; None if unknown (the
        bar then shows ``current/Unknown``).
    width : int
        Bar width in characters (default 30).
    verbose : {0, 1, 2}
        0: silent; 1: a bar redrawn in place with carriage returns (default);
        2: one line when the bar finalizes.
    interval : float
        Minimum seconds between two redraws at ``verbose=1`` (the final
        update always draws).
    stateful_metrics : iterable of str, optional
        Names whose values are shown as given. Every other value is averaged
        over the steps seen, each update weighted by how far it advanced.
    unit_name : str
        What ``current`` counts, shown in the time per unit at the end
        (``'step'``, or ``'sample'``), as in Keras 3.
    stream : file-like, optional
        Where to write; ``sys.stdout`` (looked up when the bar is made) by
        default. A kerasque addition.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = Progbar(4, verbose=2, stream=out)
    >>> bar.add(2, values=[("loss", 1.0)])
    >>> bar.add(2, values=[("loss", 0.5)])
    >>> out.getvalue().endswith("loss: 0.7500\\n")
    True
    """

    def __init__(
        self,
        target,
        width=30,
        verbose=1,
        interval=0.05,
        stateful_metrics=None,
        unit_name="step",
        stream=None,
    ):
        owner = "Progbar"
        self.target = None if target is None else check_int(owner, "target", target, low=0)
        self.width = check_positive_int(owner, "width", width)
        if isinstance(verbose, bool) or verbose not in (0, 1, 2):
            raise ValueError(
                f"{owner}: verbose must be 0 (silent), 1 (bar) or 2 (one line at the end), "
                f"received {verbose!r}."
            )
        self.verbose = int(verbose)
        self.interval = check_number(owner, "interval", interval, low=0)
        self.stateful_metrics = _check_stateful(owner, stateful_metrics)
        if not isinstance(unit_name, str):
            raise TypeError(f"{owner}: unit_name must be a string, received {unit_name!r}.")
        self.unit_name = unit_name
        self.stream = stream or sys.stdout
        self.start = time.time()
        self._seen = 0
        self._values: dict = {}  # name -> [weighted sum, weight], in first-seen order
        self._last_draw = 0.0
        self._last_len = 0

    def due(self) -> bool:
        """Whether a redraw is due (``interval`` seconds since the last one)."""
        return time.time() - self._last_draw >= self.interval

    def update(self, current, values=None, finalize=None) -> None:
        """Move the bar to step ``current`` and record ``values``.

        Parameters
        ----------
        current : int
            Index of the current step (or sample count).
        values : list of (str, value) pairs or dict, optional
            Each ``(name, value_for_the_last_step)``: shown as given when
            ``name`` is in ``stateful_metrics``, else averaged over time.
        finalize : bool, optional
            Whether this is the last update (draws and ends the line).
            Defaults to ``current >= target`` (False when the target is
            unknown).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values)
        if self.verbose == 1:
            if finalize or self.due():
                self._draw_bar(current, finalize)
        elif self.verbose == 2 and finalize:
            self._write(f"{self._count(current)} - {time.time() - self.start:.0f}s")

    def add(self, n, values=None) -> None:
        """Advance the bar by ``n`` steps (``update(seen + n, values)``)."""
        self.update(self._seen + n, values)

    # -- internals ----------------------------------------------------------
    def _record(self, current, values) -> None:
        pairs = values.items() if isinstance(values, Mapping) else (values or ())
        step = max(current - self._seen, 1)
        for name, value in pairs:
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
                continue
            value = float(np.mean(value))
            total = self._values.setdefault(name, [0.0, 0])
            total[0] += value * step
            total[1] += step
        self._seen = current

    def _shown(self) -> str:
        parts = []
        for name, (total, weight) in self._values.items():
            if isinstance(total, (numbers.Real, np.ndarray)):
                total = float(np.mean(total)) / max(weight, 1)
            parts.append(f"{name}: {_format_value(total)}")
        return "".join(f" - {p}" for p in parts)

    def _count(self, current) -> str:
        if self.target is None:
            return f"{current:>7}/Unknown"
        return f"{current:>{len(str(self.target))}}/{self.target}"

    def _draw_bar(self, current, finalize) -> None:
        now = time.time()
        self._last_draw = now
        elapsed = now - self.start
        line = self._count(current)
        if self.target:
            done = min(current / self.target, 1.0)
            filled = int(self.width * done)
            bar = "=" * max(filled - 1, 0) + (">" if filled < self.width else "=") if filled else ""
            line += f" [{bar}{'.' * (self.width - len(bar))}]"
        if self.target is not None and current < self.target and not finalize:
            eta = elapsed / max(current, 1) * (self.target - current)
            line += f" - ETA: {eta:.0f}s"
        else:
            per = 1e3 * elapsed / max(current, 1)
            line += f" - {elapsed:.0f}s {per:.2f}ms/{self.unit_name}"
        line += self._shown()
        pad = max(self._last_len - len(line), 0)
        self._last_len = len(line)
        self.stream.write("\r" + line + " " * pad + ("\n" if finalize else ""))
        self.stream.flush()

    def _write(self, head: str) -> None:
        self.stream.write(head + self._shown() + "\n")
        self.stream.flush()
