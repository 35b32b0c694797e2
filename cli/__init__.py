"""The ``smlog`` command: run services, the whole stack, the demo, and client commands."""
