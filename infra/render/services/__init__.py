"""Platform services as plain data: each module renders one controller's namespace and Helm values
(and, for External Secrets, its IAM documents and ClusterSecretStore) from the typed settings in
`ServicesConfig`. No Pulumi here; components/services/ registers what these return.

Every value key exists in the chart's upstream values.yaml vendored in schemas/charts/ (tested).
"""
