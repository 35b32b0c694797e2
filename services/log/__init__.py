"""The log service."""
