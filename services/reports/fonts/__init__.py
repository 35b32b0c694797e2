"""DejaVu Sans (regular and bold) for PDF text that WinAnsi cannot hold; see LICENSE."""
