{{- define "podwarden.labels" -}}
app.kubernetes.io/name: podwarden
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "podwarden.namespaceSelector" -}}
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values: {{ append .Values.excludedNamespaces .Release.Namespace | uniq | toJson }}
{{- end -}}
