"""hidden-embed: pure functions behind the workflow's rule scripts.

Importing this package is cheap: no submodule imports NumPy, TensorFlow or a
reducer library at package level, so scripts can set thread counts first.
"""
