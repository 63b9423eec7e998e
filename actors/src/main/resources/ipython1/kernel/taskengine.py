"""What tasks run on engines.

* ``function``: a MapTask's function, rebuilt from its canned source once per engine
  namespace instead of once per task (compiling is what a small task would otherwise spend
  its time on).
* ``depend_verdict``: the controller never unpickles, so it cannot call a task's ``depend``
  function itself: it asks an idle engine to evaluate ``depend_verdict(...)`` (see
  TaskDependencies in the controller) and reads the displayed ``True`` or ``False``.
"""

# (id of the namespace, pickled CannedFunction) -> the function; Jython never reuses an id,
# and a reset engine loads this module afresh
_functions = {}
_FUNCTIONS_LIMIT = 256


def function(namespace, canned):
    """The function the pickled CannedFunction ``canned`` stands for, with ``namespace`` as
    its globals; the same pickle gives the same function object while the namespace lives."""
    key = (id(namespace), canned)
    func = _functions.get(key)
    if func is None:
        import cPickle
        from ipython1.kernel import codeutil
        func = codeutil.uncan(cPickle.loads(canned), namespace)
        if len(_functions) >= _FUNCTIONS_LIMIT:
            _functions.clear()
        _functions[key] = func
    return func


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
