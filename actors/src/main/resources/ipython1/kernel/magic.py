"""The parallel magics of the console: %px, %result, %autopx (IPython 0.10's kernel magics)."""

_active = None

NO_ACTIVE = ("Error:  No Controller is activated\n"
             "Use activate() on a RemoteController object to activate it for magics.")


def activate(client):
    """Makes ``client`` the one the magics use (``mec.activate()``)."""
    global _active
    _active = client


def active():
    return _active


def px(code):
    """``%px code``: runs code on the active client's targets; returns the result."""
    if _active is None:
        print NO_ACTIVE
        return None
    print "Parallel execution on engines: %s" % (_active.targets,)
    return _active.execute(code)


def result(arg=''):
    """``%result [n]``: the active client's ``get_result(n)`` (the latest without n)."""
    if _active is None:
        print NO_ACTIVE
        return None
    try:
        number = int(arg.strip())
    except ValueError:
        number = None
    return _active.get_result(number)
