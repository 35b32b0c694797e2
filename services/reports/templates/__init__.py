"""The report templates (report.docx) and the script that generates them."""
