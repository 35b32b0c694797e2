"""The web console: the Sent Message Log 2.0 screens in a browser (docs/console.md)."""
