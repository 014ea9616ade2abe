"""Family ``credentials``: keys, passwords, tokens and certificates committed in manifests."""
