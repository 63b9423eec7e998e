"""The parallel kernel: controller, engines, and the clients in ``client``."""
