"""The admission webhook: ``podwarden serve`` enforces the rules of ``check`` in the cluster."""
