"""Family ``hardening``: least-privilege settings the AKS guide asks for beyond the Pod Security Standards."""
