"""Family ``vault``: Azure Key Vault through the Secrets Store CSI driver, checked across objects."""
