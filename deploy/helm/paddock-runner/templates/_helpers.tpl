{{/* <release>-runner: the Deployment, its pods' "app" label and the ServiceAccount. */}}
{{- define "paddock-runner.fullname" -}}
{{ .Release.Name }}-runner
{{- end }}

{{/* Labels every object of the release carries. */}}
{{- define "paddock-runner.labels" -}}
app.kubernetes.io/name: paddock-runner
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: paddock-runner-{{ .Chart.Version }}
{{- end }}

{{/* The Secret holding the key: the user's existingSecret, or the chart's own. */}}
{{- define "paddock-runner.secretName" -}}
{{- if .Values.existingSecret -}}
{{ .Values.existingSecret }}
{{- else -}}
{{ .Release.Name }}-runner-key
{{- end -}}
{{- end }}

{{/* Image tag: image.tag, or the chart's appVersion. */}}
{{- define "paddock-runner.tag" -}}
{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* <release>-reconciler as a label value: at most 63 characters, as Kubernetes requires of labels. */}}
{{- define "paddock-runner.reconcilerLabel" -}}
{{ printf "%s-reconciler" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release>-runner-operator, the upgrade operator Job and its label: at most 63 characters (a Job's
name becomes its pods' job-name label). */}}
{{- define "paddock-runner.operatorName" -}}
{{ printf "%s-runner-operator" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
