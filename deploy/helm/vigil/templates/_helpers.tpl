{{- define "vigil.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vigil.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: include "vigil.selector" (list . "watcher") */}}
{{- define "vigil.selector" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "vigil.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}

{{- define "vigil.clusterId" -}}
{{- required "clusterId is required: the id of the cluster this release watches, e.g. us-central1-a.prod" .Values.clusterId -}}
{{- end -}}

{{/* Settings every Vigil container gets (the image's entrypoint sets -XX:MaxRAMPercentage=75). */}}
{{- define "vigil.env" -}}
- name: VIGIL_BOOTSTRAP_SERVERS
  value: {{ .Values.kafka.bootstrapServers | quote }}
{{- end -}}

{{- define "vigil.kafkaClientMount" -}}
{{- if .Values.kafka.clientConfigSecret }}
- {name: kafka-client, mountPath: /etc/vigil/kafka, readOnly: true}
{{- end }}
{{- end -}}

{{- define "vigil.kafkaClientVolume" -}}
{{- if .Values.kafka.clientConfigSecret }}
- name: kafka-client
  secret: {secretName: {{ .Values.kafka.clientConfigSecret }}}
{{- end }}
{{- end -}}

{{- define "vigil.probes" -}}
readinessProbe: {httpGet: {path: /readyz, port: metrics}, periodSeconds: 10}
livenessProbe: {httpGet: {path: /healthz, port: metrics}, periodSeconds: 20, failureThreshold: 3}
{{- end -}}

{{- define "vigil.podScheduling" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity: {{- toYaml . | nindent 2 }}
{{- end }}
securityContext: {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}
