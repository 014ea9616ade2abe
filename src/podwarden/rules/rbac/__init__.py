"""Family ``rbac``: what a workload's service account token may do in the Kubernetes API.

Per workload: pod -> ServiceAccount -> RoleBindings and ClusterRoleBindings -> Roles and
ClusterRoles (aggregated ones included, built-in ones known by name), matched as the API
server's RBAC authorizer matches them; each dangerous permission class of Kubernetes' "RBAC
good practices" is a rule.  Per object: bindings that hand everything to service accounts
or broad groups, and roles a binding names that the input does not hold.
"""
