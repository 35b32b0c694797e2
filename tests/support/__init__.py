"""What every test area shares; test areas import from here instead of from each other.

- ``services``: start a gRPC service on port 0, a service's components without its gRPC
  host, or any aiohttp app (simulator, fake, receiver) on a free port.
- ``dispatch``: dispatch with both simulators and a stand-in status edge (the ``make``/``h``
  fixtures); ``log``, ``reports``: the log and reports services with stubs per caller.
- ``tokens``, ``rights``: callers' tokens and channels, the rights lists they hold.
- ``builders``, ``campaign``, ``log_data``: store rows written directly (a whole campaign
  with dispatch's counters; the log tests' two districts).
- ``simulators``: a running simulator's counters, and waiting for them.
- ``waiting``, ``clock``: polling for a condition, a clock moved by hand.
- ``processes``: real ``smlog`` processes (end-to-end and kill tests) on the free ports of
  ``smlog.cli.stackrun.private_settings``, stopped however the test ends."""
