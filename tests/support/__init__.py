"""What every test area shares: waiting helpers, tokens and rights, a manual clock and store
builders. Test areas import from here instead of from each other."""
