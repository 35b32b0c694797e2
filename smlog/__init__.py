"""smlog: the shared core, and the services, simulators and CLI mapped under it.

The shared core is every module of this package except three subpackages: the generated API
(``smlog.v1``), config, runtime, auth, store, vendors and domain rules. ``smlog.services``,
``smlog.simulators`` and ``smlog.cli`` are the repository's top-level ``services/``,
``simulators/`` and ``cli/`` folders (links in the source tree, copied into the wheel), so
that installing the project puts only ``smlog`` on the import path. The shared core never
imports from them (``tests/foundation/test_packaging.py``).
"""
