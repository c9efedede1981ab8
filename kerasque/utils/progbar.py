"""A Keras-style progress bar for ``fit``'s ``verbose=1``."""

from __future__ import annotations

import sys
import time


def format_logs(logs: dict, keys=None) -> str:
    keys = keys if keys is not None else list(logs)
    return " - ".join(f"{k}: {logs[k]:.4f}" for k in keys if k in logs)


class Progbar:
    """Draw ``  640/1437 [=====>......] - ETA: 3s - loss: 0.41 - accuracy: 0.88``.

    Parameters
    ----------
    target : int
        Total number of samples.
    width : int
        Bar width in characters.
    stream : file-like
        Defaults to ``sys.stdout``; redrawn in place with carriage returns.
    interval : float
        Minimum seconds between redraws (the last update always draws).
    """

    def __init__(self, target: int, width: int = 30, stream=None, interval: float = 0.05):
        self.target = int(target)
        self.width = width
        self.stream = stream or sys.stdout
        self.interval = interval
        self.start = time.time()
        self._last_draw = 0.0
        self._last_len = 0

    def due(self) -> bool:
        """Whether a redraw is due (``interval`` seconds since the last one)."""
        return time.time() - self._last_draw >= self.interval

    def update(self, current: int, logs: dict | None = None, finalize: bool = False) -> None:
        now = time.time()
        if not finalize and now - self._last_draw < self.interval and current < self.target:
            return
        self._last_draw = now
        digits = len(str(self.target))
        done = min(current / max(self.target, 1), 1.0)
        filled = int(self.width * done)
        bar = "=" * max(filled - 1, 0) + (">" if filled < self.width else "=") if filled else ""
        bar = f"[{bar}{'.' * (self.width - len(bar))}]"
        elapsed = now - self.start
        if current < self.target:
            eta = elapsed / max(current, 1) * (self.target - current)
            timing = f"ETA: {eta:.0f}s"
        else:
            timing = f"{elapsed:.0f}s {1e3 * elapsed / max(self.target, 1):.2f}ms/sample"
        line = f"{current:>{digits}}/{self.target} {bar} - {timing}"
        if logs:
            line += " - " + format_logs(logs)
        pad = max(self._last_len - len(line), 0)
        self._last_len = len(line)
        self.stream.write("\r" + line + " " * pad + ("\n" if finalize else ""))
        self.stream.flush()
