"""The type token of every component the program registers (`llm-platform:<module>:<Type>`).

The components register under these; the diff, the policy pack and the tests find components by
them. One definition each, so a rename cannot leave a reader looking for the old token (a rename
also needs an alias on the component, or Pulumi replaces everything under it).
"""

CLUSTER = "llm-platform:aws:Cluster"
GPU_NODE_SOFTWARE = "llm-platform:aws:GpuNodeSoftware"
GPU_POOL = "llm-platform:aws:GpuPool"
KARPENTER = "llm-platform:aws:Karpenter"
NETWORK = "llm-platform:aws:Network"
WEIGHT_STORE = "llm-platform:aws:WeightStore"
LLM_GATEWAY = "llm-platform:gateway:LlmGateway"
OBSERVABILITY = "llm-platform:observability:Observability"
AI_GATEWAY = "llm-platform:services:AiGateway"
CERT_MANAGER = "llm-platform:services:CertManager"
ENVOY_GATEWAY = "llm-platform:services:EnvoyGateway"
EXTERNAL_SECRETS = "llm-platform:services:ExternalSecrets"
KEDA = "llm-platform:services:Keda"
SEMANTIC_ROUTER = "llm-platform:services:SemanticRouter"
VICTORIA_LOGS = "llm-platform:services:VictoriaLogs"
VICTORIA_METRICS_STACK = "llm-platform:services:VictoriaMetricsStack"
MODEL_RELEASE = "llm-platform:serving:ModelRelease"
SERVING_NAMESPACE = "llm-platform:serving:ServingNamespace"
WEIGHT_PRELOAD = "llm-platform:weights:WeightPreload"
