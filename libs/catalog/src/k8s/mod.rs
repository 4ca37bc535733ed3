//! Kubernetes manifests generated from the catalog: `k8s/base/` and the network-policies
//! component.

pub mod base;
pub mod network_policies;
mod objects;
mod stores;

use crate::model::ServiceEntry;
use crate::yaml::{Yaml, map, s};

/// The namespace every Quorum object lives in.
pub const NAMESPACE: &str = "quorum";

/// Object metadata with the given labels.
pub(crate) fn metadata(name: &str, labels: Yaml) -> Yaml {
    map([
        ("name", s(name)),
        ("namespace", s(NAMESPACE)),
        ("labels", labels),
    ])
}

/// `app.kubernetes.io/name` and `part-of` for an object that is not a catalog service.
pub(crate) fn infra_labels(name: &str) -> Yaml {
    map([
        ("app.kubernetes.io/name", s(name)),
        ("app.kubernetes.io/part-of", s("quorum")),
    ])
}

/// The labels of a catalog service's objects and pods.
pub(crate) fn service_labels(service: &ServiceEntry) -> Yaml {
    let mut labels = vec![
        (
            "app.kubernetes.io/name".to_string(),
            s(service.name.clone()),
        ),
        ("app.kubernetes.io/part-of".to_string(), s("quorum")),
        (
            "quorum.dev/category".to_string(),
            s(service.category.as_str().to_ascii_lowercase()),
        ),
    ];
    if service.gpu {
        labels.push(("quorum.dev/gpu".to_string(), s("optional")));
    }
    Yaml::Map(labels)
}

/// A selector on `app.kubernetes.io/name`.
pub(crate) fn name_selector(name: &str) -> Yaml {
    map([("matchLabels", map([("app.kubernetes.io/name", s(name))]))])
}

/// A kustomization (or component) file listing `resources`.
pub(crate) fn kustomization(kind: &str, header: &str, resources: &[String]) -> String {
    let api_version = if kind == "Component" {
        "kustomize.config.k8s.io/v1alpha1"
    } else {
        "kustomize.config.k8s.io/v1beta1"
    };
    let mut entries = vec![
        ("apiVersion".to_string(), s(api_version)),
        ("kind".to_string(), s(kind)),
    ];
    if kind == "Kustomization" {
        entries.push(("namespace".to_string(), s(NAMESPACE)));
    }
    entries.push((
        "resources".to_string(),
        Yaml::List(resources.iter().map(|r| s(r.clone())).collect()),
    ));
    format!("{header}\n{}", Yaml::Map(entries).render())
}
