"""``IPython.kernel`` and its modules are the same module objects as ``ipython1.kernel``'s."""
import sys as _sys

import ipython1.kernel as _kernel
import ipython1.kernel.error as error
import ipython1.kernel.client as client
import ipython1.kernel.newserialized as newserialized

_sys.modules['IPython.kernel.error'] = error
_sys.modules['IPython.kernel.client'] = client
_sys.modules['IPython.kernel.newserialized'] = newserialized
TaskRejectError = error.TaskRejectError
