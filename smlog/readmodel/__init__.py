"""The read side shared by the log and reports services: queries, rights and row shapes."""

from smlog.readmodel.rows import DeliveryRow

__all__ = ["DeliveryRow"]
