"""Family ``pss``: the Kubernetes Pod Security Standards, exactly as Pod Security Admission
evaluates them, one module per upstream check, versioned from v1.0 to the newest."""
