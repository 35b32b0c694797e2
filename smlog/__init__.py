"""smlog's shared core: the generated API, config, runtime, auth, store and domain rules.

Nothing in this package imports from ``services``, ``simulators`` or ``cli``.
"""
