"""podwarden: secure-by-default Kubernetes pods for AKS, and the proof."""

__version__ = "0.1.0"
