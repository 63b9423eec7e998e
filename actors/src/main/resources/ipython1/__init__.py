"""jipython: IPython1's parallel kernel on the JVM."""
