# Replaced by ipython1.kernel.client in sys.modules when IPython.kernel is imported.
from ipython1.kernel.client import *  # noqa
