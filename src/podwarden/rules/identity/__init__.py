"""Family ``identity``: Microsoft Entra Workload ID wiring across pods and ServiceAccounts."""
