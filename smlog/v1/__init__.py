"""Generated code for the ``smlog.v1`` API (``make protos``); do not edit the ``*_pb2*`` files."""
