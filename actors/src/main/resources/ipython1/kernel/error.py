"""The exceptions of the parallel kernel, named as in IPython 0.10's IPython.kernel.error."""

import exceptions as _builtin_exceptions


class IPythonError(Exception):
    pass


class KernelError(IPythonError):
    pass


class NotDefined(KernelError):
    def __init__(self, name):
        self.name = name
        self.args = (name,)

    def __repr__(self):
        return '<NotDefined: %s>' % self.name

    __str__ = __repr__


class QueueCleared(KernelError): pass
class IdInUse(KernelError): pass
class ProtocolError(KernelError): pass
class ConnectionError(KernelError): pass
class InvalidEngineID(KernelError): pass
class NoEnginesRegistered(KernelError): pass
class InvalidClientID(KernelError): pass
class InvalidDeferredID(KernelError): pass
class SerializationError(KernelError): pass
class MessageSizeError(KernelError): pass
class PBMessageSizeError(MessageSizeError): pass
class ResultNotCompleted(KernelError): pass
class ResultAlreadyRetrieved(KernelError): pass
class ClientError(KernelError): pass
class TaskAborted(KernelError): pass
class TaskTimeout(KernelError): pass
class NotAPendingResult(KernelError): pass
class UnpickleableException(KernelError): pass
class AbortedPendingDeferredError(KernelError): pass
class InvalidProperty(KernelError): pass
class MissingBlockArgument(KernelError): pass
class StopLocalExecution(KernelError): pass
class SecurityError(KernelError): pass
class FileTimeoutError(KernelError): pass
class TaskRejectError(KernelError): pass
# Not in the original: an engine died while a command waited or ran on it.
class EngineError(KernelError): pass


class CompositeError(KernelError):
    """One or more engines raised in a multiplexed call.

    ``elist`` holds one ``(type, value, traceback)`` per failed engine, in target order; each
    value carries ``_ipython_engine_info`` and ``_ipython_traceback_text`` as in the original.
    """

    def __init__(self, message, elist):
        Exception.__init__(self, *(message, elist))
        self.message = message
        self.elist = self._flatten(elist)

    @staticmethod
    def _flatten(elist):
        flat = []
        for et, ev, etb in elist:
            if isinstance(ev, CompositeError):
                flat.extend(ev.elist)
            else:
                flat.append((et, ev, etb))
        return flat

    def _get_engine_str(self, ev):
        try:
            ei = ev._ipython_engine_info
        except AttributeError:
            return '[Engine Exception]'
        else:
            return '[%i:%s]: ' % (ei['engineid'], ei['method'])

    def _get_traceback(self, ev):
        try:
            tb = ev._ipython_traceback_text
        except AttributeError:
            return 'No traceback available'
        else:
            return tb

    def __str__(self):
        s = str(self.message)
        for et, ev, etb in self.elist:
            s = s + '\n' + self._get_engine_str(ev) + str(et.__name__) + ': ' + str(ev)
        return s

    def __repr__(self):
        return 'CompositeError(%r)' % (self.message,)

    def print_tracebacks(self, excid=None):
        if excid is None:
            for (et, ev, etb) in self.elist:
                print self._get_engine_str(ev)
                print self._get_traceback(ev)
                print
        else:
            try:
                et, ev, etb = self.elist[excid]
            except IndexError:
                raise IndexError("an exception with index %i does not exist" % excid)
            else:
                print self._get_engine_str(ev)
                print self._get_traceback(ev)

    def raise_exception(self, excid=0):
        try:
            et, ev, etb = self.elist[excid]
        except IndexError:
            raise IndexError("an exception with index %i does not exist" % excid)
        else:
            raise et, ev, etb


_dynamic_types = {}


def remote_exception_type(name):
    """The class to raise for a remote exception named ``name``.

    Builtin exceptions and this module's keep their class, so ``except ZeroDivisionError``
    works on a re-raised remote error; other names get a subclass of Exception of that name.
    """
    cls = globals().get(name)
    if isinstance(cls, type) and issubclass(cls, BaseException):
        return cls
    cls = getattr(_builtin_exceptions, name, None)
    if isinstance(cls, type) and issubclass(cls, BaseException):
        return cls
    if name not in _dynamic_types:
        _dynamic_types[name] = type(str(name), (Exception,), {'__module__': 'remote'})
    return _dynamic_types[name]


def make_exception(name, message):
    """An instance of the exception class for ``name`` carrying ``message``."""
    cls = remote_exception_type(name)
    try:
        ev = cls(message)
    except Exception:
        cls = type(str(name), (Exception,), {'__module__': 'remote'})
        ev = cls(message)
    return cls, ev
