"""The Seldon Core v1 SeldonDeployment types, described by hand.

This is the product's own description of ``machinelearning.seldon.io/v1`` (identical for
v1alpha2 and v1alpha3), field by field as reference/seldon/facts.md section 1 lists them
(``types.go`` line ranges at v1.18.2 in the comments). It is not a copy or a conversion of
the upstream CRD. The Kubernetes types Seldon embeds (PodSpec, Container, ResourceRequirements,
EnvVar, autoscaling/v2 MetricSpec and HPA behaviour, label selectors, owner references) are
named with ``k8s(...)`` and generated from the kubernetes client's models by ``generate``.
The autoscaling/v2beta1 MetricSpec, which the client no longer ships, and KEDA's
ScaledObject fields are described here.
"""

from __future__ import annotations

from gitops_seldon.validate.sdep_schema.dsl import (
    BOOL,
    DATE_TIME,
    INT32,
    INT64,
    INT_OR_STRING,
    QUANTITY,
    STR,
    Schema,
    arr,
    free_object,
    obj,
    optional,
    ref,
    smap,
)

K8S = "k8s."
"""Prefix of a reference to a kubernetes client model, resolved by the generator."""


def k8s(model: str) -> Schema:
    return ref(K8S + model)


ENDPOINT = obj({  # Endpoint, types.go 562-575
    "service_host": STR,
    "service_port": INT32,
    "type": STR,  # REST | GRPC, not enforced by the schema
    "httpPort": INT32,
    "grpcPort": INT32,
})

SELDON_TYPES: dict[str, Schema] = {
    # SeldonDeployment, with the API envelope.
    "SeldonDeployment": obj({
        "apiVersion": STR,
        "kind": STR,
        "metadata": k8s("V1ObjectMeta"),
        "spec": ref("SeldonDeploymentSpec"),
        "status": free_object(),  # written by the operator, never by users
    }),
    # SeldonDeploymentSpec, types.go 219-230.
    "SeldonDeploymentSpec": obj({
        "name": STR,  # deprecated
        "predictors": arr(ref("PredictorSpec")),
        "oauth_key": STR,
        "oauth_secret": STR,
        "annotations": smap(),
        "protocol": STR,  # seldon | tensorflow | kfserving | v2 (webhook W1)
        "transport": STR,  # rest | grpc (webhook W2)
        "replicas": INT32,
        "serverType": STR,  # rpc | kafka (webhook W3)
    }, required=("predictors",)),
    # PredictorSpec, types.go 236-250.
    "PredictorSpec": obj({
        "name": STR,
        "graph": ref("PredictiveUnit"),
        "componentSpecs": arr(ref("SeldonPodSpec")),
        "replicas": INT32,
        "annotations": smap(),
        "engineResources": k8s("V1ResourceRequirements"),
        "labels": smap(),
        "svcOrchSpec": ref("SvcOrchSpec"),
        "traffic": INT32,
        "explainer": ref("Explainer"),
        "shadow": BOOL,
        "ssl": obj({"certSecretName": STR}),
        "progressDeadlineSeconds": INT32,
    }, required=("name", "graph")),
    # SvcOrchSpec: the executor container's resources, env and replicas.
    "SvcOrchSpec": obj({
        "resources": k8s("V1ResourceRequirements"),
        "env": arr(k8s("V1EnvVar")),
        "replicas": INT32,
    }),
    # Explainer, types.go 295-306.
    "Explainer": obj({
        "type": STR,
        "modelUri": STR,
        "serviceAccountName": STR,
        "containerSpec": k8s("V1Container"),
        "config": smap(),
        "endpoint": ENDPOINT,
        "envSecretRefName": STR,
        "storageInitializerImage": STR,
        "replicas": INT32,
        "initParameters": STR,
    }),
    # SeldonPodSpec (componentSpecs[]), types.go 478-485.
    "SeldonPodSpec": obj({
        "metadata": ref("SeldonObjectMeta"),
        "spec": k8s("V1PodSpec"),
        "hpaSpec": ref("SeldonHpaSpec"),
        "replicas": INT32,
        "kedaSpec": ref("SeldonScaledObjectSpec"),
        "pdbSpec": obj({"minAvailable": INT_OR_STRING, "maxUnavailable": INT_OR_STRING}),
    }),
    # Seldon's own copy of ObjectMeta, types.go 314-476 (creationTimestamp nullable).
    "SeldonObjectMeta": obj({
        "name": STR,
        "generateName": STR,
        "namespace": STR,
        "selfLink": STR,
        "uid": STR,
        "resourceVersion": STR,
        "generation": INT64,
        "creationTimestamp": optional(DATE_TIME),
        "deletionTimestamp": DATE_TIME,
        "deletionGracePeriodSeconds": INT64,
        "labels": smap(),
        "annotations": smap(),
        "ownerReferences": arr(k8s("V1OwnerReference")),
        "finalizers": arr(STR),
        "clusterName": STR,
    }),
    # SeldonHpaSpec: legacy v2beta1 metrics are converted by the operator; metricsv2 is
    # autoscaling/v2 as is.
    "SeldonHpaSpec": obj({
        "minReplicas": INT32,
        "maxReplicas": INT32,
        "metrics": arr(ref("V2beta1MetricSpec")),
        "metricsv2": arr(k8s("V2MetricSpec")),
    }, required=("maxReplicas",)),
    # autoscaling/v2beta1 MetricSpec (removed from Kubernetes 1.25 and from the client).
    "V2beta1MetricSpec": obj({
        "type": STR,
        "object": obj({
            "target": k8s("V2CrossVersionObjectReference"),
            "metricName": STR,
            "targetValue": QUANTITY,
            "selector": k8s("V1LabelSelector"),
            "averageValue": QUANTITY,
        }, required=("target", "metricName", "targetValue")),
        "pods": obj({
            "metricName": STR,
            "targetAverageValue": QUANTITY,
            "selector": k8s("V1LabelSelector"),
        }, required=("metricName", "targetAverageValue")),
        "resource": obj({
            "name": STR,
            "targetAverageUtilization": INT32,
            "targetAverageValue": QUANTITY,
        }, required=("name",)),
        "containerResource": obj({
            "name": STR,
            "targetAverageUtilization": INT32,
            "targetAverageValue": QUANTITY,
            "container": STR,
        }, required=("name", "container")),
        "external": obj({
            "metricName": STR,
            "metricSelector": k8s("V1LabelSelector"),
            "targetValue": QUANTITY,
            "targetAverageValue": QUANTITY,
        }, required=("metricName",)),
    }, required=("type",)),
    # KEDA ScaledObject spec as Seldon embeds it (no scaleTargetRef: the operator sets it).
    "SeldonScaledObjectSpec": obj({
        "pollingInterval": INT32,
        "cooldownPeriod": INT32,
        "idleReplicaCount": INT32,
        "minReplicaCount": INT32,
        "maxReplicaCount": INT32,
        "advanced": obj({
            "horizontalPodAutoscalerConfig": obj({
                "behavior": k8s("V2HorizontalPodAutoscalerBehavior"),
            }),
            "restoreToOriginalReplicaCount": BOOL,
        }),
        "triggers": arr(obj({
            "type": STR,
            "name": STR,
            "metadata": smap(),
            "authenticationRef": obj({"name": STR, "kind": STR}, required=("name",)),
            "metricType": STR,
        }, required=("type", "metadata"))),
        "fallback": obj({"failureThreshold": INT32, "replicas": INT32},
                        required=("failureThreshold", "replicas")),
    }, required=("triggers",)),
    # PredictiveUnit (a graph node), types.go 592-605. Recursive here; the CRD unrolls 10
    # levels, which the seldon-graph-depth rule enforces.
    "PredictiveUnit": obj({
        "name": STR,
        "children": arr(ref("PredictiveUnit")),
        "type": STR,
        "implementation": STR,
        "methods": arr(STR),
        "endpoint": ENDPOINT,
        "parameters": arr(obj({"name": STR, "value": STR, "type": STR},
                              required=("name", "value", "type"))),
        "modelUri": STR,
        "serviceAccountName": STR,
        "envSecretRefName": STR,
        "storageInitializerImage": STR,
        "logger": obj({"url": STR, "mode": STR}),
    }, required=("name",)),
}

ROOT = "SeldonDeployment"
