"""Developer tools (not installed): code generation."""
