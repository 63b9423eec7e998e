"""What the task scheduler runs on engines.

The controller never unpickles, so it cannot call a task's ``depend`` function itself: it asks
an idle engine to evaluate ``depend_verdict(...)`` (see TaskDependencies in the controller)
and reads the displayed ``True`` or ``False``.
"""


def depend_verdict(namespace, canned, names, pickles):
    """Whether the depend function accepts the engine's properties.

    ``canned`` is the pickled CannedFunction; ``names`` and ``pickles`` are the engine's
    properties as the controller keeps them. The function gets a fresh dict of them, so it
    cannot change them, and the engine's namespace as its globals. A function that raises, or
    that cannot be rebuilt here, counts as False, as in the original.
    """
    try:
        import cPickle
        from ipython1.kernel import codeutil
        depend = codeutil.uncan(cPickle.loads(canned), namespace)
        properties = {}
        for name, pickle in zip(names, pickles):
            properties[name] = cPickle.loads(pickle)
        return bool(depend(properties))
    except Exception:
        return False
