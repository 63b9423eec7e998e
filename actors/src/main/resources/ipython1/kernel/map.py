"""How scatter and gather cut a sequence into pieces and join them again (IPython 0.10's
``IPython.kernel.map``).

Only the block distribution ``'b'`` exists, as in the original: the round-robin class the
original also had was never registered, and documented as not working.
"""


def partition(seq, p, q):
    """Piece number ``p`` (0-based) of ``seq`` cut into ``q`` contiguous blocks.

    With ``L = len(seq)``, ``b = L // q`` and ``r = L % q``, the first ``r`` pieces get
    ``b + 1`` items and the others ``b``: 10 items on 4 engines give 3, 3, 2, 2, and 3 items
    on 4 engines give 1, 1, 1, 0. Slicing is used, so lists give lists, tuples give tuples
    and strings give strings.
    """
    if q < 1:
        raise ValueError("the number of pieces must be at least 1, not %r" % (q,))
    if not 0 <= p < q:
        raise ValueError("piece number %r is not in range(%r)" % (p, q))
    b, r = divmod(len(seq), q)
    if p < r:
        lo = p * (b + 1)
        hi = lo + b + 1
    else:
        lo = p * b + r
        hi = lo + b
    return seq[lo:hi]


def join(pieces):
    """Joins gathered pieces; the type of the first piece decides how.

    An array (numpy and its ancestors) is concatenated, a list or tuple is flattened one
    level into a list, and anything else (scalars, strings, dicts) gives the list of the
    pieces as they are. No pieces (no targets) give ``[]``.
    """
    if not pieces:
        return []
    first = pieces[0]
    concatenate = _array_concatenate(first)
    if concatenate is not None:
        return concatenate(pieces)
    if isinstance(first, (list, tuple)):
        return [item for piece in pieces for item in piece]
    return list(pieces)


def _array_concatenate(value):
    """The ``concatenate`` of the array module ``value`` comes from, or None.

    Looked up by the value's module so that nothing is imported for plain values (and Jython
    has no numpy anyway).
    """
    module = getattr(type(value), '__module__', '') or ''
    for name in ('numpy', 'Numeric', 'numarray'):
        if module == name or module.startswith(name + '.'):
            try:
                return __import__(name).concatenate
            except (ImportError, AttributeError):
                return None
    return None


class Map(object):
    """The block distribution, with the original's method names."""

    def getPartition(self, seq, p, q):
        return partition(seq, p, q)

    def joinPartitions(self, listOfPartitions):
        return join(listOfPartitions)


dists = {'b': Map}


def distribution(dist):
    """The distribution named ``dist``; only ``'b'`` exists."""
    try:
        return dists[dist]()
    except (KeyError, TypeError):
        raise ValueError("unknown distribution %r: the only one is 'b' (block)" % (dist,))
