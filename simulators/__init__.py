"""Vendor simulators: a fake Voxology (voice, SMS) and a fake Mailgun (email).

Each is an aiohttp app run as its own process (``smlog serve voxology-sim|mailgun-sim``),
answering like the vendor and posting signed callbacks back. See ``docs/simulators.md``.
"""
