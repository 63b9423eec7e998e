"""Scatter, gather, map and friends for the MultiEngineClient (mixed into it)."""


class ParallelMixin(object):
    """Methods built on push, pull and execute; see ipython1.kernel.multiengineclient."""
