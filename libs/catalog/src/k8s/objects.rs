//! Building blocks shared by the generated Kubernetes objects: env vars, ports, volumes,
//! hardened security contexts and workload shells.

use super::{metadata, name_selector};
use crate::yaml::{Yaml, int, list, map, s};

pub(crate) fn env(name: &str, value: impl Into<String>) -> Yaml {
    map([("name", s(name)), ("value", s(value))])
}

pub(crate) fn secret_env(name: &str, secret: &str, key: &str) -> Yaml {
    map([
        ("name", s(name)),
        (
            "valueFrom",
            map([("secretKeyRef", map([("name", s(secret)), ("key", s(key))]))]),
        ),
    ])
}

pub(crate) fn container_security(uid: i64) -> Yaml {
    map([
        ("runAsNonRoot", Yaml::Bool(true)),
        ("runAsUser", int(uid)),
        ("runAsGroup", int(uid)),
        ("readOnlyRootFilesystem", Yaml::Bool(true)),
        ("allowPrivilegeEscalation", Yaml::Bool(false)),
        ("capabilities", map([("drop", list([s("ALL")]))])),
        ("seccompProfile", map([("type", s("RuntimeDefault"))])),
    ])
}

pub(crate) fn pod_security(uid: i64) -> Yaml {
    map([
        ("runAsNonRoot", Yaml::Bool(true)),
        ("runAsUser", int(uid)),
        ("runAsGroup", int(uid)),
        ("fsGroup", int(uid)),
        ("seccompProfile", map([("type", s("RuntimeDefault"))])),
    ])
}

pub(crate) fn port(name: &str, number: u16) -> Yaml {
    map([
        ("name", s(name)),
        ("containerPort", int(number)),
        ("protocol", s("TCP")),
    ])
}

pub(crate) fn service_port(name: &str, number: u16, app_protocol: &str) -> Yaml {
    map([
        ("name", s(name)),
        ("port", int(number)),
        ("targetPort", s(name)),
        ("protocol", s("TCP")),
        ("appProtocol", s(app_protocol)),
    ])
}

pub(crate) fn empty_dir(name: &str) -> Yaml {
    map([("name", s(name)), ("emptyDir", map::<String>([]))])
}

pub(crate) fn mount(name: &str, path: &str, read_only: bool) -> Yaml {
    let mut entries = vec![("name", s(name)), ("mountPath", s(path))];
    if read_only {
        entries.push(("readOnly", Yaml::Bool(true)));
    }
    map(entries)
}

pub(crate) fn resources(
    cpu_request: &str,
    cpu_limit: &str,
    memory_request: &str,
    memory_limit: &str,
) -> Yaml {
    map([
        (
            "requests",
            map([("cpu", s(cpu_request)), ("memory", s(memory_request))]),
        ),
        (
            "limits",
            map([("cpu", s(cpu_limit)), ("memory", s(memory_limit))]),
        ),
    ])
}

pub(crate) fn pod_template(labels: Yaml, spec: Yaml) -> Yaml {
    map([("metadata", map([("labels", labels)])), ("spec", spec)])
}

/// A pod spec with the hardened pod security context and `empty_dirs` as emptyDir volumes.
pub(crate) fn pod_spec(
    account: Option<&str>,
    uid: i64,
    container: Yaml,
    empty_dirs: &[&str],
) -> Yaml {
    pod_spec_with(
        account,
        uid,
        container,
        empty_dirs.iter().map(|n| empty_dir(n)).collect(),
    )
}

pub(crate) fn pod_spec_with(
    account: Option<&str>,
    uid: i64,
    container: Yaml,
    volumes: Vec<Yaml>,
) -> Yaml {
    let mut entries = Vec::new();
    if let Some(account) = account {
        entries.push(("serviceAccountName", s(account)));
    }
    entries.push(("automountServiceAccountToken", Yaml::Bool(false)));
    entries.push(("securityContext", pod_security(uid)));
    entries.push(("containers", list([container])));
    entries.push(("volumes", Yaml::List(volumes)));
    map(entries)
}

pub(crate) fn deployment(name: &str, labels: Yaml, spec: Yaml) -> Yaml {
    map([
        ("apiVersion", s("apps/v1")),
        ("kind", s("Deployment")),
        ("metadata", metadata(name, labels.clone())),
        (
            "spec",
            map([
                ("replicas", int(1)),
                ("selector", name_selector(name)),
                ("template", pod_template(labels, spec)),
            ]),
        ),
    ])
}
