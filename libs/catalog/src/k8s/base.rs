//! `k8s/base/`: namespace, Postgres, Redis and one file per implemented service.

use super::objects::{
    container_security, deployment, empty_dir, env, mount, pod_spec_with, port, resources,
    secret_env, service_port,
};
use super::stores::{postgres, redis};
use super::{NAMESPACE, infra_labels, kustomization, metadata, service_labels};
use crate::catalog::Catalog;
use crate::compose::{SECRETS_DIR, STATE_DIR};
use crate::model::ServiceEntry;
use crate::yaml::{Yaml, documents, flow, int, list, map, s};
use crate::{GENERATED_HEADER, IMAGE_NAME, POSTGRES_PORT, REDIS_PORT};

/// The user id the service images run as.
const SERVICE_UID: i64 = 10001;

/// `(file name, contents)` of every file in `k8s/base/`.
pub fn render(catalog: &Catalog) -> Vec<(String, String)> {
    let mut files = vec![
        ("namespace.yaml".to_string(), with_header(&[namespace()])),
        ("postgres.yaml".to_string(), with_header(&postgres())),
        ("redis.yaml".to_string(), with_header(&redis())),
    ];
    for service in catalog.implemented() {
        files.push((
            format!("{}.yaml", service.name),
            with_header(&service_objects(service)),
        ));
    }
    let resources: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
    files.insert(
        0,
        (
            "kustomization.yaml".to_string(),
            kustomization("Kustomization", GENERATED_HEADER, &resources),
        ),
    );
    files
}

fn with_header(docs: &[Yaml]) -> String {
    format!("{GENERATED_HEADER}\n{}", documents(docs))
}

fn namespace() -> Yaml {
    map([
        ("apiVersion", s("v1")),
        ("kind", s("Namespace")),
        (
            "metadata",
            map([("name", s(NAMESPACE)), ("labels", infra_labels(NAMESPACE))]),
        ),
    ])
}

fn service_env(service: &ServiceEntry) -> Vec<Yaml> {
    let mut env_vars = vec![
        env("QUORUM_DISCOVERY", "dns"),
        env("QUORUM_GRPC_ADDR", format!("0.0.0.0:{}", service.grpc_port)),
        env(
            "QUORUM_ADMIN_ADDR",
            format!("0.0.0.0:{}", service.admin_port),
        ),
        env("RUST_LOG", "info"),
        env("QUORUM_STATE_DIR", STATE_DIR),
        env(
            "QUORUM_SERVICE_KEY_FILE",
            format!("{SECRETS_DIR}/service-key"),
        ),
    ];
    if service.postgres {
        env_vars.push(secret_env("DB_PASSWORD", "quorum-db", "password"));
        env_vars.push(env(
            "DATABASE_URL",
            format!("postgres://quorum:$(DB_PASSWORD)@postgres:{POSTGRES_PORT}/quorum"),
        ));
    }
    if service.redis {
        env_vars.push(env("REDIS_URL", format!("redis://redis:{REDIS_PORT}")));
    }
    if service.name == "auth-manager" {
        // Optional: without the Secret, auth-manager generates an admin password on first start.
        env_vars.push(map([
            ("name", s("QUORUM_ADMIN_PASSWORD")),
            (
                "valueFrom",
                map([(
                    "secretKeyRef",
                    map([
                        ("name", s("quorum-admin")),
                        ("key", s("password")),
                        ("optional", Yaml::Bool(true)),
                    ]),
                )]),
            ),
        ]));
    }
    for (name, default) in &service.env {
        env_vars.push(env(name, default.clone()));
    }
    env_vars
}

fn service_objects(service: &ServiceEntry) -> Vec<Yaml> {
    let name = service.name.as_str();
    let labels = service_labels(service);
    let probe = |period: i64, delay: i64| {
        map([
            ("grpc", map([("port", int(service.grpc_port))])),
            ("initialDelaySeconds", int(delay)),
            ("periodSeconds", int(period)),
            ("failureThreshold", int(3)),
        ])
    };
    let catalog_resources = &service.resources;
    let container = map([
        ("name", s(name)),
        // One image for every service; the argument names the service it runs.
        // Overlays set the tag with `images:`.
        ("image", s(format!("{IMAGE_NAME}:dev"))),
        ("imagePullPolicy", s("IfNotPresent")),
        ("args", flow([name])),
        ("env", Yaml::List(service_env(service))),
        (
            "ports",
            list([
                port("grpc", service.grpc_port),
                port("admin", service.admin_port),
            ]),
        ),
        ("readinessProbe", probe(5, 2)),
        ("livenessProbe", probe(10, 10)),
        (
            "resources",
            resources(
                &catalog_resources.cpu_request,
                &catalog_resources.cpu_limit,
                &catalog_resources.memory_request,
                &catalog_resources.memory_limit,
            ),
        ),
        ("securityContext", container_security(SERVICE_UID)),
        (
            "volumeMounts",
            list([
                mount("tmp", "/tmp", false),
                mount("state", STATE_DIR, false),
                mount("service-key", SECRETS_DIR, true),
            ]),
        ),
    ]);
    let key_volume = map([
        ("name", s("service-key")),
        (
            "secret",
            map([
                ("secretName", s("quorum-service-key")),
                ("defaultMode", int(0o440)),
                (
                    "items",
                    list([map([("key", s("key")), ("path", s("service-key"))])]),
                ),
            ]),
        ),
    ]);
    let volumes = vec![empty_dir("tmp"), empty_dir("state"), key_volume];
    let account = map([
        ("apiVersion", s("v1")),
        ("kind", s("ServiceAccount")),
        ("metadata", metadata(name, labels.clone())),
        ("automountServiceAccountToken", Yaml::Bool(false)),
    ]);
    let kube_service = map([
        ("apiVersion", s("v1")),
        ("kind", s("Service")),
        ("metadata", metadata(name, labels.clone())),
        (
            "spec",
            map([
                ("type", s("ClusterIP")),
                ("selector", map([("app.kubernetes.io/name", s(name))])),
                (
                    "ports",
                    list([
                        service_port("grpc", service.grpc_port, "grpc"),
                        service_port("admin", service.admin_port, "http"),
                    ]),
                ),
            ]),
        ),
    ]);
    let spec = pod_spec_with(Some(name), SERVICE_UID, container, volumes);
    vec![account, deployment(name, labels, spec), kube_service]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
        files
            .iter()
            .find(|(file_name, _)| file_name == name)
            .map(|(_, contents)| contents.as_str())
            .expect("file rendered")
    }

    #[test]
    fn services_get_probes_secrets_and_hardening() {
        let files = render(Catalog::load().expect("catalog"));
        let auth = file(&files, "auth-manager.yaml");
        assert!(auth.contains("grpc:\n              port: 50137"));
        assert!(auth.contains("postgres://quorum:$(DB_PASSWORD)@postgres:5432/quorum"));
        assert!(auth.contains("readOnlyRootFilesystem: true"));
        assert!(auth.contains("appProtocol: grpc"));
        assert!(auth.contains("quorum.dev/category: security"));
        let health = file(&files, "health-checker.yaml");
        assert!(!health.contains("DATABASE_URL") && !health.contains("REDIS_URL"));
        assert!(health.contains("QUORUM_SERVICE_KEY_FILE"));
    }

    #[test]
    fn every_service_runs_the_one_image_by_name() {
        let files = render(Catalog::load().expect("catalog"));
        let feed = file(&files, "price-feed.yaml");
        assert!(feed.contains("image: \"quorum/quorum:dev\"\n"), "{feed}");
        assert!(feed.contains("args: [\"price-feed\"]\n"), "{feed}");
    }

    #[test]
    fn kustomization_lists_every_file() {
        let files = render(Catalog::load().expect("catalog"));
        let kustomization = file(&files, "kustomization.yaml");
        for (name, _) in files.iter().skip(1) {
            assert!(kustomization.contains(&format!("- {name}\n")), "{name}");
        }
    }
}
