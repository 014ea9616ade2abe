"""Family ``suppression``: the ``podwarden.io/ignore`` annotations themselves."""
