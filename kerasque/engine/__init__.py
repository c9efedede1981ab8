"""Machinery behind the user API: layers' base, graphs, compiling, training."""
