"""The blocking clients of the parallel kernel.

    from ipython1.kernel import client        # or: from IPython.kernel import client
    mec = client.MultiEngineClient()
    mec.execute('print "Hello World"')
"""

from ipython1.kernel.error import CompositeError  # noqa
from ipython1.kernel import error  # noqa
from ipython1.kernel.multiengineclient import (  # noqa
    ResultList, get_multiengine_client, close_all)

from ipython1.kernel.taskclient import (  # noqa
    StringTask, MapTask, TaskResult, get_task_client)

MultiEngineClient = get_multiengine_client
TaskClient = get_task_client
