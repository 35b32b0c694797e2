"""The status service."""
