"""Alias package: ``IPython.kernel`` is ``ipython1.kernel``, as in IPython 0.10."""
