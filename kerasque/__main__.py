"""Command line: ``python -m kerasque summary model.h5``.

Prints what a saved file holds without the user writing Python: for a model
file, the layers with output shapes and parameter counts, then the training
configuration (loss, metrics, optimizer) and the epoch reached; for a
weights-only file, each layer's weights and shapes.
"""

from __future__ import annotations

import argparse
import json
import sys


def _print_weights(info, out) -> None:
    out(f"Weights file: {info['path']}")
    total = 0
    for layer, weights in info["weights"]:
        out(f"  {layer}")
        for name, value in weights:
            out(f"    {name:<40} {str(value.shape):<16} {value.dtype}")
            total += value.size
    out(f"Total params: {total:,}")


def _print_training(info, out) -> None:
    config = info["training_config"]
    if config is None:
        out("Training config: none (saved before compile)")
        return
    opt = config.get("optimizer_config", {})
    out(f"Loss: {config.get('loss')}")
    out(f"Metrics: {', '.join(map(str, config.get('metrics') or [])) or 'none'}")
    out(f"Optimizer: {opt.get('class_name')} {json.dumps(opt.get('config', {}), sort_keys=True)}")
    if info["epoch"] is not None:
        out(f"Epochs trained: {info['epoch']}")


def summary(path: str, out=print) -> None:
    """Print the summary of the model (or weights) saved at ``path``."""
    from kerasque.saving.hdf5 import load_model
    from kerasque.saving.summary import read_summary

    info = read_summary(path)
    if info["model_config"] is None:
        _print_weights(info, out)
        return
    model = load_model(path, compile=False)
    model.summary(print_fn=out)
    _print_training(info, out)
    out(f"Saved by kerasque {info['kerasque_version']} (backend {info['backend']})")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kerasque", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("summary", help="print the summary of a saved model file")
    cmd.add_argument("path", help="an .h5 file written by model.save or model.save_weights")
    args = parser.parse_args(argv)
    try:
        summary(args.path)
    except (OSError, ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - a command line prints errors, not tracebacks
        print(
            f"error: {args.path!r} could not be read ({type(err).__name__}: {err}); "
            "please report this as a kerasque bug.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
