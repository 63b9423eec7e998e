"""Values already serialized, for ``push_serialized`` and ``pull_serialized`` (IPython 0.10's
``IPython.kernel.newserialized``).

A ``Serialized`` holds a value's pickle (protocol 2) as a byte string: it travels as it is,
nobody unpickles it on the client. Jython has no numpy, so the only ``typeDescriptor`` is
``'pickle'``; functions are pickled canned, as their source (see ``codeutil``)::

    s = newserialized.serialize(range(10))
    mec.push_serialized(dict(a=s))
    s = mec.pull_serialized('a', targets=0)[0]
    newserialized.unserialize(s)         # [0, 1, ..., 9]
"""

import cPickle as pickle
import types

from ipython1.kernel import codeutil
from ipython1.kernel import error


class Serialized(object):
    """A serialized value: ``data`` (the pickle), ``typeDescriptor`` and ``metadata``."""

    def __init__(self, data, typeDescriptor='pickle', metadata=None):
        if not isinstance(data, str):
            raise TypeError("the data of a Serialized is a byte string (str), not %r"
                            % (type(data).__name__,))
        self.data = data
        self.typeDescriptor = typeDescriptor
        self.metadata = {} if metadata is None else metadata

    def getData(self):
        return self.data

    def getDataSize(self, units=10.0 ** 6):
        """The size of the data, in MB by default."""
        return len(self.data) / units

    def getTypeDescriptor(self):
        return self.typeDescriptor

    def getMetadata(self):
        return self.metadata

    def __eq__(self, other):
        return (isinstance(other, Serialized) and self.data == other.data
                and self.typeDescriptor == other.typeDescriptor)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return '<Serialized %s, %d bytes>' % (self.typeDescriptor, len(self.data))


def serialize(obj):
    """``obj`` as a Serialized; a function is canned (it travels as its source)."""
    if isinstance(obj, Serialized):
        return obj
    if isinstance(obj, types.FunctionType):
        obj = codeutil.can(obj)
    try:
        return Serialized(pickle.dumps(obj, 2), 'pickle', {})
    except Exception, e:
        raise error.SerializationError("cannot pickle %r: %s" % (obj, e))


def unserialize(serialized, namespace=None):
    """The value of a Serialized; a canned function is compiled again with ``namespace`` as
    its globals (default: ``__main__``'s)."""
    check(serialized)
    value = pickle.loads(serialized.data)
    if isinstance(value, codeutil.CannedFunction):
        if namespace is None:
            import __main__
            namespace = __main__.__dict__
        value = codeutil.uncan(value, namespace)
    return value


def check(serialized, name=None):
    """Raises TypeError unless ``serialized`` is a Serialized this system can send."""
    where = '' if name is None else ' (the value of %s)' % (name,)
    if not isinstance(serialized, Serialized):
        raise TypeError("not a Serialized%s: %r; make one with newserialized.serialize(obj)"
                        % (where, serialized))
    if serialized.typeDescriptor != 'pickle':
        raise error.SerializationError(
            "cannot send a Serialized of type %r%s: only 'pickle' exists here (no numpy)"
            % (serialized.typeDescriptor, where))
