"""The reports service: Build Report as PDF, CSV and DOCX, streamed while it is produced."""
