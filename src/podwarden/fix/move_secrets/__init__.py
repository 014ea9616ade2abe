"""Move credentials out of pod environments into Azure Key Vault (``fix --move-secrets``).

For every credential the ``credentials`` family finds in ``env[].value`` of a
container, init container or ephemeral container of a pod-bearing object (and that no
``podwarden.io/ignore`` annotation suppresses), wherever it stands (the same value in
several containers or pods moves from each), the move:

- adds one Key Vault object (``objectType: secret``) per distinct value, referenced from
  every place the value stood, to a SecretProviderClass of the vault in the pod's
  namespace: an existing one in the input that already uses the same vault and workload
  identity client id is extended, else one is created;
- mounts that SecretProviderClass read-only through the Secrets Store CSI driver in the
  pod and in the container;
- replaces the literal value.  By default the variable ``NAME`` becomes ``NAME_FILE``
  holding the path of the mounted file (the ``_FILE`` convention many images follow): the
  value then exists only in the vault and in the pod's tmpfs mount.  With ``as_env`` the
  variable keeps its name and reads ``valueFrom.secretKeyRef`` of a Kubernetes Secret the
  SecretProviderClass syncs (``secretObjects``): the application needs no change, but
  the value is also stored in etcd (``vault/secret-sync`` reports that);
- wires Microsoft Entra Workload ID: the pod label ``azure.workload.identity/use:
  "true"``, ``serviceAccountName`` and the ServiceAccount's client-id and tenant-id
  annotations (the ServiceAccount is created when the input does not hold it).

The ServiceAccount is, in order: the one asked for, the pod's own (unless ``default``,
which every pod of the namespace shares), else one named after the workload.

New objects are appended as new YAML documents to the file that holds the pod; every
other byte of the file stays as it was, and each result is verified to parse to exactly
the intended data (``yamlfile``).  JSON files hold one document and are refused.

What ``check --only credentials`` still reports once the move is made (a committed
Secret, a ConfigMap value, an annotation, an argument) is ``Plan.left``, each with what
to do about it: never left silently.  A second run changes nothing.

The values leave the manifests only through ``Plan.values`` (object name -> value); they
are never part of messages, diffs (``redact``) or exceptions.

The pieces: ``model`` (options, names, plans), ``planning`` (``Mover``), ``documents``
(the text added to manifests), ``values`` (the values' directory and upload script).
"""

from podwarden.fix.move_secrets.model import (
    FilePlan,
    Left,
    Moved,
    Options,
    Plan,
    secret_name,
    valid_guid,
    valid_object_name,
    valid_vault_name,
)
from podwarden.fix.move_secrets.planning import Mover
from podwarden.fix.move_secrets.values import check_inside, check_secrets_dir, write_values

__all__ = [
    "FilePlan", "Left", "Moved", "Mover", "Options", "Plan", "check_inside", "check_secrets_dir",
    "secret_name", "valid_guid", "valid_object_name", "valid_vault_name", "write_values",
]
